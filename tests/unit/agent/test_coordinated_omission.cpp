// Reproduces wrk2's coordinated-omission example without a socket: the engine's pacer and
// latency accounting, driven by a fake clock against a simulated server that stalls for a
// second in the middle of a 10 s run at 1,000 requests/s with 1 ms service time. Latency from
// the intended send time shows the stall in p99; latency from the actual send hides it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "agent/engine/attempt_latency.hpp"
#include "agent/engine/open_loop_pacer.hpp"
#include "tests/unit/agent/fake_clock.hpp"

using namespace std::chrono_literals;
using stampede::Clock;
using stampede::agent::AttemptLatency;
using stampede::agent::ConstantRatePacer;
using stampede::agent::testing::FakeClock;

namespace {

struct SimulatedRun {
  std::chrono::milliseconds stall_from{0};
  std::chrono::milliseconds stall_for{0};
};

// The engine's open loop, event by event: each attempt goes to the connection that frees up
// first, which (like a free virtual user) waits pacer.wait_before(i) on the clock and sends.
// The server answers in 1 ms, except that a request arriving during the stall is held until
// the stall ends.
AttemptLatency run_open_loop(const SimulatedRun& run) {
  constexpr double kRate = 1000;
  constexpr uint64_t kAttempts = 10'000;  // 10 s at 1,000/s
  constexpr size_t kConnections = 16;
  constexpr auto kService = 1ms;

  FakeClock clock;
  const auto start = clock.now();
  ConstantRatePacer pacer(clock, start, kRate);
  const auto stall_begin = start + run.stall_from;
  const auto stall_end = stall_begin + run.stall_for;
  std::vector<Clock::time_point> free_at(kConnections, start);
  AttemptLatency latency;

  for (uint64_t i = 0; i < kAttempts; ++i) {
    auto connection = std::min_element(free_at.begin(), free_at.end());
    if (*connection > clock.now()) clock.set(*connection);  // no connection free until then
    clock.advance(pacer.wait_before(i));                    // early: wait for its turn
    const auto sent = clock.now();
    const bool stalled = sent >= stall_begin && sent < stall_end;
    const auto done = (stalled ? stall_end : sent) + kService;
    *connection = done;
    latency.record({.intended = pacer.intended_send_time(i), .sent = sent, .done = done});
  }
  return latency;
}

}  // namespace

TEST_CASE("a 1 s server stall shows in the corrected p99 and hides from the uncorrected one",
          "[agent][latency]") {
  const auto stalled = run_open_loop({.stall_from = 5s, .stall_for = 1s});
  const auto& corrected = stalled.latency();
  const auto& uncorrected = stalled.uncorrected();
  REQUIRE(corrected.total() == 10'000);
  REQUIRE(uncorrected.total() == 10'000);

  const uint64_t corrected_p99 = corrected.percentile_us(99);
  const uint64_t uncorrected_p99 = uncorrected.percentile_us(99);
  // Attempts meant for the stalled second queue behind it: ~10% of the run waits up to 1 s.
  CHECK(corrected_p99 >= 500'000);
  CHECK(corrected_p99 <= 1'000'000);
  CHECK(corrected.percentile_us(50) <= 1'100);
  CHECK(corrected.max_us() >= 1'000'000);
  // From the actual send only the few requests caught in flight saw the stall: p99 stays at
  // the service time, as an uncorrected load tester would report.
  CHECK(uncorrected_p99 <= 1'100);
  CHECK(uncorrected.max_us() >= 1'000'000);
  CHECK(uncorrected.percentile_us(99.9) >= 900'000);
}

TEST_CASE("without a stall corrected and uncorrected latency agree on the service time",
          "[agent][latency]") {
  const auto steady = run_open_loop({});
  CHECK(steady.latency().percentile_us(99) == steady.uncorrected().percentile_us(99));
  CHECK(steady.latency().max_us() == 1'000);
  CHECK(steady.uncorrected().max_us() == 1'000);
}

TEST_CASE("closed-loop latency runs from the actual send and has no uncorrected twin",
          "[agent][latency]") {
  FakeClock clock;
  AttemptLatency latency;
  const auto sent = clock.now();
  latency.record({.intended = std::nullopt, .sent = sent, .done = sent + 7ms});
  CHECK(latency.latency().total() == 1);
  CHECK(latency.latency().max_us() == 7'000);
  CHECK(latency.uncorrected().total() == 0);
}
