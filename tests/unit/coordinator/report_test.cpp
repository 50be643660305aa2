// The typed report: design.md's stable keys out, the same report back in with every value
// checked, the expectations that decide exit code 1, the renderings, and run comparison.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "coordinator/report/compare.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/report/report.hpp"
#include "coordinator/report/summary_writers.hpp"

using namespace stampede::coordinator;

namespace {
RunReport sample() {
  RunReport r;
  r.run_id = "r1";
  r.agents.push_back({"a1", "h1", 10});
  EndpointReport safe;
  safe.endpoint = "safe";
  safe.initial_stock = 100;
  safe.final_stock = 0;
  safe.attempts = 10;
  safe.acknowledged = 10;
  stampede::LatencyHistogram h;
  h.record_us(1500);
  safe.latency_ms = LatencySummary::of(h);
  safe.status_codes[201] = 10;
  safe.duration_s = 2;
  safe.throughput_rps = 5;
  EndpointReport buggy = safe;
  buggy.endpoint = "buggy";
  buggy.verdict.oversold = 3;
  buggy.verdict.integrity_ok = false;
  r.endpoints = {buggy, safe};
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
       {"endpoint",     "problems",     "initial_stock",  "final_stock",    "attempts",
        "acknowledged", "sold_out",     "errors",         "indeterminate",  "ledger_orders",
        "oversold",     "lost_updates", "lost_acks",      "phantoms",       "duplicates",
        "recovered",    "integrity",    "checks_skipped", "throughput_rps", "start_spread_ms",
        "latency_ms",   "status_codes", "timeline"}) {
    CHECK(e.contains(k));
  }
  CHECK(e.at("throughput_rps").as_double() == 5.0);
  CHECK(e.at("latency_ms").at("p50").as_double() == Approx(1.5).epsilon(0.001));
  CHECK(e.at("status_codes").at("201").to_number<int>() == 10);
  CHECK(j.at("agents").as_array().at(0).at("requests").to_number<int>() == 10);
}

TEST_CASE("a report read back is the report written", "[coordinator][report]") {
  auto original = sample();
  original.endpoints[1].problems = {"agent a2 was lost"};
  original.endpoints[1].timeline = {{0, 0, 0, 0, 0}, {1.0, 10, 9, 1, 0, 1.5, 4.0}};
  original.endpoints[1].latency_ms_uncorrected = LatencySummary{1, 2, 3, 4, 5};
  original.endpoints[0].final_stock.reset();
  auto back = parse_report(report_json_text(original));
  REQUIRE(back);
  CHECK(report_json_text(*back) == report_json_text(original));
  CHECK(back->endpoints[1].timeline[1].p99_ms == 4.0);
  CHECK_FALSE(back->endpoints[0].final_stock);
  CHECK(back->endpoints[1].latency_ms_uncorrected->max == 5);
}

TEST_CASE("a report with a missing or mistyped key is an error naming it",
          "[coordinator][report]") {
  auto j = to_json(sample());
  auto without = j;
  without["endpoints"].as_array()[1].as_object().erase("acknowledged");
  auto missing = report_from_json(without);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "report.endpoints[1].acknowledged is missing");
  auto huge = j;
  huge["endpoints"].as_array()[0].as_object()["final_stock"] = 18446744073709551615ull;
  CHECK(report_from_json(huge).error().find("final_stock") != std::string::npos);
  auto text = j;
  text["endpoints"].as_array()[0].as_object()["attempts"] = "many";
  CHECK(report_from_json(text).error().find("attempts is not a whole number") != std::string::npos);
  auto integrity = j;
  integrity["endpoints"].as_array()[0].as_object()["integrity"] = "fine";
  CHECK_FALSE(report_from_json(integrity));
  CHECK_FALSE(parse_report("{"));
  CHECK_FALSE(parse_report("[]"));
}

TEST_CASE("a violation is a failure unless the endpoint is expected to be caught",
          "[coordinator][report]") {
  auto r = sample();
  auto strict = unmet_expectations(r, {});
  REQUIRE(strict.size() == 1);
  CHECK(strict[0].find("buggy") != std::string::npos);
  CHECK(unmet_expectations(r, caught("buggy")).empty());
  auto wrong = unmet_expectations(r, caught("safe"));
  CHECK(wrong.size() == 2);  // buggy violated unexpectedly, safe held when a violation was expected
}

TEST_CASE("an endpoint the checkout answered nothing of fails the run, caught or not",
          "[coordinator][report]") {
  auto r = sample();
  for (auto& e : r.endpoints) {
    e.acknowledged = 0;
    e.errors = e.attempts;
    e.final_stock = e.initial_stock;
    e.status_codes.clear();
    e.verdict = nothing_checked();
  }
  CHECK(r.integrity_word() == std::string("unchecked"));
  for (const auto& expectations : {Expectations{}, caught("buggy")}) {
    auto unmet = unmet_expectations(r, expectations);
    REQUIRE(unmet.size() == 2);
    CHECK(unmet[0] == "buggy: nothing was tested: the checkout answered none of its 10 attempts");
  }
  // Answers that sold nothing (a 400 to every body) are a failed run, not a target down.
  r.endpoints[0].status_codes[400] = 10;
  CHECK(r.endpoints[0].untested());
  CHECK_FALSE(r.endpoints[0].unanswered());
  CHECK(unmet_expectations(r, {})[0] ==
        "buggy: nothing was tested: none of its 10 attempts bought or was told sold out");
  // A plain load test (no stock) that got no answers is still only a load figure.
  for (auto& e : r.endpoints) e.initial_stock.reset();
  CHECK(unmet_expectations(r, {}).empty());
}

