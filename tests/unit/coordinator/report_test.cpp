// The JSON report carries design.md's stable keys, and expectations decide exit code 1.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "coordinator/report/expectations.hpp"
#include "coordinator/report/report.hpp"
#include "coordinator/report/summary_writers.hpp"

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
Expectations caught(const std::string& endpoint) {
  Expectations e;
  e.expect_violated.insert(endpoint);
  return e;
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
  CHECK(unmet_expectations(j, caught("buggy")).empty());
  auto wrong = unmet_expectations(j, caught("safe"));
  CHECK(wrong.size() == 2);  // buggy violated unexpectedly, safe held when a violation was expected
}

TEST_CASE("the table shows each endpoint's verdict", "[coordinator][report]") {
  auto table = render_table(to_json(sample()));
  CHECK(table.find("buggy") != std::string::npos);
  CHECK(table.find("violated") != std::string::npos);
  CHECK(table.find("integrity") != std::string::npos);
}

TEST_CASE("latency and error-rate limits fail the run and say by how much",
          "[coordinator][report]") {
  auto run = sample();
  run.phases[1].latency.record_us(400'000);  // p99 of {1.5 ms, 400 ms} is 400 ms
  run.phases[1].counts.set_errors(1);
  run.phases[1].counts.set_info(1);  // (1 + 1) / 10 attempts = 0.2
  auto j = to_json(run);
  Expectations e;
  e.expect_violated.insert("buggy");
  CHECK(unmet_expectations(j, e).empty());
  e.all.max_p99_ms = 100;
  auto slow = unmet_expectations(j, e);
  REQUIRE(slow.size() == 1);
  CHECK(slow[0].find("safe: p99 latency") != std::string::npos);
  e.per_endpoint["safe"].max_p99_ms = 1000;  // a per-endpoint limit wins over the global one
  e.per_endpoint["safe"].max_error_rate = 0.1;
  auto errors = unmet_expectations(j, e);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("error rate 0.2000") != std::string::npos);
}

TEST_CASE("the Markdown and HTML summaries show verdicts and escape report text",
          "[coordinator][report]") {
  auto run = sample();
  run.phases[1].problems.push_back("agent <b>x</b> | lost");
  run.phases[1].timeline = {{0.5, 3, 3, 0, 0}, {1.0, 10, 10, 0, 0}};
  auto j = to_json(run);
  auto md = render_markdown(j, {"buggy: something"});
  CHECK(md.find("| buggy | violated |") != std::string::npos);
  CHECK(md.find("agent <b>x</b> \\| lost") != std::string::npos);
  CHECK(md.find("Expectations failed") != std::string::npos);
  auto html = render_html(j, {});
  CHECK(html.find("Every expectation held") != std::string::npos);
  CHECK(html.find("agent &lt;b&gt;x&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<b>x</b>") == std::string::npos);
  CHECK(html.find("requests per second over time") != std::string::npos);
}

TEST_CASE("the HTML report charts latency over time from the timeline's windows",
          "[coordinator][report]") {
  auto run = sample();
  run.phases[1].timeline = {{0, 0, 0, 0, 0}, {1.0, 10, 10, 0, 0, 1.5, 4.0}, {2.0, 20, 20, 0, 0}};
  auto j = to_json(run);
  const auto& point = j["endpoints"].as_array()[1].as_object().at("timeline").as_array()[1];
  CHECK(point.as_array().at(6).to_number<double>() == 4.0);
  auto html = render_html(j, {});
  CHECK(html.find("latency p50 and p99 over time") != std::string::npos);
  CHECK(html.find("4.0 ms") != std::string::npos);  // the chart's scale is the highest p99
  run.phases[1].timeline = {{0, 0, 0, 0, 0}, {1.0, 10, 10, 0, 0}};
  CHECK(render_html(to_json(run), {}).find("No latency over time") != std::string::npos);
}
