// Exact aggregation of agents' results for one phase.
#include "coordinator/merge/phase_merge.hpp"

#include <algorithm>
#include <string_view>

#include "common/order_batch.hpp"
#include "common/sold_out_buckets.hpp"

namespace stampede::coordinator {

void add_counts(v1::OutcomeCounts& into, const v1::OutcomeCounts& from) {
  into.set_attempts(into.attempts() + from.attempts());
  into.set_ok(into.ok() + from.ok());
  into.set_fail(into.fail() + from.fail());
  into.set_info(into.info() + from.info());
  into.set_sold_out(into.sold_out() + from.sold_out());
  into.set_errors(into.errors() + from.errors());
  into.set_abandoned(into.abandoned() + from.abandoned());
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
  for (const auto& bin : p.seconds()) {
    SecondTally& t = job->seconds[bin.second()];
    t.attempts += bin.attempts();
    t.ok += bin.ok();
    t.fail += bin.fail();
    t.info += bin.info();
    if (!bin.has_latency()) continue;
    window_.merge_proto(bin.latency());
    SecondLatency& l = latency_by_second_[bin.second()];
    if (!l.open && l.p99_ms == 0) l.open = std::make_unique<LatencyHistogram>();
    if (l.open) l.open->merge_proto(bin.latency());  // a second already settled keeps its figures
    job->newest_second = std::max(job->newest_second, bin.second());
  }
  settle_seconds(settled_before());
  return true;
}

uint32_t PhaseMerge::settled_before() const {
  // A job reports its seconds in order, so it has no more to say of those before its newest;
  // one that ended (or was lost) holds nothing back.
  uint32_t before = UINT32_MAX;
  for (const auto& j : jobs_) {
    if (!j.has_result && !j.lost) before = std::min(before, j.newest_second);
  }
  return before;
}

SecondTally PhaseMerge::tally(uint32_t second) const {
  SecondTally sum;
  for (const auto& j : jobs_) {
    if (auto it = j.seconds.find(second); it != j.seconds.end()) {
      sum.attempts += it->second.attempts;
      sum.ok += it->second.ok;
      sum.fail += it->second.fail;
      sum.info += it->second.info;
    }
  }
  return sum;
}

std::vector<v1::SecondFigures> PhaseMerge::take_settled_seconds() {
  std::vector<v1::SecondFigures> out;
  const uint32_t before = settled_before();
  for (auto it = latency_by_second_.lower_bound(sent_before_);
       it != latency_by_second_.end() && it->first < before; ++it) {
    const SecondTally t = tally(it->first);
    v1::SecondFigures f;
    f.set_second(it->first);
    f.set_attempts(t.attempts);
    f.set_ok(t.ok);
    f.set_fail(t.fail);
    f.set_info(t.info);
    f.set_p50_ms(it->second.p50_ms);
    f.set_p99_ms(it->second.p99_ms);
    out.push_back(std::move(f));
    sent_before_ = it->first + 1;
  }
  return out;
}

void PhaseMerge::settle_seconds(uint32_t before) {
  for (auto& [second, l] : latency_by_second_) {
    if (second >= before) break;
    if (!l.open) continue;
    l.p50_ms = static_cast<double>(l.open->percentile_us(50)) / 1e3;
    l.p99_ms = static_cast<double>(l.open->percentile_us(99)) / 1e3;
    l.open.reset();
  }
}

std::vector<TimelinePoint> PhaseMerge::timeline(double duration_s) {
  settle_seconds(UINT32_MAX);
  std::map<uint32_t, SecondTally> all;
  for (const auto& j : jobs_) {
    for (const auto& [second, t] : j.seconds) {
      SecondTally& into = all[second];
      into.attempts += t.attempts;
      into.ok += t.ok;
      into.fail += t.fail;
      into.info += t.info;
    }
  }
  std::vector<TimelinePoint> out;
  SecondTally sum;
  for (const auto& [second, t] : all) {
    sum.attempts += t.attempts;
    sum.ok += t.ok;
    sum.fail += t.fail;
    sum.info += t.info;
    TimelinePoint p;
    p.t_s = second + 1.0;
    // The phase's last, partial second ends when the phase did, so its rate is not understated.
    if (&t == &all.rbegin()->second && duration_s > second && duration_s < p.t_s) {
      p.t_s = duration_s;
    }
    p.attempts = sum.attempts;
    p.ok = sum.ok;
    p.fail = sum.fail;
    p.info = sum.info;
    if (auto l = latency_by_second_.find(second); l != latency_by_second_.end()) {
      p.p50_ms = l->second.p50_ms;
      p.p99_ms = l->second.p99_ms;
    }
    out.push_back(p);
  }
  return out;
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
  if (auto problem = evidence_problem(b)) {
    note("order batch " + std::to_string(b.batch_seq()) + " of job " + b.job_id() +
         " carries malformed evidence (" + *problem + "): its sales' times are not weighed");
    b.clear_sale_sent_us();
    b.clear_sale_done_us();
    b.clear_sale_remaining();
    b.clear_sold_out_ms();
    b.clear_sold_out_counts();
  }
  for (int i = 0; i < b.sold_out_ms_size(); ++i) {
    // An agent buckets its answers already; one that did not is held to the same few buckets.
    evidence_.sold_out_by_ms[sold_out_bucket_end(b.sold_out_ms(i))] += b.sold_out_counts(i);
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
    const auto& b = held.batch;
    const bool timed = b.sale_sent_us_size() == b.acked_seqs_size();
    int i = 0;
    for_each_acknowledged(b, [&](uint64_t seq, std::string_view order_id) {
      key.resize(base);
      key += std::to_string(seq);
      // A sale counts once, as its key does: a replayed attempt's answer is not a second sale.
      if (acknowledged_.insert_or_assign(key, order_id).second && timed) {
        evidence_.sales.push_back({b.sale_sent_us(i), b.sale_done_us(i), b.sale_remaining(i),
                                   static_cast<uint32_t>(held.job), seq});
      }
      ++i;
    });
  }
  held_.clear();
  return acknowledged_;
}

BuyersEvidence PhaseMerge::take_evidence() {
  acknowledged();
  BuyersEvidence out = std::move(evidence_);
  evidence_ = {};
  uint64_t worst_error_us = 0;
  for (const auto& j : jobs_) {
    out.key_prefixes.push_back(j.key_prefix);
    worst_error_us = std::max(worst_error_us, j.clock_error_us);
  }
  // Two agents' times may each be off by their error, in opposite directions; and a
  // millisecond's grace beside, for clocks that drift between offset samples over a phase.
  out.tolerance_us = static_cast<int64_t>(2 * worst_error_us) + 1000;
  return out;
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
  job->clock_error_us = r.clock_error_us();
  if (r.seconds_size() > 0) {
    job->seconds.clear();
    for (const auto& bin : r.seconds()) {
      job->seconds[bin.second()] = {bin.attempts(), bin.ok(), bin.fail(), bin.info()};
    }
  }
  add_counts(totals_, r.counts());
  if (!latency_.merge_proto(r.latency())) {
    problems_.push_back("agent " + job->agent_name + " sent an unreadable latency histogram");
  }
  if (r.has_latency_uncorrected()) latency_uncorrected_.merge_proto(r.latency_uncorrected());
  retries_ += r.retries();
  const auto& c = r.connections();
  opened_ += c.opened();
  tls_handshakes_ += c.tls_handshakes();
  tls_resumed_ += c.tls_resumed();
  connect_.merge_proto(c.connect());
  tls_.merge_proto(c.tls());
  for (const auto& sc : r.status_codes()) status_codes_[sc.code()] += sc.count();
  if (steps_.size() < static_cast<size_t>(r.steps_size())) steps_.resize(r.steps_size());
  for (int i = 0; i < r.steps_size(); ++i) {
    const auto& from = r.steps(i);
    StepMerge& into = steps_[static_cast<size_t>(i)];
    if (into.name.empty()) into.name = from.name();
    into.attempts += from.attempts();
    into.failed += from.failed();
    for (const auto& sc : from.status_codes()) into.status_codes[sc.code()] += sc.count();
    if (!into.latency.merge_proto(from.latency())) {
      problems_.push_back("agent " + job->agent_name + " sent an unreadable step histogram");
    }
  }
  if (r.first_send_unix_ns() && (!first_send_ns_ || r.first_send_unix_ns() < first_send_ns_)) {
    first_send_ns_ = r.first_send_unix_ns();
  }
  last_done_ns_ = std::max(last_done_ns_, r.last_done_unix_ns());
  return true;
}

std::vector<StepReport> PhaseMerge::steps() const {
  std::vector<StepReport> out;
  for (const auto& s : steps_) {
    out.push_back({s.name, s.attempts, s.failed, s.status_codes, LatencySummary::of(s.latency)});
  }
  return out;
}

ConnectionSummary PhaseMerge::connections() const {
  auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  return {opened_,
          tls_handshakes_,
          tls_resumed_,
          ms(connect_.percentile_us(50)),
          ms(connect_.percentile_us(99)),
          ms(tls_.percentile_us(50)),
          ms(tls_.percentile_us(99))};
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
