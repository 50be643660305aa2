// Merges what every agent reported for one phase (one endpoint) into exact totals: counters
// add, histograms merge bucket by bucket, order batches become the oracle's key -> order map.
// Sequence gaps in progress and missing order batches are reported, not hidden. The batches are
// only held while the phase runs and turned into the map when it is first asked for, at the
// phase's end: building it as they came cost a co-located agent 6 % of its requests/s.
//
// Not thread-safe: owned by the coordinator's event loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/histogram.hpp"
#include "coordinator/oracle/buyers_evidence.hpp"
#include "coordinator/report/report.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

// Attempts that ended in one second of the phase, by outcome.
struct SecondTally {
  uint64_t attempts = 0, ok = 0, fail = 0, info = 0;
};

struct JobShare {
  std::string job_id;
  std::string agent_name;
  std::string agent_host;
  std::string key_prefix;
  uint32_t users = 0;
  uint64_t attempts = 0;  // assigned; 0 when bounded by duration only
  uint32_t user_offset = 0;
  bool accepted = false;    // its agent took the job (a restored share was, before the restart)
  bool reissued = false;    // takes over a lost agent's unfinished share
  uint32_t generation = 0;  // 0: an original share; n: a lost share's remainder n times over
  uint64_t first_send_unix_ns = 0;
  v1::OutcomeCounts live;  // latest progress, then the final counts
  uint64_t last_progress_seq = 0;
  uint64_t progress_gaps = 0;  // progress messages that never arrived
  // Taken over from a coordinator that died mid-phase: the first progress seen sets the baseline,
  // since what was sent to the dead one is not a gap on the wire.
  bool resync_progress = false;
  uint64_t batches_received = 0;  // distinct batch_seq values: agents replay batches after a
  std::unordered_set<uint64_t> batch_seqs;  // coordinator restart, and each counts once
  bool has_result = false;
  uint64_t batches_expected = 0;
  bool lost = false;            // the agent vanished before its result
  uint64_t clock_error_us = 0;  // how far its times may be off the coordinator's clock
  std::string error;
  // By second of the phase: the progress bins as they came, replaced by the result's whole
  // series once it is in (which a coordinator restart cannot have lost).
  std::map<uint32_t, SecondTally> seconds;
  uint32_t newest_second = 0;  // the latest second its progress has reported
};

class PhaseMerge {
 public:
  void add_job(JobShare share);
  // Each returns false when the message names no job of this phase (it is then ignored).
  bool add_progress(const v1::Progress& p);
  bool add_batch(v1::OrderBatch b);
  bool add_result(const v1::JobResult& r);
  void mark_lost(const std::string& job_id);
  void mark_accepted(const std::string& job_id);
  // A problem the run itself saw (an unissued share, a refused hand-over) for the report.
  void note(std::string problem) { problems_.push_back(std::move(problem)); }

  // Every job has either its result and all of its order batches, or is marked lost.
  bool complete() const;
  v1::OutcomeCounts live_totals() const;

  const std::vector<JobShare>& jobs() const { return jobs_; }
  const v1::OutcomeCounts& totals() const { return totals_; }
  const LatencyHistogram& latency() const { return latency_; }
  // Open loop only: latency from the actual send, beside the corrected latency() (empty otherwise).
  const LatencyHistogram& latency_uncorrected() const { return latency_uncorrected_; }
  uint64_t retries() const { return retries_; }
  ConnectionSummary connections() const;
  std::vector<StepReport> steps() const;  // journeys: one per step, in flow order
  // Latencies of the attempts that ended since the last take_window(), from every agent's
  // progress; emptied by the call.
  LatencyHistogram take_window();
  // The phase second by second, by when its attempts ended on the agents (each second of every
  // agent lined up on the phase's instant): cumulative counts at each second's end, and the p50
  // and p99 of the attempts that ended in it. The last point ends at duration_s when that is
  // inside its second.
  std::vector<TimelinePoint> timeline(double duration_s);
  // The seconds every running job has reported past since the last call, for the live view.
  std::vector<v1::SecondFigures> take_settled_seconds();
  const std::map<unsigned, uint64_t>& status_codes() const { return status_codes_; }
  // Builds the map from the batches held so far (at the phase's end: it costs about a
  // microsecond an order).
  const std::unordered_map<std::string, std::string>& acknowledged() const;
  // The same map, moved out (the phase's end hands it to the oracle without a copy); the
  // merge's own is empty after.
  std::unordered_map<std::string, std::string> take_acknowledged();
  // The sales' times and remaining values and the sold-out answers, for the oracle's buyers'
  // evidence, moved out (after take_acknowledged(), which builds them); with the tolerance
  // the agents' clock errors ask for.
  BuyersEvidence take_evidence();
  // Acknowledged orders received so far, without building the map.
  uint64_t acknowledged_count() const { return acknowledged_count_; }
  const std::unordered_set<std::string>& indeterminate() const { return indeterminate_; }
  uint64_t first_send_unix_ns() const { return first_send_ns_; }
  uint64_t last_done_unix_ns() const { return last_done_ns_; }
  std::vector<std::string> problems() const;
  // Spread of the first sends of the jobs that started together (not re-issued shares), ms.
  double start_spread_ms() const;

 private:
  JobShare* find(const std::string& job_id);

  std::vector<JobShare> jobs_;
  v1::OutcomeCounts totals_;
  LatencyHistogram latency_;
  LatencyHistogram latency_uncorrected_;
  LatencyHistogram window_;
  uint64_t retries_ = 0;
  uint64_t opened_ = 0, tls_handshakes_ = 0, tls_resumed_ = 0;
  LatencyHistogram connect_, tls_;
  std::map<unsigned, uint64_t> status_codes_;
  struct StepMerge {
    std::string name;
    uint64_t attempts = 0, failed = 0;
    std::map<unsigned, uint64_t> status_codes;
    LatencyHistogram latency;
  };
  std::vector<StepMerge> steps_;
  struct HeldBatch {
    size_t job;  // index in jobs_
    v1::OrderBatch batch;
  };
  mutable std::vector<HeldBatch> held_;  // not yet in acknowledged_
  mutable std::unordered_map<std::string, std::string> acknowledged_;
  mutable BuyersEvidence evidence_;
  uint64_t acknowledged_count_ = 0;
  std::unordered_set<std::string> indeterminate_;
  uint64_t first_send_ns_ = 0;
  uint64_t last_done_ns_ = 0;
  std::vector<std::string> problems_;
  // Each second's latency: merged while agents may still send it, then kept as p50 and p99
  // only (a full histogram a second would cost 140 KB each over an hour-long phase).
  struct SecondLatency {
    std::unique_ptr<LatencyHistogram> open;
    double p50_ms = 0, p99_ms = 0;
  };
  void settle_seconds(uint32_t before);
  // Seconds before this one are whole: no running job will report more of them.
  uint32_t settled_before() const;
  SecondTally tally(uint32_t second) const;
  std::map<uint32_t, SecondLatency> latency_by_second_;
  uint32_t sent_before_ = 0;  // the live view has every second before this one
};

void add_counts(v1::OutcomeCounts& into, const v1::OutcomeCounts& from);

}  // namespace stampede::coordinator
