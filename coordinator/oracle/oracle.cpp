// design.md's oracle table, figure by figure. Sets, not sums: a figure counts distinct orders
// so that one bad order is never counted twice under the same heading.
#include "coordinator/oracle/oracle.hpp"

#include <algorithm>
#include <string_view>

namespace stampede::coordinator {
namespace {

constexpr const char* kEveryCheck[] = {"oversold",
                                       "lost_updates",
                                       "lost_acks",
                                       "phantoms",
                                       "duplicates",
                                       "recovered",
                                       "negative_stock",
                                       "remaining_duplicates",
                                       "remaining_out_of_range",
                                       "remaining_out_of_order",
                                       "false_sold_out",
                                       "duplicate_order_ids",
                                       "unseen_sales",
                                       "over_limit_users",
                                       "over_limit_orders",
                                       "confirmed_after_expiry",
                                       "over_stock_samples"};

bool under_lost_prefix(const OracleInput& in, const std::string& key) {
  for (const auto& p : in.indeterminate_prefixes) {
    if (key.size() > p.size() && key.compare(0, p.size(), p) == 0 && key[p.size()] == '.')
      return true;
  }
  return false;
}

// lost_updates, lost_acks, phantoms, duplicates and recovered, against the target's ledger.
void ledger_checks(const OracleInput& in, const std::unordered_set<std::string_view>& acked_orders,
                   Verdict& v) {
  const auto& L = *in.ledger;
  const int64_t S = in.initial_stock;
  v.ledger_orders = static_cast<int64_t>(L.size());
  v.oversold = std::max(v.oversold, std::max<int64_t>(0, v.ledger_orders - S));
  if (in.final_stock) {
    const int64_t held = in.holds ? in.holds->held : 0;
    v.lost_updates = v.ledger_orders + held - (S - *in.final_stock);
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
                         (!acked && under_lost_prefix(in, order.idempotency_key));
    if (unknown) recovered_keys.insert(order.idempotency_key);
    if (!acked && !unknown) ++v.phantoms;
  }
  if (in.order_ids) {
    for (const auto& id : acked_orders) {
      if (!ledger_ids.count(id)) ++v.lost_acks;
    }
  } else {
    v.checks_skipped.emplace_back("lost_acks");
  }
  for (const auto& [key, n] : per_key) v.duplicates += n - 1;
  v.recovered = static_cast<int64_t>(recovered_keys.size());
}

// The buyers' evidence: what the answers prove without a ledger.
void buyer_checks(const OracleInput& in, int64_t sales, Verdict& v) {
  const auto f = weigh_evidence(in.evidence, in.initial_stock, in.final_stock);
  v.remaining_duplicates = f.remaining_duplicates;
  v.remaining_out_of_range = f.remaining_out_of_range;
  v.remaining_out_of_order = f.remaining_out_of_order;
  v.false_sold_out = f.false_sold_out;
  if (in.holds && in.holds->expired > 0) {
    // An expired hold gave stock back after sold-out answers that were true while it was held:
    // neither stock left at the end nor a later sale proves those answers false.
    v.false_sold_out.reset();
    v.checks_skipped.emplace_back("false_sold_out");
  }
  v.remaining_clashes = f.clashes;
  v.clock_tolerance_ms = static_cast<double>(in.evidence.tolerance_us) / 1000.0;
  if (!in.evidence.remaining_read) {
    for (const char* c :
         {"remaining_duplicates", "remaining_out_of_range", "remaining_out_of_order"})
      v.checks_skipped.emplace_back(c);
  }
  if (in.final_stock) {
    v.unseen_sales = std::max<int64_t>(0, sales - (in.initial_stock - *in.final_stock));
  } else {
    v.checks_skipped.emplace_back("unseen_sales");
  }
}

// The buyers' limit and the holds' times, from the ledger's own lines.
void promise_checks(const OracleInput& in, Verdict& v) {
  if (in.per_user_limit > 0) {
    if (!in.ledger) {
      // The agents' sales carry no user ids, so only a ledger can say who bought what.
      v.checks_skipped.emplace_back("over_limit_users");
      v.checks_skipped.emplace_back("over_limit_orders");
    } else {
      std::unordered_map<std::string_view, int64_t> per_user;
      for (const auto& order : *in.ledger) ++per_user[order.user_id];
      int64_t users = 0, orders = 0;
      for (const auto& [user, n] : per_user) {
        if (n <= in.per_user_limit) continue;
        ++users;
        orders += n - in.per_user_limit;
      }
      v.over_limit_users = users;
      v.over_limit_orders = orders;
    }
  }
  if (in.ledger) {
    bool holds = false;
    int64_t late = 0;
    for (const auto& order : *in.ledger) {
      if (order.reservation_id.empty()) continue;
      holds = true;
      if (order.confirmed_at_ms > order.expires_at_ms) ++late;
    }
    if (holds) v.confirmed_after_expiry = late;
  }
  // Stock held and sold never exceed the stock, at any instant the route was read.
  if (in.samples) v.over_stock_samples = in.samples->over_stock;
}

bool clean(const std::optional<int64_t>& figure) {
  return !figure || *figure == 0;
}

}  // namespace

const char* integrity_word(const Verdict& v) {
  if (!v.integrity_ok) return "violated";
  return v.checked ? "ok" : "unchecked";
}

Verdict nothing_checked() {
  Verdict v;
  v.checked = false;
  v.checks_skipped.assign(std::begin(kEveryCheck), std::end(kEveryCheck));
  return v;
}

Verdict reconcile(const OracleInput& in) {
  if (in.plain_load) return nothing_checked();
  Verdict v;
  const int64_t S = in.initial_stock;
  const auto sales = static_cast<int64_t>(in.acknowledged.size());

  // Views into `in`, which outlives this call: a million-order run would otherwise hold every
  // order id twice more while it is reconciled.
  std::unordered_set<std::string_view> acked_orders;
  if (in.order_ids) {
    acked_orders.reserve(in.acknowledged.size());
    for (const auto& [key, order_id] : in.acknowledged) acked_orders.insert(order_id);
    const auto A = static_cast<int64_t>(acked_orders.size());
    v.oversold = std::max<int64_t>(0, A - S);
    v.duplicate_order_ids = sales - A;
  } else {
    v.oversold = std::max<int64_t>(0, sales - S);
    v.checks_skipped.emplace_back("duplicate_order_ids");
  }

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
    ledger_checks(in, acked_orders, v);
  }
  buyer_checks(in, sales, v);
  promise_checks(in, v);
  v.holds = in.holds;

  v.integrity_ok = v.oversold == 0 && v.lost_updates == 0 && v.lost_acks == 0 && v.phantoms == 0 &&
                   v.duplicates == 0 && !v.negative_stock;
  for (const auto& f : kOptionalFigures) v.integrity_ok = v.integrity_ok && clean(v.*f.field);
  return v;
}

}  // namespace stampede::coordinator
