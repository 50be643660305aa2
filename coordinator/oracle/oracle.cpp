// design.md's oracle table, figure by figure. Sets, not sums: a figure counts distinct orders
// so that one bad order is never counted twice under the same heading.
#include "coordinator/oracle/oracle.hpp"

#include <algorithm>
#include <string_view>

namespace stampede::coordinator {

Verdict reconcile(const OracleInput& in) {
  auto under_lost_prefix = [&](const std::string& key) {
    for (const auto& p : in.indeterminate_prefixes) {
      if (key.size() > p.size() && key.compare(0, p.size(), p) == 0 && key[p.size()] == '.')
        return true;
    }
    return false;
  };
  Verdict v;
  const int64_t S = in.initial_stock;

  // Views into `in`, which outlives this call: a million-order run would otherwise hold every
  // order id twice more while it is reconciled.
  std::unordered_set<std::string_view> acked_orders;
  acked_orders.reserve(in.acknowledged.size());
  for (const auto& [key, order_id] : in.acknowledged) acked_orders.insert(order_id);
  const auto A = static_cast<int64_t>(acked_orders.size());
  v.oversold = std::max<int64_t>(0, A - S);

  if (in.final_stock) {
    v.negative_stock = *in.final_stock < 0;
  } else {
    v.checks_skipped.push_back("negative_stock");
  }

  if (!in.ledger) {
    for (const char* c : {"lost_updates", "lost_acks", "phantoms", "duplicates", "recovered",
                          "oversold_by_ledger"}) {
      v.checks_skipped.emplace_back(c);
    }
  } else {
    const auto& L = *in.ledger;
    v.ledger_orders = static_cast<int64_t>(L.size());
    v.oversold = std::max(v.oversold, std::max<int64_t>(0, v.ledger_orders - S));
    if (in.final_stock) {
      v.lost_updates = v.ledger_orders - (S - *in.final_stock);
    } else {
      v.checks_skipped.emplace_back("lost_updates");
    }

    std::unordered_set<std::string_view> ledger_ids;
    std::unordered_map<std::string_view, int64_t> per_key;
    std::unordered_set<std::string_view> recovered_keys;
    ledger_ids.reserve(L.size());
    for (const auto& order : L) {
      ledger_ids.insert(order.order_id);
      if (!order.idempotency_key.empty()) ++per_key[order.idempotency_key];
      const bool acked = in.acknowledged.count(order.idempotency_key) > 0;
      const bool unknown = in.indeterminate.count(order.idempotency_key) > 0 ||
                           (!acked && under_lost_prefix(order.idempotency_key));
      if (unknown) recovered_keys.insert(order.idempotency_key);
      if (!acked && !unknown) ++v.phantoms;
    }
    for (const auto& id : acked_orders) {
      if (!ledger_ids.count(id)) ++v.lost_acks;
    }
    for (const auto& [key, n] : per_key) v.duplicates += n - 1;
    v.recovered = static_cast<int64_t>(recovered_keys.size());
  }

  v.integrity_ok = v.oversold == 0 && v.lost_updates == 0 && v.lost_acks == 0 && v.phantoms == 0 &&
                   v.duplicates == 0 && !v.negative_stock;
  return v;
}

}  // namespace stampede::coordinator
