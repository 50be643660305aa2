// Exact aggregation of agents' results for one phase.
#include "coordinator/merge/phase_merge.hpp"

#include <algorithm>
#include <string_view>

#include "common/order_batch.hpp"

namespace stampede::coordinator {

void add_counts(v1::OutcomeCounts& into, const v1::OutcomeCounts& from) {
  into.set_attempts(into.attempts() + from.attempts());
  into.set_ok(into.ok() + from.ok());
  into.set_fail(into.fail() + from.fail());
  into.set_info(into.info() + from.info());
  into.set_sold_out(into.sold_out() + from.sold_out());
  into.set_errors(into.errors() + from.errors());
}

JobShare* PhaseMerge::find(const std::string& job_id) {
  for (auto& j : jobs_) {
    if (j.job_id == job_id) return &j;
  }
  return nullptr;
}

void PhaseMerge::add_job(JobShare share) {
  jobs_.push_back(std::move(share));
}

bool PhaseMerge::add_progress(const v1::Progress& p) {
  JobShare* job = find(p.job_id());
  if (!job || job->has_result) return job != nullptr;
  if (p.seq() <= job->last_progress_seq) return true;  // late or repeated: the newer one stands
  if (job->resync_progress) {
    job->resync_progress = false;
  } else {
    job->progress_gaps += p.seq() - job->last_progress_seq - 1;
  }
  job->last_progress_seq = p.seq();
  job->live = p.counts();
  if (p.has_latency_window()) window_.merge_proto(p.latency_window());
  return true;
}

LatencyHistogram PhaseMerge::take_window() {
  LatencyHistogram out;
  std::swap(out, window_);
  return out;
}

bool PhaseMerge::add_batch(v1::OrderBatch b) {
  JobShare* job = find(b.job_id());
  if (!job) return false;
  if (!job->batch_seqs.insert(b.batch_seq()).second) return true;  // a replay: already merged
  ++job->batches_received;
  const std::string prefix = job->key_prefix + ".";
  for (uint64_t seq : b.indeterminate_seqs()) indeterminate_.insert(prefix + std::to_string(seq));
  if (auto problem = packed_orders_problem(b)) {
    // parse_envelope() refuses such frames; a batch made some other way is not read past its end.
    note("order batch " + std::to_string(b.batch_seq()) + " of job " + b.job_id() +
         " is malformed (" + *problem + "): its orders are not counted");
    return true;
  }
  const size_t acknowledged = stampede::acknowledged_count(b);
  acknowledged_count_ += acknowledged;
  if (acknowledged > 0) {
    held_.push_back(HeldBatch{static_cast<size_t>(job - jobs_.data()), std::move(b)});
  }
  return true;
}

std::unordered_map<std::string, std::string> PhaseMerge::take_acknowledged() {
  acknowledged();
  auto out = std::move(acknowledged_);
  acknowledged_.clear();
  return out;
}

const std::unordered_map<std::string, std::string>& PhaseMerge::acknowledged() const {
  if (held_.empty()) return acknowledged_;
  acknowledged_.reserve(acknowledged_.size() + acknowledged_count_);
  std::string key;
  for (HeldBatch& held : held_) {
    key = jobs_[held.job].key_prefix;
    key += '.';
    const size_t base = key.size();
    for_each_acknowledged(held.batch, [&](uint64_t seq, std::string_view order_id) {
      key.resize(base);
      key += std::to_string(seq);
      acknowledged_[key] = order_id;
    });
  }
  held_.clear();
  return acknowledged_;
}

bool PhaseMerge::add_result(const v1::JobResult& r) {
  JobShare* job = find(r.job_id());
  if (!job) return false;
  if (job->has_result) return true;  // a resend after a lost ack: counted once
  job->has_result = true;
  job->batches_expected = r.batches();
  job->live = r.counts();
  job->error = r.error();
  job->first_send_unix_ns = r.first_send_unix_ns();
  add_counts(totals_, r.counts());
  if (!latency_.merge_proto(r.latency())) {
    problems_.push_back("agent " + job->agent_name + " sent an unreadable latency histogram");
  }
  if (r.has_latency_uncorrected()) latency_uncorrected_.merge_proto(r.latency_uncorrected());
  retries_ += r.retries();
  for (const auto& sc : r.status_codes()) status_codes_[sc.code()] += sc.count();
  if (r.first_send_unix_ns() && (!first_send_ns_ || r.first_send_unix_ns() < first_send_ns_)) {
    first_send_ns_ = r.first_send_unix_ns();
  }
  last_done_ns_ = std::max(last_done_ns_, r.last_done_unix_ns());
  return true;
}

void PhaseMerge::mark_lost(const std::string& job_id) {
  if (JobShare* job = find(job_id); job && !job->has_result) job->lost = true;
}

void PhaseMerge::mark_accepted(const std::string& job_id) {
  if (JobShare* job = find(job_id)) job->accepted = true;
}

bool PhaseMerge::complete() const {
  return std::all_of(jobs_.begin(), jobs_.end(), [](const JobShare& j) {
    return j.lost || (j.has_result && j.batches_received >= j.batches_expected);
  });
}

v1::OutcomeCounts PhaseMerge::live_totals() const {
  v1::OutcomeCounts sum;
  for (const auto& j : jobs_) add_counts(sum, j.live);
  return sum;
}

double PhaseMerge::start_spread_ms() const {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& j : jobs_) {
    if (j.reissued || !j.first_send_unix_ns) continue;
    lo = std::min(lo, j.first_send_unix_ns);
    hi = std::max(hi, j.first_send_unix_ns);
  }
  return hi >= lo && lo != UINT64_MAX ? static_cast<double>(hi - lo) / 1e6 : 0.0;
}

std::vector<std::string> PhaseMerge::problems() const {
  auto out = problems_;
  for (const auto& j : jobs_) {
    if (j.lost && j.has_result) {
      out.push_back("agent " + j.agent_name +
                    " was marked lost (no heartbeat) but came back and delivered its result; its "
                    "unfinished share was re-issued meanwhile, so that part ran twice");
    } else if (j.lost) {
      out.push_back(
          "agent " + j.agent_name + " was lost mid-run after " + std::to_string(j.live.attempts()) +
          " reported attempts; attempts after its last report are unknown, and ledger orders "
          "under its keys count as recovered");
    }
    if (j.progress_gaps) {
      out.push_back("agent " + j.agent_name + ": " + std::to_string(j.progress_gaps) +
                    " progress message(s) missing");
    }
    if (j.has_result && j.batches_received < j.batches_expected) {
      out.push_back("agent " + j.agent_name + ": " +
                    std::to_string(j.batches_expected - j.batches_received) +
                    " order batch(es) missing");
    }
    if (!j.error.empty()) out.push_back("agent " + j.agent_name + ": " + j.error);
  }
  return out;
}

}  // namespace stampede::coordinator
