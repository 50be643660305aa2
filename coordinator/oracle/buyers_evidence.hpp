// The buyers' own evidence (design.md): what the sales' answers alone prove about the stock
// counter, with no ledger. On a linearizable counter the stock each sale reports left is
// unique, lies in [0, S - 1], and falls in the order the sales happened; and no buyer is told
// sold out while a later buyer still gets one.
//
//   BuyersEvidence e;
//   e.sales.push_back({.sent_us = 0, .done_us = 900, .remaining = 41});
//   e.sold_out_by_ms[12] = 3;          // three sold-out answers in millisecond 12
//   EvidenceFigures f = weigh_evidence(e, /*S=*/42, /*F=*/0);
//
// Times are µs since the phase's instant in the coordinator's clock: agents convert with their
// clock offset, whose error tolerance_us absorbs. Pure, so each figure has a unit test.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/remaining.hpp"

namespace stampede::coordinator {

struct Sale {
  int64_t sent_us = 0;  // the attempt's first send: the earliest its sale can have happened
  int64_t done_us = 0;  // its answer: the latest
  int64_t remaining = kNoRemaining;
  uint32_t job = 0;  // index into BuyersEvidence::key_prefixes
  uint64_t seq = 0;  // the attempt: its idempotency key is "<prefix>.<seq>"
};

struct BuyersEvidence {
  std::vector<Sale> sales;
  // Sold-out answers by the last ms of their bucket (common/sold_out_buckets.hpp).
  std::map<int64_t, uint64_t> sold_out_by_ms;
  std::vector<std::string> key_prefixes;
  int64_t tolerance_us = 0;     // how far two agents' times may be off from each other
  bool remaining_read = false;  // the run named a remaining field
};

// A remaining value more than one sale reported: a lost update the buyers can prove.
struct RemainingClash {
  int64_t remaining = 0;
  std::vector<std::string> keys;  // the sales' idempotency keys (the first few)
};

struct EvidenceFigures {
  // Absent where the check could not be made (no remaining field, no stock figure).
  std::optional<int64_t> remaining_duplicates;
  std::optional<int64_t> remaining_out_of_range;
  std::optional<int64_t> remaining_out_of_order;
  std::optional<int64_t> false_sold_out;
  std::vector<RemainingClash> clashes;  // the highest clashing values first, a few
};

inline constexpr size_t kClashesShown = 5;
inline constexpr size_t kClashKeysShown = 4;

// initial: S, the stock before; final: F, after (absent when either was not read).
EvidenceFigures weigh_evidence(const BuyersEvidence& evidence, std::optional<int64_t> initial,
                               std::optional<int64_t> final);

}  // namespace stampede::coordinator
