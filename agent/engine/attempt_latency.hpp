// How the swarm turns an attempt's timestamps into latency. Closed loop: from the first send to
// the end. Open loop: from the pacer's intended send time to the end, so waiting for a free
// connection behind a stalled server counts (coordinated omission corrected, as wrk2 does),
// with the figure from the actual send kept beside it in a second histogram.
//
//   AttemptLatency latency;
//   latency.record({.intended = pacer.intended_send_time(seq), .sent = sent, .done = now});
//   latency.latency().percentile_us(99);      // corrected in open loop
//   latency.uncorrected().percentile_us(99);  // open loop only; empty in closed loop
//
// Not thread-safe: one per swarm thread, merged after the threads end.
#pragma once

#include <chrono>
#include <optional>

#include "common/clock.hpp"
#include "common/histogram.hpp"

namespace stampede::agent {

struct AttemptTimes {
  std::optional<Clock::time_point> intended;  // open loop: when the pacer meant it to leave
  Clock::time_point sent;                     // the first try's send (its connect if it had one)
  Clock::time_point done;                     // the last try's end
};

class AttemptLatency {
 public:
  // Returns the figure recorded in latency(), µs.
  uint64_t record(const AttemptTimes& t) {
    if (!t.intended) {
      const uint64_t us = us_between(t.sent, t.done);
      latency_.record_us(us);
      return us;
    }
    const uint64_t us = us_between(*t.intended, t.done);
    latency_.record_us(us);
    uncorrected_.record_us(us_between(t.sent, t.done));
    return us;
  }

  void merge_into(LatencyHistogram& latency, LatencyHistogram& uncorrected) const {
    latency.merge(latency_);
    uncorrected.merge(uncorrected_);
  }

  const LatencyHistogram& latency() const { return latency_; }
  const LatencyHistogram& uncorrected() const { return uncorrected_; }

 private:
  LatencyHistogram latency_;      // open loop: from the intended send time
  LatencyHistogram uncorrected_;  // open loop: from the actual send
};

}  // namespace stampede::agent
