// weigh_evidence: the remaining_* and false_sold_out figures, each over every sale once.
#include "coordinator/oracle/buyers_evidence.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace stampede::coordinator {
namespace {

// A sale whose answer named no stock left proves nothing either way (the report says how many).
std::vector<const Sale*> sales_with_remaining(const BuyersEvidence& e) {
  std::vector<const Sale*> out;
  out.reserve(e.sales.size());
  for (const Sale& s : e.sales) {
    if (s.remaining != kNoRemaining) out.push_back(&s);
  }
  return out;
}

// Beyond the first sale per value, like the ledger's duplicates: the figure then equals the
// updates lost, each lost update leaving two sales with one value.
int64_t remaining_duplicates(const BuyersEvidence& e, const std::vector<const Sale*>& sales,
                             std::vector<RemainingClash>& clashes) {
  std::unordered_map<int64_t, std::vector<const Sale*>> by_value;
  by_value.reserve(sales.size());
  for (const Sale* s : sales) by_value[s->remaining].push_back(s);
  int64_t duplicates = 0;
  std::vector<int64_t> clashing;
  for (const auto& [value, group] : by_value) {
    if (group.size() < 2) continue;
    duplicates += static_cast<int64_t>(group.size()) - 1;
    clashing.push_back(value);
  }
  // The highest first: the first values of the sale that two buyers were both told.
  std::sort(clashing.rbegin(), clashing.rend());
  if (clashing.size() > kClashesShown) clashing.resize(kClashesShown);
  for (int64_t value : clashing) {
    RemainingClash clash{value, {}};
    for (const Sale* s : by_value[value]) {
      if (clash.keys.size() == kClashKeysShown) break;
      clash.keys.push_back(e.key_prefixes.at(s->job) + "." + std::to_string(s->seq));
    }
    clashes.push_back(std::move(clash));
  }
  return duplicates;
}

// A sale sent after another sale's answer (by more than the tolerance) happened after it, so it
// must report less left. One sweep: sales in order of sending, beside the lowest value among
// the sales answered before each one was sent.
int64_t remaining_out_of_order(std::vector<const Sale*> sales, int64_t tolerance_us) {
  std::vector<const Sale*> by_done = sales;
  std::sort(sales.begin(), sales.end(),
            [](const Sale* a, const Sale* b) { return a->sent_us < b->sent_us; });
  std::sort(by_done.begin(), by_done.end(),
            [](const Sale* a, const Sale* b) { return a->done_us < b->done_us; });
  int64_t lowest = std::numeric_limits<int64_t>::max();
  size_t answered = 0;
  int64_t out_of_order = 0;
  for (const Sale* later : sales) {
    while (answered < by_done.size() &&
           by_done[answered]->done_us + tolerance_us < later->sent_us) {
      lowest = std::min(lowest, by_done[answered]->remaining);
      ++answered;
    }
    if (answered > 0 && later->remaining >= lowest) ++out_of_order;
  }
  return out_of_order;
}

// Sold out is false while stock was provably left: stock remained at the end, or some sale sent
// after the sold-out answer arrived (by more than the tolerance) still succeeded.
int64_t false_sold_out(const BuyersEvidence& e, std::optional<int64_t> final) {
  int64_t answers = 0;
  if (final && *final > 0) {
    for (const auto& [ms, n] : e.sold_out_by_ms) answers += static_cast<int64_t>(n);
    return answers;
  }
  int64_t last_sent = std::numeric_limits<int64_t>::min();
  for (const Sale& s : e.sales) last_sent = std::max(last_sent, s.sent_us);
  for (const auto& [ms, n] : e.sold_out_by_ms) {
    // The answer arrived at the latest by the end of its millisecond.
    if ((ms + 1) * 1000 + e.tolerance_us >= last_sent) break;
    answers += static_cast<int64_t>(n);
  }
  return answers;
}

}  // namespace

EvidenceFigures weigh_evidence(const BuyersEvidence& e, std::optional<int64_t> initial,
                               std::optional<int64_t> final) {
  EvidenceFigures f;
  f.false_sold_out = false_sold_out(e, final);
  if (!e.remaining_read) return f;
  const auto sales = sales_with_remaining(e);
  f.remaining_duplicates = remaining_duplicates(e, sales, f.clashes);
  f.remaining_out_of_order = remaining_out_of_order(sales, e.tolerance_us);
  if (initial) {
    const int64_t S = *initial;
    f.remaining_out_of_range = std::count_if(sales.begin(), sales.end(), [S](const Sale* s) {
      return s->remaining < 0 || s->remaining > S - 1;
    });
  }
  return f;
}

}  // namespace stampede::coordinator
