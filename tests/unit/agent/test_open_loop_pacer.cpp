// Pins the open-loop schedule under a fake clock: exact intended send times at a constant
// rate, the integrated rate of a linear ramp, and the wait the clock's now leaves.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>

#include "agent/engine/open_loop_pacer.hpp"
#include "tests/unit/agent/fake_clock.hpp"

using namespace std::chrono_literals;
using stampede::agent::ConstantRatePacer;
using stampede::agent::testing::FakeClock;
using ns = std::chrono::nanoseconds;

TEST_CASE("at a constant rate attempt i is meant to leave at start + i/rate exactly",
          "[agent][pacer]") {
  FakeClock clock;
  const auto start = clock.now() + 5s;
  ConstantRatePacer pacer(clock, start, 1000);
  for (uint64_t i = 0; i < 100'000; ++i) {
    REQUIRE(pacer.intended_send_time(i) == start + ns(i * 1'000'000));
  }
  // Far into a long run the schedule neither drifts nor accumulates rounding.
  CHECK(pacer.intended_send_time(3'600'000'000) == start + 3'600'000s);
}

TEST_CASE("a rate whose period is no whole number of nanoseconds rounds each time only once",
          "[agent][pacer]") {
  FakeClock clock;
  const auto start = clock.now();
  ConstantRatePacer pacer(clock, start, 3);
  CHECK(pacer.intended_send_time(1) == start + ns(333'333'333));
  CHECK(pacer.intended_send_time(2) == start + ns(666'666'667));
  CHECK(pacer.intended_send_time(3) == start + 1s);
  CHECK(pacer.intended_send_time(3'000'000) == start + 1'000'000s);

  ConstantRatePacer fractional(clock, start, 0.5);
  CHECK(fractional.intended_send_time(1) == start + 2s);
  CHECK(fractional.intended_send_time(7) == start + 14s);
}

TEST_CASE("with a ramp the schedule follows the integrated linear rate, then the full rate",
          "[agent][pacer]") {
  FakeClock clock;
  const auto start = clock.now();
  constexpr double kRate = 1000;
  constexpr auto kRamp = 2s;  // rate·T/2 = 1000 attempts within the ramp
  ConstantRatePacer pacer(clock, start, kRate, kRamp);

  // The rate rises as rate·t/T, so by time t it has delivered rate·t²/(2T) attempts.
  auto delivered_by = [&](ns since_start) {
    const double t = std::chrono::duration<double>(since_start).count();
    const double ramp = std::chrono::duration<double>(kRamp).count();
    return t < ramp ? kRate * t * t / (2 * ramp) : kRate * ramp / 2 + kRate * (t - ramp);
  };
  auto previous = pacer.intended_send_time(0);
  CHECK(previous == start);
  for (uint64_t i = 1; i < 5000; ++i) {
    const auto at = pacer.intended_send_time(i);
    INFO("attempt " << i);
    REQUIRE(at >= previous);
    REQUIRE(std::abs(delivered_by(at - start) - static_cast<double>(i)) < 1e-3);
    previous = at;
  }
  // Landmarks: a quarter of the ramp's attempts by half its length; its end at attempt 1000;
  // the full rate's 1 ms period after it.
  CHECK(pacer.intended_send_time(250) == start + 1s);
  CHECK(pacer.intended_send_time(1000) == start + 2s);
  CHECK(pacer.intended_send_time(1001) == start + 2001ms);
  CHECK(pacer.intended_send_time(3000) == start + 4s);
  // Early gaps are wide, late ones approach the full rate's period.
  CHECK(pacer.intended_send_time(1) - pacer.intended_send_time(0) > 50ms);
  CHECK(pacer.intended_send_time(999) - pacer.intended_send_time(998) < 1100us);
}

TEST_CASE("wait_before counts down on the injected clock and is zero once an attempt is due",
          "[agent][pacer]") {
  FakeClock clock;
  ConstantRatePacer pacer(clock, clock.now() + 10ms, 1000);

  CHECK(pacer.wait_before(0) == 10ms);
  CHECK(pacer.wait_before(3) == 13ms);
  clock.advance(12ms);
  CHECK(pacer.wait_before(0) == 0ns);
  CHECK(pacer.wait_before(2) == 0ns);  // exactly due
  CHECK(pacer.wait_before(3) == 1ms);
  clock.advance(500ms);
  CHECK(pacer.wait_before(3) == 0ns);  // late: never a negative wait
}
