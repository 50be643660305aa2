// `stampede run` flag validation: each bad combination is a clear error (exit 2 in main).
#include <catch2/catch.hpp>

#include "common/duration.hpp"
#include "coordinator/cli/run_command.hpp"

using namespace stampede::coordinator;

TEST_CASE("the bundled target gets design.md's routes and one key per attempt",
          "[coordinator][cli]") {
  RunFlags f;
  f.requests = 10;
  f.stock_url = "http://127.0.0.1:1/api/v1/products/1";
  auto r = build_run_request(f);
  REQUIRE(r);
  CHECK(r->request().path() == "/api/v1/checkout/${endpoint}");
  CHECK(r->endpoints_size() == 3);
  REQUIRE(r->request().headers_size() == 1);
  CHECK(r->request().headers(0).value() == "${key}");
  CHECK(r->ledger_url() == "http://127.0.0.1:8080/api/v1/products/1/orders");
}

TEST_CASE("bad run flags are refused with a reason", "[coordinator][cli]") {
  RunFlags f;
  f.requests = 10;
  f.stock = 100;  // without --admin-url
  auto no_admin = build_run_request(f);
  REQUIRE_FALSE(no_admin);
  CHECK(no_admin.error().find("--admin-url") != std::string::npos);

  RunFlags unbounded;
  CHECK_FALSE(build_run_request(unbounded));

  RunFlags bad_target;
  bad_target.requests = 1;
  bad_target.target = "https://shop.test";
  CHECK_FALSE(build_run_request(bad_target));

  RunFlags bad_header;
  bad_header.requests = 1;
  bad_header.headers = {"NoColon"};
  CHECK_FALSE(build_run_request(bad_header));

  RunFlags bad_expect;
  bad_expect.requests = 1;
  bad_expect.endpoints = {"safe"};
  bad_expect.expect_violated = {"buggy"};
  CHECK_FALSE(build_run_request(bad_expect));
}

TEST_CASE("durations accept ms, s, m and h", "[coordinator][cli]") {
  CHECK(*stampede::parse_duration_ms("500ms") == 500);
  CHECK(*stampede::parse_duration_ms("2s") == 2000);
  CHECK(*stampede::parse_duration_ms("1.5m") == 90000);
  CHECK_FALSE(stampede::parse_duration_ms("soon"));
  CHECK_FALSE(stampede::parse_duration_ms("5 parsecs"));
  CHECK_FALSE(stampede::parse_duration_ms("-1s"));
}

TEST_CASE("open loop takes --rate and refuses a think time beside it", "[coordinator][cli]") {
  RunFlags f;
  f.duration = "2s";
  f.rate = 100;
  f.stock_url = "http://127.0.0.1:1/s";
  auto r = build_run_request(f);
  REQUIRE(r);
  CHECK(r->phases(0).rate_per_s() == 100);
  CHECK(r->phases(0).duration_ms() == 2000);
  f.think_time = "10ms";
  auto bad = build_run_request(f);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("--think-time") != std::string::npos);
}

TEST_CASE("ramp, think time and retries reach the run request", "[coordinator][cli]") {
  RunFlags f;
  f.requests = 10;
  f.stock_url = "http://127.0.0.1:1/s";
  f.ramp = "3s";
  f.think_time = "20ms";
  f.retries = 2;
  auto r = build_run_request(f);
  REQUIRE(r);
  CHECK(r->phases(0).ramp_ms() == 3000);
  CHECK(r->phases(0).think_time_ms() == 20);
  CHECK(r->max_retries() == 2);
  f.ramp = "later";
  CHECK_FALSE(build_run_request(f));
}
