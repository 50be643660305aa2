// What the agent's control plane needs of the load engine to run one job, and nothing more: the
// seam between the two. Swarm is the real one; the agent session's tests give a fake that makes
// attempts when told, so a job's life can be played out exactly without a socket.
//
//   auto job = make_job(spec, threads);   // Expected<std::unique_ptr<JobRunner>>
//   job->start(at); ... job->progress(); job->drain_orders(drain); ... job->take_result();
//
// Thread-safety: every member is called from the one control thread; the engine's own threads
// are its business.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "agent/engine/acknowledged_orders.hpp"
#include "agent/engine/connection_stats.hpp"
#include "agent/engine/sale_evidence.hpp"
#include "common/expected.hpp"
#include "common/histogram.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

struct SwarmProgress {
  uint64_t attempts = 0;  // finished attempts
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t sold_out = 0;   // part of fail
  uint64_t errors = 0;     // part of fail
  uint64_t retries = 0;    // tries beyond each attempt's first (not attempts themselves)
  uint64_t abandoned = 0;  // part of fail: journeys that ended after taking stock, unbought
};

// One journey step's exchanges (every try of it), as k6 reports each request of a script.
struct StepTally {
  uint64_t attempts = 0;
  uint64_t failed = 0;  // not accepted, or no answer: the journey ended there
  std::map<unsigned, uint64_t> status_codes;
  LatencyHistogram latency;  // µs from the step's send to its answer

  void merge(const StepTally& other) {
    attempts += other.attempts;
    failed += other.failed;
    for (const auto& [code, n] : other.status_codes) status_codes[code] += n;
    latency.merge(other.latency);
  }
};

// Acknowledged orders and indeterminate attempts gathered since the last drain.
struct OrderDrain {
  AcknowledgedOrders acknowledged;  // (attempt seq, order id)
  SaleEvidence evidence;            // its sales parallel to acknowledged
  std::vector<uint64_t> indeterminate_seqs;

  void clear() {
    acknowledged.clear();
    evidence.clear();
    indeterminate_seqs.clear();
  }
};

// Attempts that ended in one second of the phase (second 0 starts at the phase's instant).
struct SecondCounts {
  uint32_t second = 0;
  uint64_t attempts = 0, ok = 0, fail = 0, info = 0;
};

// The same with those attempts' latency: the timeline's point for that second, as drained.
struct SecondBin {
  SecondCounts counts;
  LatencyHistogram latency;
};

struct SwarmResult {
  SwarmProgress counts;
  // Every finished attempt, µs, over all its tries. Open loop: from the intended send time.
  LatencyHistogram latency;
  LatencyHistogram latency_uncorrected;       // open loop only: from the actual send
  std::map<unsigned, uint64_t> status_codes;  // HTTP status -> responses, retried tries too
  uint64_t first_send_unix_ns = 0;
  uint64_t last_done_unix_ns = 0;
  OrderDrain remaining;               // what no drain_orders() call took yet
  std::vector<SecondCounts> seconds;  // the whole job's attempts by second, in order
  ConnectionStats connections;
  std::vector<StepTally> steps;  // journeys only: one per step, in flow order
};

class JobRunner {
 public:
  virtual ~JobRunner() = default;
  // Begins sending at `at` (a wall-clock instant, so agents on many hosts start together);
  // phase_start is second 0 of the phase's timeline (`at`, except for a re-issued share).
  virtual void start(std::chrono::system_clock::time_point at,
                     std::chrono::system_clock::time_point phase_start) = 0;
  // No new attempts; in-flight ones finish or time out.
  virtual void stop() = 0;
  virtual bool finished() const = 0;
  virtual SwarmProgress progress() const = 0;
  // Acknowledged orders and indeterminate attempts since the last drain, into `into` (which the
  // caller clears and passes again, so its buffers keep their capacity).
  virtual void drain_orders(OrderDrain& into) = 0;
  // The attempts that ended since the previous call, by second, with their latency; appended to
  // `into` in order of second.
  virtual void drain_seconds(std::vector<SecondBin>& into) = 0;
  // Only after finished(); once.
  virtual SwarmResult take_result() = 0;
};

// Makes the runner for a job, or says why the job cannot run (a bad URL, no users).
using JobFactory =
    std::function<Expected<std::unique_ptr<JobRunner>>(const v1::JobSpec& job, unsigned threads)>;

// The real engine: a Swarm.
JobFactory swarm_factory();

}  // namespace stampede::agent
