// Pins when a swarm thread may poll before it blocks: while it gets the CPU it asks for, not
// while a CPU quota or a shared core keeps it waiting to run.
#include <catch2/catch.hpp>

#include <chrono>

#include "agent/engine/spin_governor.hpp"

using stampede::agent::SpinGovernor;
using namespace std::chrono_literals;

namespace {
// One window of `wall`, of which the thread ran `cpu` and was blocked waiting for work `blocked`.
struct Feed {
  SpinGovernor governor;
  SpinGovernor::Clock::time_point now{};
  std::chrono::nanoseconds cpu{0};
  std::chrono::nanoseconds blocked{0};

  Feed() { governor.update(now, cpu, blocked); }
  void window(std::chrono::nanoseconds wall, std::chrono::nanoseconds ran,
              std::chrono::nanoseconds waited) {
    now += wall;
    cpu += ran;
    blocked += waited;
    governor.update(now, cpu, blocked);
  }
};
}  // namespace

TEST_CASE("a thread that gets the CPU it asks for may poll", "[agent][spin]") {
  Feed f;
  CHECK(f.governor.may_spin());  // before any window: the default
  f.window(250ms, 250ms, 0ms);   // busy throughout (its polls count as running)
  CHECK(f.governor.may_spin());
  f.window(250ms, 100ms, 150ms);  // idle, blocked for work the rest of the time
  CHECK(f.governor.may_spin());
}

TEST_CASE("a thread held to half a core stops polling, and polls again once freed",
          "[agent][spin]") {
  Feed f;
  f.window(250ms, 125ms, 2ms);  // a quota of half a core: runnable but kept off the CPU
  CHECK_FALSE(f.governor.may_spin());
  f.window(250ms, 125ms, 5ms);
  CHECK_FALSE(f.governor.may_spin());
  f.window(250ms, 200ms, 45ms);  // the limit is lifted
  CHECK(f.governor.may_spin());
}

TEST_CASE("the starved share has a threshold of a tenth of the window", "[agent][spin]") {
  Feed f;
  f.window(250ms, 200ms, 25ms);  // 25 ms of 250 kept off the CPU: exactly 10 %
  CHECK(f.governor.may_spin());
  f.window(250ms, 200ms, 24ms);  // 26 ms: over
  CHECK_FALSE(f.governor.may_spin());
}

TEST_CASE("a window ends after kWindow of steady time", "[agent][spin]") {
  SpinGovernor governor;
  const SpinGovernor::Clock::time_point start{};
  CHECK(governor.window_over(start));  // no window begun yet
  governor.update(start, 0ns, 0ns);
  CHECK_FALSE(governor.window_over(start + SpinGovernor::kWindow - 1ns));
  CHECK(governor.window_over(start + SpinGovernor::kWindow));
}
