// Decides whether a swarm thread may poll for work before it blocks (swarm.cpp, run_polling).
// Polling spares a target on the same host a cross-core wakeup per answer, and costs nothing
// while the thread has CPU to spare. A thread that is not given the CPU it asks for (held to a
// cgroup quota, as in a container with a CPU limit, or sharing its core) pays for every poll
// with time its requests needed: capped at half a core, polling cost the agent 7 % of its
// requests (bench (1b)). So the thread polls only while, over the last window, it was either
// running or waiting for work, and hardly ever kept off the CPU against its will.
//
// Not thread-safe: one per swarm thread, called from that thread.
#pragma once

#include <chrono>

namespace stampede::agent {

class SpinGovernor {
 public:
  using Clock = std::chrono::steady_clock;
  using Nanos = std::chrono::nanoseconds;

  // Long enough to span whole CFS quota periods (100 ms by default, as in Docker and
  // Kubernetes), so a window never sees only the running or only the throttled part of one.
  static constexpr std::chrono::milliseconds kWindow{250};
  // Kept off the CPU for more than this share of a window: polling stops.
  static constexpr int kStarvedPercent = 10;

  // Whether the thread should poll before it blocks, as of the last full window.
  bool may_spin() const { return may_spin_; }

  // Whether `now` ends the current window: then the caller reads its CPU time and calls update.
  bool window_over(Clock::time_point now) const {
    return !started_ || now - window_start_ >= kWindow;
  }

  // now: steady time; cpu: the thread's CPU time so far; blocked: the time it has spent so far
  // blocked waiting for work. Starts a new window.
  void update(Clock::time_point now, Nanos cpu, Nanos blocked) {
    if (started_) {
      const Nanos wall = now - window_start_;
      const Nanos starved = wall - (cpu - cpu_at_start_) - (blocked - blocked_at_start_);
      may_spin_ = starved * 100 <= wall * kStarvedPercent;
    }
    started_ = true;
    window_start_ = now;
    cpu_at_start_ = cpu;
    blocked_at_start_ = blocked;
  }

 private:
  bool started_ = false;
  bool may_spin_ = true;
  Clock::time_point window_start_{};
  Nanos cpu_at_start_{0};
  Nanos blocked_at_start_{0};
};

}  // namespace stampede::agent
