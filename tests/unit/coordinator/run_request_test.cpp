// `stampede run`'s settings as a RunRequest: each bad combination is a clear error (exit 2 in
// main), and the coordinator refuses a request from any client outside the same bounds.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <limits>

#include "common/duration.hpp"
#include "coordinator/spec/run_request.hpp"

using namespace stampede::coordinator;

namespace {

// Settings as the command line would give them: {"requests", "10"} is --requests 10.
stampede::Expected<RunSettings> settings(
    std::initializer_list<std::pair<std::string, std::vector<std::string>>> given) {
  RunInput in;
  for (const auto& [name, values] : given) in.run[name] = {values, "--" + name};
  return resolve(in);
}

stampede::Expected<stampede::v1::RunRequest> request(
    std::initializer_list<std::pair<std::string, std::vector<std::string>>> given) {
  auto s = settings(given);
  REQUIRE(s);
  return build_run_request(*s);
}

}  // namespace

TEST_CASE("the bundled target gets design.md's routes and one key per attempt",
          "[coordinator][cli]") {
  auto r = request({{"requests", {"10"}}, {"stock_url", {"http://127.0.0.1:1/api/v1/products/1"}}});
  REQUIRE(r);
  CHECK(r->request().path() == "/api/v1/checkout/${endpoint}");
  CHECK(r->endpoints_size() == 3);
  REQUIRE(r->request().headers_size() == 1);
  CHECK(r->request().headers(0).value() == "${key}");
  CHECK(r->ledger_url() == "http://127.0.0.1:8080/api/v1/products/1/orders");
  CHECK(r->phases(0).users() == 100);  // the table's default
  CHECK(r->request().request_timeout_ms() == 10000);
}

TEST_CASE("bad run flags are refused with a reason", "[coordinator][cli]") {
  auto no_admin = request({{"requests", {"10"}}, {"stock", {"100"}}});
  REQUIRE_FALSE(no_admin);
  CHECK(no_admin.error().find("--admin-url") != std::string::npos);
  CHECK_FALSE(request({}));  // neither requests nor duration
  CHECK_FALSE(settings({{"target", {"ftp://shop.test"}}}));
  auto half_pair = request({{"requests", {"1"}},
                            {"stock_url", {"http://127.0.0.1:1/s"}},
                            {"client_cert", {"c.pem"}},
                            {"path", {"/buy"}}});
  REQUIRE_FALSE(half_pair);
  CHECK(half_pair.error() == "--client-cert and --client-key go together");
  auto bad_header = settings({{"header", {"NoColon"}}});
  REQUIRE_FALSE(bad_header);
  CHECK(bad_header.error() == "--header: want K:V, not 'NoColon'");
  CHECK_FALSE(request({{"requests", {"1"}},
                       {"endpoint", {"safe"}},
                       {"expect_violated", {"buggy"}},
                       {"stock_url", {"http://127.0.0.1:1/s"}}}));
}

TEST_CASE("numbers are checked whole: no sign, no overflow, no NaN, no infinity",
          "[coordinator][cli]") {
  for (const std::string bad : {"-5", "18446744073709551616", "1e3", "10x", "", " 5", "+5"}) {
    INFO(bad);
    auto s = settings({{"requests", {bad}}});
    REQUIRE_FALSE(s);
    CHECK(s.error().starts_with("--requests: must be a whole number from 1 to 1099511627776"));
  }
  for (const std::string bad : {"NaN", "nan", "inf", "1e308", "-1"}) {
    INFO(bad);
    CHECK_FALSE(settings({{"rate", {bad}}}));
    CHECK_FALSE(settings({{"max_p99_ms", {bad}}}));
    CHECK_FALSE(settings({{"max_error_rate", {bad}}}));
  }
  CHECK(settings({{"rate", {"2500.5"}}})->all.rate == 2500.5);
  CHECK_FALSE(settings({{"users", {"10000001"}}}));
  CHECK_FALSE(settings({{"retries", {"1000"}}}));
}

TEST_CASE("durations accept ms, s, m and h", "[coordinator][cli]") {
  CHECK(*stampede::parse_duration_ms("500ms") == 500);
  CHECK(*stampede::parse_duration_ms("2s") == 2000);
  CHECK(*stampede::parse_duration_ms("1.5m") == 90000);
  CHECK_FALSE(stampede::parse_duration_ms("soon"));
  CHECK_FALSE(stampede::parse_duration_ms("5 parsecs"));
  CHECK_FALSE(stampede::parse_duration_ms("-1s"));
  CHECK_FALSE(stampede::parse_duration_ms("nan"));
}

