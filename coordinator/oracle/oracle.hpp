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

#include "coordinator/oracle/ledger.hpp"

namespace stampede::coordinator {

struct OracleInput {
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
  bool integrity_ok = true;
  std::vector<std::string> checks_skipped;  // figures the oracle could not compute
};

Verdict reconcile(const OracleInput& input);

}  // namespace stampede::coordinator
