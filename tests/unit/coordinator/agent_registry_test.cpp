// The coordinator's agent registry under registrations no well-behaved fleet makes: thousands
// of agents that come and go, names that are megabytes long or carry terminal escapes.
#include <catch2/catch.hpp>

#include "coordinator/daemon/agent_registry.hpp"

using namespace stampede;
using namespace stampede::coordinator;
using namespace std::chrono_literals;

namespace {
v1::Register reg(const std::string& name, const std::string& host = "h1") {
  v1::Register r;
  r.set_name(name);
  r.set_host(host);
  r.set_cores(2);
  return r;
}
}  // namespace

TEST_CASE("agents that registered and left are forgotten, not listed for ever",
          "[coordinator][registry]") {
  AgentRegistry registry;
  const auto timeout = 5000ms;
  // 6,000 agents in two waves of 3,000, each wave gone within seconds of joining.
  SteadyTime now{};
  for (int wave = 0; wave < 2; ++wave) {
    for (int i = 0; i < 3000; ++i) {
      const std::string id = std::to_string(wave) + "-" + std::to_string(i);
      REQUIRE(registry.register_agent("r" + id, reg("a" + id), now));
    }
    now += 6s;
    CHECK(registry.expire(now, timeout).size() == 3000);
  }
  CHECK(registry.all().size() <= AgentRegistry::kMaxAgents);  // bounded even while remembered
  registry.expire(now + AgentRegistry::kForgetMissingAfter + 1s, timeout);
  CHECK(registry.all().empty());
}

TEST_CASE("a full registry makes room from its longest-missing agent, never from a live one",
          "[coordinator][registry]") {
  AgentRegistry registry;
  const SteadyTime t0{};
  for (size_t i = 0; i < AgentRegistry::kMaxAgents; ++i) {
    REQUIRE(registry.register_agent("r" + std::to_string(i), reg("a" + std::to_string(i)),
                                    t0 + std::chrono::milliseconds(i)));
  }
  CHECK(registry.register_agent("late", reg("late"), t0 + 10s) == nullptr);
  // a0 goes quiet: the next newcomer takes its place.
  for (size_t i = 1; i < AgentRegistry::kMaxAgents; ++i) {
    registry.by_routing_id("r" + std::to_string(i))->last_seen = t0 + 20s;
  }
  registry.expire(t0 + 21s, 5000ms);
  REQUIRE(registry.by_agent_id("a0")->missing);
  AgentRecord* late = registry.register_agent("late", reg("late"), t0 + 21s);
  REQUIRE(late);
  CHECK(late->agent_id == "late");
  CHECK(registry.by_agent_id("a0") == nullptr);
  CHECK(registry.all().size() == AgentRegistry::kMaxAgents);
}

TEST_CASE("names and hosts that could forge a log line or fill a table are refused",
          "[coordinator][registry]") {
  CHECK(registration_problem(reg("agent-1", "host.example")).empty());
  CHECK_FALSE(registration_problem(reg(std::string(10 << 20, 'x'))).empty());
  const std::string forged = registration_problem(reg("a\nstampede coordinator: run ok\x1b[2J"));
  REQUIRE_FALSE(forged.empty());
  CHECK(forged.find('\n') == std::string::npos);
  CHECK(forged.find('\x1b') == std::string::npos);
  CHECK_FALSE(registration_problem(reg("")).empty());
  CHECK_FALSE(registration_problem(reg("ok", "bad host")).empty());
  CHECK_FALSE(registration_problem(reg("ok", std::string(300, 'h'))).empty());
}
