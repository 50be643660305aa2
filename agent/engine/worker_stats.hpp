// One swarm thread's tally of its users' attempts, kept per thread so the hot path shares no
// cache line with other threads; the swarm merges all tallies for progress and the result.
//
// Thread-safety: record_*() only on the owning io thread. progress_into(), drain_into() and
// drain_window_into() from any thread at any time. merge_into() only after the owning thread
// has finished.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "agent/engine/attempt_latency.hpp"
#include "agent/engine/classify.hpp"
#include "agent/engine/swarm.hpp"
#include "common/clock.hpp"
#include "common/histogram.hpp"

namespace stampede::agent {

class WorkerStats {
 public:
  // At each attempt's start, connect included, so a run whose connects all fail has a start too.
  // True for this thread's first attempt.
  bool record_attempt_start() {
    if (first_send_unix_ns_ != 0) return false;
    first_send_unix_ns_ = unix_now_ns();
    return true;
  }
  // Every response the target gave, retried tries' included: the status codes it answered.
  void record_status(unsigned status) {
    if (status < status_codes_.size()) ++status_codes_[status];
  }
  // A connection made (and its TLS handshake, over https).
  void record_connect(uint64_t us) { connections_.record_connect(us); }
  void record_handshake(uint64_t us, bool resumed) { connections_.record_handshake(us, resumed); }
  // A try beyond an attempt's first, sent with the same key.
  void record_retry() { bump(retries_); }
  // Journeys: one exchange of step `step` (status 0: no answer), and a journey that ended
  // after a step that takes stock succeeded, before its purchase.
  void record_step(size_t step, unsigned status, uint64_t us, bool failed) {
    StepTally& t = steps_[step];
    ++t.attempts;
    t.failed += failed ? 1 : 0;
    if (status != 0) ++t.status_codes[status];
    t.latency.record_us(us);
  }
  void record_abandoned() { bump(abandoned_); }
  // The attempt's final class, once its last try has ended.
  void record_attempt(uint64_t seq, const Classified& result, const AttemptTimes& times);

  // A plain load test keeps no orders or evidence: no oracle reads them. Before the io thread.
  void set_keep_orders(bool keep) { keep_orders_ = keep; }
  // The journey's step count, before the io thread starts.
  void set_steps(size_t count) { steps_.resize(count); }
  // Second 0 of the timeline, before the io thread starts.
  void set_timeline_origin(std::chrono::steady_clock::time_point origin) { origin_ = origin; }

  void progress_into(SwarmProgress& sum) const;
  void drain_into(OrderDrain& out);
  // Moves the seconds' bins recorded since the last call into out (merged by second).
  void drain_seconds_into(std::vector<SecondBin>& out);
  void merge_into(SwarmResult& result);

 private:
  // One writer (the io thread) and relaxed readers: a plain load+store avoids a locked add.
  void keep_order(uint64_t seq, const Classified& result, const AttemptTimes& times);
  static void bump(std::atomic<uint64_t>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> attempts_{0};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> fail_{0};
  std::atomic<uint64_t> info_{0};
  std::atomic<uint64_t> sold_out_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> abandoned_{0};

  // Owned by the io thread until it finishes.
  AttemptLatency latency_;
  std::array<uint64_t, 1000> status_codes_{};  // Beast accepts status codes 0..999
  uint64_t first_send_unix_ns_ = 0;
  // Steady, not wall, time: one clock read per attempt fewer; converted once, in merge_into.
  std::chrono::steady_clock::time_point last_done_{};
  std::chrono::steady_clock::time_point origin_{};
  bool keep_orders_ = true;
  std::vector<SecondCounts> seconds_;  // the whole job's, in order: done times only grow
  ConnectionStats connections_;
  std::vector<StepTally> steps_;

  // Guards orders_ and bins_, which the io thread appends to and the drains empty. One lock
  // per attempt, uncontended but for the control thread's drain twice a second.
  std::mutex drain_mutex_;
  OrderDrain orders_;
  // Since the last drain: one bin a second, usually one or two (drains come twice a second).
  std::vector<SecondBin> bins_;
};

}  // namespace stampede::agent
