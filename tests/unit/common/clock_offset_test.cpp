// Pins the clock offset estimate the agents use to start together across hosts, and the
// steady-to-wall conversion they report their last completion with.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include "common/clock.hpp"
#include "common/clock_offset.hpp"

using stampede::ClockOffsetEstimator;

TEST_CASE("a symmetric round trip gives the peer's offset exactly", "[common][clock]") {
  ClockOffsetEstimator est;
  CHECK(est.offset_ns() == 0);
  // The peer is 5 ms ahead; 1 ms each way.
  est.add_sample(1'000'000'000, 1'006'000'000, 1'002'000'000);
  CHECK(est.offset_ns() == 5'000'000);
  CHECK(*est.best_rtt_ns() == 2'000'000);
}

TEST_CASE("a sample slowed by queuing is outweighed by a quicker one", "[common][clock]") {
  ClockOffsetEstimator est;
  est.add_sample(0, 5'001'000, 2'000);                 // 1 µs each way, peer +5 ms
  est.add_sample(10'000'000, 15'001'000, 90'000'000);  // the reply sat in a queue for 80 ms
  CHECK(est.offset_ns() == 5'000'000);
}

TEST_CASE("a peer behind us gives a negative offset", "[common][clock]") {
  ClockOffsetEstimator est;
  est.add_sample(10'000'000, 7'000'500, 10'001'000);
  CHECK(est.offset_ns() == -3'000'000);
}

TEST_CASE("only recent samples count, and a backwards local clock is ignored", "[common][clock]") {
  ClockOffsetEstimator est;
  est.add_sample(0, 1'000, 0);  // rtt 0, offset +1 µs: best, until it leaves the window
  for (uint64_t i = 1; i <= ClockOffsetEstimator::kWindow; ++i) {
    est.add_sample(i * 1'000'000, i * 1'000'000 + 2'000'500, i * 1'000'000 + 1'000);
  }
  CHECK(est.offset_ns() == 2'000'000);
  est.add_sample(50'000'000, 0, 40'000'000);  // received before sent: dropped
  CHECK(est.offset_ns() == 2'000'000);
  est.reset();
  CHECK(est.offset_ns() == 0);
}

TEST_CASE("a steady instant converts to the wall time it happened at", "[common][clock]") {
  using namespace std::chrono;
  // Read both clocks together, then convert a steady instant 3 s before: the wall time 3 s before
  // the wall read, to within the few microseconds between the reads.
  const auto steady = steady_clock::now();
  const uint64_t wall = stampede::unix_now_ns();
  const uint64_t converted = stampede::unix_ns_of(steady - seconds(3));
  const auto expected = static_cast<int64_t>(wall) - 3'000'000'000;
  CHECK(std::llabs(static_cast<int64_t>(converted) - expected) < 50'000'000);
  CHECK(converted < wall);
}
