// The open-loop schedule: the instant each attempt of a constant-arrival-rate run is meant to
// leave. Latency is measured from that instant, not from the actual send, so time an attempt
// spends queued behind a stalled server shows in the percentiles (coordinated omission
// corrected, as wrk2 does).
//
//   SteadyClock clock;
//   ConstantRatePacer pacer(clock, clock.now(), /*rate_per_s=*/500, /*ramp=*/2s);
//   timer.expires_after(pacer.wait_before(seq));  // zero once attempt seq is due
//   ...latency = done - pacer.intended_send_time(seq);
//
// Thread-safety: immutable after construction; any member from any thread (the clock is
// thread-safe by contract).
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.hpp"

namespace stampede::agent {

class OpenLoopPacer {
 public:
  using time_point = Clock::time_point;
  using duration = Clock::duration;

  virtual ~OpenLoopPacer() = default;

  // When attempt i (0, 1, 2, ... across the swarm) is meant to leave. Non-decreasing in i.
  virtual time_point intended_send_time(uint64_t i) const = 0;
  // How long from the clock's now until attempt i is due; zero once it is due or late.
  virtual duration wait_before(uint64_t i) const = 0;
};

// `rate_per_s` attempts a second, reached by a linear rise from 0 over `ramp` (zero: no ramp).
// Attempt i is meant to leave when the integrated rate reaches i:
//   no ramp:               start + i / rate
//   within a ramp of T:    start + sqrt(2 T i / rate)   (the first rate·T/2 attempts)
//   after it:              start + T/2 + i / rate
// each rounded to the nanosecond, so a schedule is exact whatever its length.
class ConstantRatePacer final : public OpenLoopPacer {
 public:
  // rate_per_s: positive and finite (Swarm::create checks). The clock outlives the pacer.
  ConstantRatePacer(const Clock& clock, time_point start, double rate_per_s,
                    std::chrono::nanoseconds ramp = std::chrono::nanoseconds::zero());

  time_point intended_send_time(uint64_t i) const override;
  duration wait_before(uint64_t i) const override;

 private:
  const Clock& clock_;
  const time_point start_;
  // long double: i·1e9 stays exact for any i a run can reach, so i/rate rounds only once.
  const long double rate_per_s_;
  const long double ramp_ns_;
  const long double ramp_attempts_;  // attempts meant to leave within the ramp: rate·T/2
};

}  // namespace stampede::agent
