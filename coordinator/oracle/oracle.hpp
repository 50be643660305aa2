// The integrity oracle: reconciles what the agents saw with the stock and the target's ledger
// and computes every figure of design.md's table. Pure, so each invariant has a unit test.
//
//   OracleInput in{.initial_stock = 100, .final_stock = 0, .ledger = orders};
//   in.acknowledged["run.a0.7"] = "o-7";
//   Verdict v = reconcile(in);  // v.integrity_ok, v.oversold, ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "coordinator/oracle/buyers_evidence.hpp"
#include "coordinator/oracle/ledger.hpp"

namespace stampede::coordinator {

struct OracleInput {
  // No stock source and no ledger: a plain load test, where no check can be made.
  bool plain_load = false;
  bool order_ids = true;               // false: sales carry no ids (--order-id-field none)
  uint32_t per_user_limit = 0;         // units a user id may get; 0: not checked
  int64_t initial_stock = 0;           // S: set (or read) before the run
  std::optional<int64_t> final_stock;  // F: read after; absent when it could not be read
  std::optional<std::vector<LedgerOrder>> ledger;  // L: absent when the target offers none
  // Every attempt that did not end in fail, by idempotency key. An attempt key not here was
  // either a definite no or never sent; either way a ledger order for it is a phantom.
  std::unordered_map<std::string, std::string> acknowledged;  // key -> order id
  std::unordered_set<std::string> indeterminate;              // keys
  // Key prefixes of agents lost mid-run: whatever they sent after their last report is unknown,
  // so a ledger order under such a prefix is indeterminate, never a phantom.
  std::vector<std::string> indeterminate_prefixes;
  BuyersEvidence evidence;  // the sales' own answers
  // Holds still open at the end keep their stock out of F without an order: the stock's
  // account is then S = F + held + sold.
  std::optional<HoldFigures> holds;
  // The product route read while the phase ran, where it reports held and sold units.
  std::optional<StockSamples> samples;
};

struct Verdict {
  int64_t ledger_orders = 0;
  int64_t oversold = 0;
  int64_t lost_updates = 0;  // |L| - (S - F); negative when stock fell without orders
  int64_t lost_acks = 0;
  int64_t phantoms = 0;
  int64_t duplicates = 0;
  int64_t recovered = 0;
  bool negative_stock = false;
  // The buyers' evidence and the id checks: absent where skipped (named in checks_skipped).
  std::optional<int64_t> remaining_duplicates;
  std::optional<int64_t> remaining_out_of_range;
  std::optional<int64_t> remaining_out_of_order;
  std::optional<int64_t> false_sold_out;
  std::optional<int64_t> duplicate_order_ids;
  std::optional<int64_t> unseen_sales;
  std::optional<int64_t> over_limit_users;        // buyers with more than the limit
  std::optional<int64_t> over_limit_orders;       // their orders beyond it
  std::optional<int64_t> confirmed_after_expiry;  // orders confirmed after their hold expired
  std::optional<int64_t> over_stock_samples;      // readings mid-run where held + sold > S
  std::optional<double>
      clock_tolerance_ms;  // what remaining_out_of_order and false_sold_out allowed
  std::vector<RemainingClash> remaining_clashes;  // the evidence behind remaining_duplicates
  std::optional<HoldFigures> holds;               // a target with reservations
  bool checked = true;                            // false: a plain load test, integrity "unchecked"
  bool integrity_ok = true;                       // no check failed (also true when unchecked)
  std::vector<std::string> checks_skipped;        // figures the oracle could not compute
};

// The figures a run may skip, in design.md's order: each is its report key, its table column
// and its metric, present when the check was made.
struct OptionalFigure {
  const char* key;
  std::optional<int64_t> Verdict::*field;
};
inline constexpr OptionalFigure kOptionalFigures[] = {
    {"remaining_duplicates", &Verdict::remaining_duplicates},
    {"remaining_out_of_range", &Verdict::remaining_out_of_range},
    {"remaining_out_of_order", &Verdict::remaining_out_of_order},
    {"false_sold_out", &Verdict::false_sold_out},
    {"duplicate_order_ids", &Verdict::duplicate_order_ids},
    {"unseen_sales", &Verdict::unseen_sales},
    {"over_limit_users", &Verdict::over_limit_users},
    {"over_limit_orders", &Verdict::over_limit_orders},
    {"confirmed_after_expiry", &Verdict::confirmed_after_expiry},
    {"over_stock_samples", &Verdict::over_stock_samples},
};

// "ok", "violated" or "unchecked", as the report and the table say it.
const char* integrity_word(const Verdict& v);

Verdict reconcile(const OracleInput& input);

// The verdict where no check could be made: unchecked, with every check named as skipped.
Verdict nothing_checked();

}  // namespace stampede::coordinator
