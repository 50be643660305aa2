// The target's ledger as the oracle reads it: one order per NDJSON line (design.md).
//
//   auto orders = parse_ledger_ndjson(body);  // Expected<std::vector<LedgerOrder>>
#pragma once

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
};

// Blank lines are skipped; a line that is not an object with a string order_id is an error
// naming the line, since a ledger the oracle cannot read must not pass as clean.
Expected<std::vector<LedgerOrder>> parse_ledger_ndjson(std::string_view body);

}  // namespace stampede::coordinator
