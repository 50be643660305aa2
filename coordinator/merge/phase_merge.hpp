// Merges what every agent reported for one phase (one endpoint) into exact totals: counters
// add, histograms merge bucket by bucket, order batches become the oracle's key -> order map.
// Sequence gaps in progress and missing order batches are reported, not hidden.
//
// Not thread-safe: owned by the coordinator's event loop.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/histogram.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

struct JobShare {
  std::string job_id;
  std::string agent_name;
  std::string agent_host;
  std::string key_prefix;
  v1::OutcomeCounts live;  // latest progress, then the final counts
  uint64_t last_progress_seq = 0;
  uint64_t progress_gaps = 0;  // progress messages that never arrived
  uint64_t batches_received = 0;
  bool has_result = false;
  uint64_t batches_expected = 0;
  bool lost = false;  // the agent vanished before its result
  std::string error;
};

class PhaseMerge {
 public:
  void add_job(const std::string& job_id, const std::string& agent_name, const std::string& host,
               const std::string& key_prefix);
  // Each returns false when the message names no job of this phase (it is then ignored).
  bool add_progress(const v1::Progress& p);
  bool add_batch(const v1::OrderBatch& b);
  bool add_result(const v1::JobResult& r);
  void mark_lost(const std::string& job_id);

  // Every job has either its result and all of its order batches, or is marked lost.
  bool complete() const;
  v1::OutcomeCounts live_totals() const;

  const std::vector<JobShare>& jobs() const { return jobs_; }
  const v1::OutcomeCounts& totals() const { return totals_; }
  const LatencyHistogram& latency() const { return latency_; }
  const std::map<unsigned, uint64_t>& status_codes() const { return status_codes_; }
  const std::unordered_map<std::string, std::string>& acknowledged() const { return acknowledged_; }
  const std::unordered_set<std::string>& indeterminate() const { return indeterminate_; }
  uint64_t first_send_unix_ns() const { return first_send_ns_; }
  uint64_t last_done_unix_ns() const { return last_done_ns_; }
  std::vector<std::string> problems() const;

 private:
  JobShare* find(const std::string& job_id);

  std::vector<JobShare> jobs_;
  v1::OutcomeCounts totals_;
  LatencyHistogram latency_;
  std::map<unsigned, uint64_t> status_codes_;
  std::unordered_map<std::string, std::string> acknowledged_;
  std::unordered_set<std::string> indeterminate_;
  uint64_t first_send_ns_ = 0;
  uint64_t last_done_ns_ = 0;
  std::vector<std::string> problems_;
};

void add_counts(v1::OutcomeCounts& into, const v1::OutcomeCounts& from);

}  // namespace stampede::coordinator
