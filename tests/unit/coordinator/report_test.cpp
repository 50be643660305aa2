// The JSON report carries design.md's stable keys, and expectations decide exit code 1.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "coordinator/report/expectations.hpp"
#include "coordinator/report/report.hpp"

using namespace stampede::coordinator;

namespace {
RunReport sample() {
  RunReport r;
  r.run_id = "r1";
  r.agents.push_back({"a1", "h1", 10});
  PhaseReport safe;
  safe.endpoint = "safe";
  safe.initial_stock = 100;
  safe.final_stock = 0;
  safe.counts.set_attempts(10);
  safe.latency.record_us(1500);
  safe.status_codes[201] = 10;
  safe.duration_s = 2;
  PhaseReport buggy = safe;
  buggy.endpoint = "buggy";
  buggy.verdict.oversold = 3;
  buggy.verdict.integrity_ok = false;
  r.phases = {buggy, safe};
  return r;
}
}  // namespace

TEST_CASE("the report has every stable key of design.md", "[coordinator][report]") {
  auto j = to_json(sample());
  for (const char* k : {"run_id", "scenario", "started_at", "duration_s", "agents", "endpoints"}) {
    CHECK(j.contains(k));
  }
  const auto& e = j.at("endpoints").as_array().at(1).as_object();
  for (const char* k :
       {"endpoint",     "initial_stock",  "final_stock",    "attempts",      "acknowledged",
        "sold_out",     "errors",         "indeterminate",  "ledger_orders", "oversold",
        "lost_updates", "lost_acks",      "phantoms",       "duplicates",    "recovered",
        "integrity",    "checks_skipped", "throughput_rps", "latency_ms",    "status_codes"}) {
    CHECK(e.contains(k));
  }
  CHECK(e.at("throughput_rps").as_double() == 5.0);
  CHECK(e.at("latency_ms").at("p50").as_double() == Approx(1.5).epsilon(0.001));
  CHECK(e.at("status_codes").at("201").to_number<int>() == 10);
  CHECK(j.at("agents").as_array().at(0).at("requests").to_number<int>() == 10);
}

TEST_CASE("a violation is a failure unless the endpoint is expected to be caught",
          "[coordinator][report]") {
  auto j = to_json(sample());
  auto strict = unmet_expectations(j, {});
  REQUIRE(strict.size() == 1);
  CHECK(strict[0].find("buggy") != std::string::npos);
  CHECK(unmet_expectations(j, {{"buggy"}}).empty());
  auto wrong = unmet_expectations(j, {{"safe"}});
  CHECK(wrong.size() == 2);  // buggy violated unexpectedly, safe held when a violation was expected
}

TEST_CASE("the table shows each endpoint's verdict", "[coordinator][report]") {
  auto table = render_table(to_json(sample()));
  CHECK(table.find("buggy") != std::string::npos);
  CHECK(table.find("violated") != std::string::npos);
  CHECK(table.find("integrity") != std::string::npos);
}
