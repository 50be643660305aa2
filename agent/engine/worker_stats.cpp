// Recording and merging one swarm thread's attempt tally.
#include "agent/engine/worker_stats.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace stampede::agent {
namespace {

void append_all(std::vector<uint64_t>& to, const std::vector<uint64_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}
void append_all(AcknowledgedOrders& to, const AcknowledgedOrders& from) {
  to.append(from);
}
void append_all(SaleEvidence& to, const SaleEvidence& from) {
  to.append(from);
}

int64_t us_since(std::chrono::steady_clock::time_point origin,
                 std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - origin).count();
}

// Into an empty `to` by swapping, so `from` (this thread's buffer) takes over the capacity the
// drainer cleared for it and does not regrow from nothing after every drain.
template <class Buffer>
void append_moved(Buffer& to, Buffer& from) {
  if (to.empty()) {
    to.swap(from);
    return;
  }
  append_all(to, from);
  from.clear();
}

}  // namespace

// The bin for `second`, made when that second's first attempt ends.
template <class Bin>
Bin& bin_for(std::vector<Bin>& bins, uint32_t second) {
  auto second_of = [](const Bin& b) -> uint32_t {
    if constexpr (std::is_same_v<Bin, SecondCounts>) {
      return b.second;
    } else {
      return b.counts.second;
    }
  };
  // The newest bin nearly always: an attempt ends after the one before it on this thread.
  for (auto it = bins.rbegin(); it != bins.rend(); ++it) {
    if (second_of(*it) == second) return *it;
    if (second_of(*it) < second) break;
  }
  auto at =
      std::find_if(bins.begin(), bins.end(), [&](const Bin& b) { return second_of(b) > second; });
  at = bins.insert(at, Bin{});
  if constexpr (std::is_same_v<Bin, SecondCounts>) {
    at->second = second;
  } else {
    at->counts.second = second;
  }
  return *at;
}

void count_into(SecondCounts& c, Outcome outcome) {
  ++c.attempts;
  switch (outcome) {
    case Outcome::ok:
      ++c.ok;
      break;
    case Outcome::fail:
      ++c.fail;
      break;
    case Outcome::info:
      ++c.info;
      break;
  }
}

void add_counts(SecondCounts& into, const SecondCounts& from) {
  into.attempts += from.attempts;
  into.ok += from.ok;
  into.fail += from.fail;
  into.info += from.info;
}

void WorkerStats::record_attempt(uint64_t seq, const Classified& result,
                                 const AttemptTimes& times) {
  const uint64_t us = latency_.record(times);
  last_done_ = std::max(last_done_, times.done);
  // Attempts that end before the instant (a re-issued share's backlog) belong to second 0.
  const auto since = std::max(times.done - origin_, std::chrono::steady_clock::duration{});
  const auto second =
      static_cast<uint32_t>(std::chrono::floor<std::chrono::seconds>(since).count());
  count_into(bin_for(seconds_, second), result.outcome);

  {
    std::lock_guard lock(drain_mutex_);
    SecondBin& bin = bin_for(bins_, second);
    count_into(bin.counts, result.outcome);
    bin.latency.record_us(us);
    if (keep_orders_) keep_order(seq, result, times);
  }
  switch (result.outcome) {
    case Outcome::ok:
      bump(ok_);
      break;
    case Outcome::fail:
      bump(fail_);
      bump(result.sold_out ? sold_out_ : errors_);
      break;
    case Outcome::info:
      bump(info_);
      break;
  }
  // Last, so a reader never sees more attempts than outcomes.
  bump(attempts_);
}

void WorkerStats::keep_order(uint64_t seq, const Classified& result, const AttemptTimes& times) {
  switch (result.outcome) {
    case Outcome::ok:
      orders_.acknowledged.push(seq, result.order_id);
      orders_.evidence.add_sale(us_since(origin_, times.sent), us_since(origin_, times.done),
                                result.remaining);
      break;
    case Outcome::fail:
      if (result.sold_out) orders_.evidence.add_sold_out(us_since(origin_, times.done) / 1000);
      break;
    case Outcome::info:
      orders_.indeterminate_seqs.push_back(seq);
      break;
  }
}

void WorkerStats::progress_into(SwarmProgress& sum) const {
  sum.attempts += attempts_.load(std::memory_order_relaxed);
  sum.ok += ok_.load(std::memory_order_relaxed);
  sum.fail += fail_.load(std::memory_order_relaxed);
  sum.info += info_.load(std::memory_order_relaxed);
  sum.sold_out += sold_out_.load(std::memory_order_relaxed);
  sum.errors += errors_.load(std::memory_order_relaxed);
  sum.retries += retries_.load(std::memory_order_relaxed);
  sum.abandoned += abandoned_.load(std::memory_order_relaxed);
}

void WorkerStats::drain_seconds_into(std::vector<SecondBin>& out) {
  std::vector<SecondBin> bins;
  {
    std::lock_guard lock(drain_mutex_);
    bins.swap(bins_);
  }
  for (auto& bin : bins) {
    auto at = std::find_if(out.begin(), out.end(), [&](const SecondBin& b) {
      return b.counts.second >= bin.counts.second;
    });
    if (at != out.end() && at->counts.second == bin.counts.second) {
      add_counts(at->counts, bin.counts);
      at->latency.merge(bin.latency);
    } else {
      out.insert(at, std::move(bin));  // its histogram moves, never copied
    }
  }
}

void WorkerStats::drain_into(OrderDrain& out) {
  std::lock_guard lock(drain_mutex_);
  append_moved(out.acknowledged, orders_.acknowledged);
  append_moved(out.evidence, orders_.evidence);
  append_moved(out.indeterminate_seqs, orders_.indeterminate_seqs);
}

void WorkerStats::merge_into(SwarmResult& result) {
  progress_into(result.counts);
  latency_.merge_into(result.latency, result.latency_uncorrected);
  for (unsigned code = 0; code < status_codes_.size(); ++code) {
    if (status_codes_[code] != 0) result.status_codes[code] += status_codes_[code];
  }
  if (first_send_unix_ns_ != 0) {
    result.first_send_unix_ns = result.first_send_unix_ns == 0
                                    ? first_send_unix_ns_
                                    : std::min(result.first_send_unix_ns, first_send_unix_ns_);
  }
  if (last_done_ != std::chrono::steady_clock::time_point{}) {
    result.last_done_unix_ns = std::max(result.last_done_unix_ns, unix_ns_of(last_done_));
  }
  drain_into(result.remaining);
  result.connections.merge(connections_);
  if (result.steps.size() < steps_.size()) result.steps.resize(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) result.steps[i].merge(steps_[i]);
  for (const auto& c : seconds_) add_counts(bin_for(result.seconds, c.second), c);
}

}  // namespace stampede::agent
