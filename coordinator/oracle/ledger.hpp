// The target's ledger as the oracle reads it: one order per NDJSON line (design.md).
//
//   auto orders = parse_ledger_ndjson(body);  // Expected<std::vector<LedgerOrder>>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace stampede::coordinator {

struct LedgerOrder {
  std::string order_id;
  std::string idempotency_key;
  std::string endpoint;
  std::string user_id;
  // An order confirmed from a reservation: the hold's id and times (Unix ms); else empty, 0.
  std::string reservation_id{};
  int64_t expires_at_ms = 0;
  int64_t confirmed_at_ms = 0;
};

// A target's reservations at the end of a phase, as its product route counts them.
struct HoldFigures {
  int64_t held = 0;  // units in holds still open
  int64_t placed = 0, confirmed = 0, expired = 0, open = 0;
};

// Readings of the product route taken while a phase ran: at every one, held + sold must not
// exceed the stock the phase began with.
struct StockSamples {
  int64_t taken = 0;
  int64_t over_stock = 0;  // readings where held + sold > S
};

// Blank lines are skipped; a line that is not an object with a string order_id is an error
// naming the line, since a ledger the oracle cannot read must not pass as clean.
Expected<std::vector<LedgerOrder>> parse_ledger_ndjson(std::string_view body);

}  // namespace stampede::coordinator
