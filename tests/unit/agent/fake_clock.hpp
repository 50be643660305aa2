// A Clock the test moves by hand, so schedules are checked exactly and nothing sleeps.
//
//   FakeClock clock;
//   ConstantRatePacer pacer(clock, clock.now(), 1000);
//   clock.advance(2ms);  // pacer.wait_before(3) is now 1ms
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace stampede::agent::testing {

// Thread-safe, as Clock requires: now() may race with advance().
class FakeClock final : public Clock {
 public:
  // Starts far from the epoch, so code that treats time_point{} as "unset" is not fooled.
  explicit FakeClock(time_point start = time_point(std::chrono::hours(1000)))
      : now_ns_(start.time_since_epoch().count()) {}

  time_point now() const override { return time_point(duration(now_ns_.load())); }
  void advance(duration d) { now_ns_.fetch_add(d.count()); }
  void set(time_point t) { now_ns_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<duration::rep> now_ns_;
};

}  // namespace stampede::agent::testing
