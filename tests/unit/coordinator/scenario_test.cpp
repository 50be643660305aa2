// Scenario files: YAML and JSON read alike, typos are errors, and flags given win over the file.
#include <catch2/catch.hpp>

#include "coordinator/cli/run_command.hpp"
#include "coordinator/scenario/scenario_file.hpp"

using namespace stampede::coordinator;

TEST_CASE("a YAML scenario gives settings, phases and their expectations",
          "[coordinator][scenario]") {
  auto s = parse_scenario(R"(
name: flash-sale
target: http://127.0.0.1:8080
expect_agents: 3
header: ["X-A: 1", "X-B: 2"]
phases:
  - endpoint: buggy
    stock: 100
    users: 1000
    requests: 2000
    expect: violated
  - {endpoint: safe, duration: 5s, rate: 200, max_p99_ms: 250, max_error_rate: 0.01}
)",
                          "test.yaml");
  REQUIRE(s);
  CHECK(s->name == "flash-sale");
  CHECK(s->settings.at("target").front() == "http://127.0.0.1:8080");
  CHECK(s->settings.at("header").size() == 2);
  REQUIRE(s->phases.size() == 2);
  CHECK(s->phases[0].spec.stock() == 100);
  CHECK(s->phases[0].expect_violated);
  CHECK(s->phases[1].spec.stock() == -1);
  CHECK(s->phases[1].spec.duration_ms() == 5000);
  CHECK(s->phases[1].spec.rate_per_s() == 200);
  CHECK(*s->phases[1].max_p99_ms == 250);
}

TEST_CASE("a JSON scenario reads the same", "[coordinator][scenario]") {
  auto s = parse_scenario(R"({"name": "j", "phases": [{"endpoint": "safe", "requests": 10}]})",
                          "t.json");
  REQUIRE(s);
  CHECK(s->phases.at(0).spec.attempts() == 10);
}

TEST_CASE("scenario mistakes are errors that name the key", "[coordinator][scenario]") {
  auto typo = parse_scenario("targt: http://x\n", "t.yaml");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().find("targt") != std::string::npos);
  auto phase_typo = parse_scenario("phases: [{endpoint: safe, user: 3}]\n", "t.yaml");
  REQUIRE_FALSE(phase_typo);
  CHECK(phase_typo.error().find("phases[0]") != std::string::npos);
  CHECK_FALSE(parse_scenario("phases: [{users: 3}]\n", "t.yaml"));                // no endpoint
  CHECK_FALSE(parse_scenario("phases: [{endpoint: a, users: -3}]\n", "t.yaml"));  // out of range
  CHECK_FALSE(parse_scenario("phases: [{endpoint: a, expect: maybe}]\n", "t.yaml"));
  CHECK_FALSE(parse_scenario("phases: [{endpoint: a, duration: soon}]\n", "t.yaml"));
  CHECK_FALSE(parse_scenario("phases: []\n", "t.yaml"));
  CHECK_FALSE(parse_scenario("{unclosed: [\n", "t.yaml"));
}

TEST_CASE("flags given on the command line win over the scenario", "[coordinator][scenario]") {
  auto s = parse_scenario(R"(
target: http://10.0.0.1:80
users: 50
stock_url: http://127.0.0.1:1/s
phases: [{endpoint: safe, requests: 10}, {endpoint: buggy, requests: 20, users: 7, expect: violated}]
)",
                          "t.yaml");
  REQUIRE(s);
  RunFlags f;
  f.target = "http://127.0.0.1:9";
  auto given = [](const std::string& flag) { return flag == "--target"; };
  REQUIRE(apply_scenario(f, *s, given));
  CHECK(f.target == "http://127.0.0.1:9");
  CHECK(f.users == 50);
  auto r = build_run_request(f);
  REQUIRE(r);
  REQUIRE(r->phases_size() == 2);
  CHECK(r->phases(0).users() == 50);  // from the scenario's top level
  CHECK(r->phases(1).users() == 7);   // the phase's own
  CHECK(r->phases(1).attempts() == 20);
  CHECK(expectations_for(f).expect_violated.count("buggy") == 1);
}