TEST_CASE("open loop takes --rate and refuses a think time beside it", "[coordinator][cli]") {
  auto r =
      request({{"duration", {"2s"}}, {"rate", {"100"}}, {"stock_url", {"http://127.0.0.1:1/s"}}});
  REQUIRE(r);
  CHECK(r->phases(0).rate_per_s() == 100);
  CHECK(r->phases(0).duration_ms() == 2000);
  auto bad = request({{"duration", {"2s"}},
                      {"rate", {"100"}},
                      {"think_time", {"10ms"}},
                      {"stock_url", {"http://127.0.0.1:1/s"}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("--think-time") != std::string::npos);
}

TEST_CASE("ramp, think time and retries reach the run request", "[coordinator][cli]") {
  auto r = request({{"requests", {"10"}},
                    {"stock_url", {"http://127.0.0.1:1/s"}},
                    {"ramp", {"3s"}},
                    {"think_time", {"20ms"}},
                    {"retries", {"2"}}});
  REQUIRE(r);
  CHECK(r->phases(0).ramp_ms() == 3000);
  CHECK(r->phases(0).think_time_ms() == 20);
  CHECK(r->max_retries() == 2);
  CHECK_FALSE(settings({{"ramp", {"later"}}}));
}

TEST_CASE("the coordinator refuses a request from any client outside the run's bounds",
          "[coordinator][spec]") {
  auto good = request({{"requests", {"10"}}, {"stock_url", {"http://127.0.0.1:1/s"}}});
  REQUIRE(good);
  CHECK_FALSE(check_run_request(*good));
  auto huge = *good;
  huge.mutable_phases(0)->set_users(4'000'000'000u);
  auto why = check_run_request(huge);
  REQUIRE(why);
  CHECK(why->find("users 4000000000 is out of bounds") != std::string::npos);
  auto nan = *good;
  nan.mutable_phases(0)->set_rate_per_s(std::numeric_limits<double>::quiet_NaN());
  CHECK(check_run_request(nan));
  auto retries = *good;
  retries.set_max_retries(1000);
  CHECK(check_run_request(retries));
  auto unbounded = *good;
  unbounded.mutable_phases(0)->set_attempts(0);
  CHECK(check_run_request(unbounded));
  stampede::v1::RunRequest empty;
  CHECK(check_run_request(empty));
}

TEST_CASE("a data file's rows travel with the run; unique mode refuses more users than rows",
          "[coordinator][cli][data]") {
  const std::string path = "run_request_test_users.csv";
  {
    std::ofstream out(path);
    out << "user_id,token\n";
    for (int i = 0; i < 4; ++i) out << "buyer-" << i << ",tok-" << i << "\n";
  }
  const std::string stock = "http://127.0.0.1:1/api/v1/products/1";
  auto cycled = request({{"requests", {"10"}},
                         {"users", {"8"}},
                         {"stock_url", {stock}},
                         {"data", {path}},
                         {"data_mode", {"cycle"}},
                         {"per_user_limit", {"1"}},
                         {"header", {"Authorization: Bearer ${token}"}}});
  auto unique =
      request({{"requests", {"10"}}, {"users", {"8"}}, {"stock_url", {stock}}, {"data", {path}}});
  auto unknown = request({{"requests", {"10"}},
                          {"users", {"4"}},
                          {"stock_url", {stock}},
                          {"data", {path}},
                          {"header", {"Authorization: Bearer ${tokn}"}}});
  std::remove(path.c_str());
  REQUIRE(cycled);
  CHECK(cycled->data().columns_size() == 2);
  CHECK(cycled->data().cells_size() == 8);
  CHECK(cycled->data().cycle());
  CHECK(cycled->per_user_limit() == 1);
  CHECK(cycled->phases(0).per_user_limit() == 1);
  REQUIRE_FALSE(unique);
  CHECK(unique.error() ==
        "--data-mode unique: phase buggy has 8 users and the data 4 rows; give a row per user "
        "or --data-mode cycle");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() ==
        "--header Authorization: nothing fills ${tokn} (known here: user_id, key, endpoint, "
        "token)");
  auto missing = request({{"requests", {"10"}}, {"stock_url", {stock}}, {"data", {"nope.csv"}}});
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "--data nope.csv: cannot open");
}
