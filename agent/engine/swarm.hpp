// The load engine: a swarm of virtual users on Boost.Asio hammering one checkout endpoint.
// Closed loop (rate_per_s = 0): each user attempts back to back, after an optional think
// time, users starting spread over the ramp. Open loop (rate_per_s > 0): the users are a
// connection pool sending at a constant arrival rate (ramped up linearly), latency measured
// from each attempt's intended send time (see OpenLoopPacer). An attempt whose time has come
// waits for a free connection; with a duration, only attempts meant for before its end are
// made, and a backlog still queued when it ends is not sent (as wrk2). Indeterminate attempts
// may be retried with the same key (max_retries).
//
// It knows nothing about ZeroMQ: the agent's control loop creates one per job, starts it at
// the coordinator's instant, polls progress, drains acknowledged orders as they come, and
// takes the final result once it has finished.
//
//   Swarm swarm(job, /*threads=*/2);
//   swarm.start(start_at);
//   while (!swarm.finished()) { send(swarm.progress()); send(swarm.drain_orders()); sleep...; }
//   SwarmResult r = swarm.take_result();
//
// Thread-safety: every public member may be called from one control thread while the swarm's
// own threads run; none of them blocks on the network.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/engine/job_runner.hpp"
#include "common/expected.hpp"
#include "common/histogram.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

class Swarm final : public JobRunner {
 public:
  // Checks the job (URL parses, users > 0, a bound on attempts or duration) before anything runs.
  static Expected<std::unique_ptr<Swarm>> create(const v1::JobSpec& job, unsigned threads);
  ~Swarm() override;  // stops and joins

  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  // Begins sending at `at` (a wall-clock instant, so agents on many hosts start together).
  void start(std::chrono::system_clock::time_point at,
             std::chrono::system_clock::time_point phase_start) override;
  void start(std::chrono::system_clock::time_point at) { start(at, at); }
  // Ask the swarm to end early: no new attempts; in-flight ones finish or time out.
  void stop() override;
  bool finished() const override;
  SwarmProgress progress() const override;
  OrderDrain drain_orders();
  // The same into `into`, which the caller clears and passes again each time: its buffers'
  // capacity goes back to the swarm's threads instead of being regrown after every drain.
  void drain_orders(OrderDrain& into) override;
  // Latencies of the attempts that ended since the previous call (latency over time).
  void drain_seconds(std::vector<SecondBin>& into) override;
  // Only after finished(); call once.
  SwarmResult take_result() override;

 private:
  struct Impl;
  explicit Swarm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stampede::agent
