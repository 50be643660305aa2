// Hands out attempt seqs to every virtual user of a swarm and says when to stop claiming:
// after max_attempts claims, once the duration deadline has passed, or after stop().
//
//   AttemptBudget budget(/*max_attempts=*/1000);
//   budget.set_deadline(steady_now + 30s);  // before any user runs
//   while (auto seq = budget.claim()) attempt(*seq);
//
// Thread-safe: claim(), stop() and stopped() from any thread. set_deadline() only before the
// swarm's threads start (thread creation publishes it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace stampede::agent {

class AttemptBudget {
 public:
  using steady_time = std::chrono::steady_clock::time_point;

  explicit AttemptBudget(uint64_t max_attempts) : max_attempts_(max_attempts) {}

  void set_deadline(steady_time deadline) { deadline_ = deadline; }
  void stop() { stopped_.store(true, std::memory_order_relaxed); }
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  // Whether `t` is at or after the duration deadline (false without one).
  bool past_deadline(steady_time t) const { return deadline_ && t >= *deadline_; }

  // The next attempt's seq (0, 1, 2, ... across the swarm), or nothing once a bound is reached.
  std::optional<uint64_t> claim() {
    if (stopped()) return std::nullopt;
    if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) return std::nullopt;
    const uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
    // Losers of the last race push next_seq_ past the bound; their seqs are never used.
    if (max_attempts_ != 0 && seq >= max_attempts_) return std::nullopt;
    return seq;
  }

 private:
  const uint64_t max_attempts_;  // 0: unbounded
  std::optional<steady_time> deadline_;
  std::atomic<uint64_t> next_seq_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace stampede::agent