TEST_CASE("one untested endpoint keeps the run's word from ok", "[coordinator][report]") {
  auto r = sample();
  r.endpoints[0] = r.endpoints[1];  // two clean endpoints
  r.endpoints[0].endpoint = "other";
  CHECK(r.integrity_word() == std::string("ok"));
  r.endpoints[0].acknowledged = 0;
  r.endpoints[0].final_stock = r.endpoints[0].initial_stock;
  r.endpoints[0].verdict = nothing_checked();
  CHECK(r.integrity_word() == std::string("unchecked"));
}

TEST_CASE("the table shows each endpoint's verdict", "[coordinator][report]") {
  auto table = render_table(sample());
  CHECK(table.find("buggy") != std::string::npos);
  CHECK(table.find("violated") != std::string::npos);
  CHECK(table.find("integrity") != std::string::npos);
}

TEST_CASE("latency and error-rate limits fail the run and say by how much",
          "[coordinator][report]") {
  auto run = sample();
  run.endpoints[1].latency_ms.p99 = 400;
  run.endpoints[1].errors = 1;
  run.endpoints[1].indeterminate = 1;  // (1 + 1) / 10 attempts = 0.2
  Expectations e;
  e.expect_violated.insert("buggy");
  CHECK(unmet_expectations(run, e).empty());
  e.all.max_p99_ms = 100;
  auto slow = unmet_expectations(run, e);
  REQUIRE(slow.size() == 1);
  CHECK(slow[0].find("safe: p99 latency") != std::string::npos);
  e.per_endpoint["safe"].max_p99_ms = 1000;  // a per-endpoint limit wins over the global one
  e.per_endpoint["safe"].max_error_rate = 0.1;
  auto errors = unmet_expectations(run, e);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("error rate 0.2000") != std::string::npos);
}

TEST_CASE("the Markdown and HTML summaries show verdicts and escape report text",
          "[coordinator][report]") {
  auto run = sample();
  run.endpoints[1].problems.push_back("agent <b>x</b> | lost");
  run.endpoints[1].timeline = {{0.5, 3, 3, 0, 0}, {1.0, 10, 10, 0, 0}};
  auto md = render_markdown(run, {"buggy: something"});
  CHECK(md.find("| buggy | violated |") != std::string::npos);
  CHECK(md.find("agent <b>x</b> \\| lost") != std::string::npos);
  CHECK(md.find("Expectations failed") != std::string::npos);
  auto html = render_html(run, {});
  CHECK(html.find("Every expectation held") != std::string::npos);
  CHECK(html.find("agent &lt;b&gt;x&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<b>x</b>") == std::string::npos);
  CHECK(html.find("requests per second over time") != std::string::npos);
}

TEST_CASE("the HTML report charts latency over time from the timeline's windows",
          "[coordinator][report]") {
  auto run = sample();
  run.endpoints[1].timeline = {{0, 0, 0, 0, 0}, {1.0, 10, 10, 0, 0, 1.5, 4.0}, {2.0, 20, 20, 0, 0}};
  auto html = render_html(run, {});
  CHECK(html.find("latency p50 and p99 over time") != std::string::npos);
  CHECK(html.find("4.0 ms") != std::string::npos);  // the chart's scale is the highest p99
  run.endpoints[1].timeline = {{0, 0, 0, 0, 0}, {1.0, 10, 10, 0, 0}};
  CHECK(render_html(run, {}).find("No latency over time") != std::string::npos);
}

TEST_CASE("compare shows each figure of two runs with its change", "[coordinator][compare]") {
  auto a = sample();
  auto b = sample();
  b.run_id = "r2";
  b.endpoints[1].throughput_rps = 1;
  b.endpoints[1].verdict.lost_acks = 2;
  b.endpoints.pop_back();
  b.endpoints.push_back(a.endpoints[1]);
  b.endpoints.back().endpoint = "unstable";
  const std::string text = render_comparison(a, b);
  CHECK(text.find("throughput_rps") != std::string::npos);
  CHECK(text.find("latency p99 ms") != std::string::npos);
  CHECK(text.find("endpoint safe: only in A") != std::string::npos);
  CHECK(text.find("endpoint unstable: only in B") != std::string::npos);
  CHECK(text.find("oversold") != std::string::npos);
}

TEST_CASE("a run regresses from its baseline on throughput or p99, not on noise",
          "[coordinator][compare]") {
  auto base = sample();
  base.endpoints[1].throughput_rps = 3000;
  base.endpoints[1].latency_ms.p99 = 0.30;
  auto same = base;
  same.endpoints[1].throughput_rps = 2900;
  same.endpoints[1].latency_ms.p99 = 0.55;  // +83 %, but well under a millisecond: noise
  CHECK(regressions(base, same, 0.10).empty());
  auto slow = base;
  slow.endpoints[1].throughput_rps = 600;
  auto fell = regressions(base, slow, 0.10);
  REQUIRE(fell.size() == 1);
  CHECK(fell[0].find("safe: throughput fell from 3000.0 to 600.0 req/s") != std::string::npos);
  auto laggy = base;
  laggy.endpoints[1].latency_ms.p99 = 12;
  auto rose = regressions(base, laggy, 0.50);
  REQUIRE(rose.size() == 1);
  CHECK(rose[0].find("p99 latency rose") != std::string::npos);
  auto fewer = base;
  fewer.endpoints.pop_back();
  CHECK(regressions(base, fewer, 0.10).at(0).find("safe: in the baseline but not in this run") !=
        std::string::npos);
}
