// Scenario files: YAML and JSON read alike, typos are errors, and flags given win over the file.
#include <catch2/catch.hpp>

#include "coordinator/scenario/scenario_file.hpp"
#include "coordinator/spec/run_request.hpp"

using namespace stampede::coordinator;

TEST_CASE("a YAML scenario gives settings, phases and their expectations",
          "[coordinator][scenario]") {
  auto in = parse_scenario(R"(
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
  REQUIRE(in);
  auto s = resolve(*in);
  REQUIRE(s);
  CHECK(s->scenario_name == "flash-sale");
  CHECK(s->target == "http://127.0.0.1:8080");
  CHECK(s->headers.size() == 2);
  const auto phases = s->resolved_phases();
  REQUIRE(phases.size() == 2);
  CHECK(phases[0].stock == 100);
  CHECK(phases[0].expect_violated == true);
  CHECK_FALSE(phases[1].stock);
  CHECK(phases[1].duration_ms == 5000);
  CHECK(phases[1].rate == 200);
  CHECK(phases[1].max_p99_ms == 250);
}

TEST_CASE("a JSON scenario reads the same", "[coordinator][scenario]") {
  auto in = parse_scenario(R"({"name": "j", "phases": [{"endpoint": "safe", "requests": 10}]})",
                           "t.json");
  REQUIRE(in);
  auto s = resolve(*in);
  REQUIRE(s);
  CHECK(s->resolved_phases().at(0).requests == 10);
}

TEST_CASE("scenario mistakes are errors that name the key", "[coordinator][scenario]") {
  auto typo = parse_scenario("targt: http://x\n", "t.yaml");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().find("targt") != std::string::npos);
  auto phase_typo = parse_scenario("phases: [{endpoint: safe, user: 3}]\n", "t.yaml");
  REQUIRE_FALSE(phase_typo);
  CHECK(phase_typo.error().find("phases[0]") != std::string::npos);
  CHECK_FALSE(parse_scenario("phases: [{users: 3}]\n", "t.yaml"));  // no endpoint
  CHECK_FALSE(parse_scenario("phases: []\n", "t.yaml"));
  CHECK_FALSE(parse_scenario("{unclosed: [\n", "t.yaml"));
  CHECK_FALSE(parse_scenario("phases: [{endpoint: a, target: http://x}]\n", "t.yaml"));
  // Values are checked by the spec, with the key's place as their origin.
  for (const char* text :
       {"phases: [{endpoint: a, users: -3}]\n", "phases: [{endpoint: a, expect: maybe}]\n",
        "phases: [{endpoint: a, duration: soon}]\n", "retries: 1000\n", "requests: -10\n",
        "users: [1, 2]\n"}) {
    INFO(text);
    auto in = parse_scenario(text, "t.yaml");
    CHECK_FALSE((in && resolve(*in)));
  }
  auto in = parse_scenario("retries: 1000\n", "t.yaml");
  REQUIRE(in);
  CHECK(resolve(*in).error() == "t.yaml: retries: must be a whole number from 0 to 20, not '1000'");
}

TEST_CASE("flags given on the command line win over the scenario", "[coordinator][scenario]") {
  auto in = parse_scenario(R"(
target: http://10.0.0.1:80
users: 50
stock_url: http://127.0.0.1:1/s
phases: [{endpoint: safe, requests: 10}, {endpoint: buggy, requests: 20, users: 7, expect: violated}]
)",
                           "t.yaml");
  REQUIRE(in);
  in->overlay({{"target", {{"http://127.0.0.1:9"}, "--target"}}});
  auto s = resolve(*in);
  REQUIRE(s);
  CHECK(s->target == "http://127.0.0.1:9");
  CHECK(s->all.users == 50);
  auto r = build_run_request(*s);
  REQUIRE(r);
  REQUIRE(r->phases_size() == 2);
  CHECK(r->phases(0).users() == 50);  // from the scenario's top level
  CHECK(r->phases(1).users() == 7);   // the phase's own
  CHECK(r->phases(1).attempts() == 20);
  CHECK(expectations_for(*s).expect_violated.count("buggy") == 1);
}
