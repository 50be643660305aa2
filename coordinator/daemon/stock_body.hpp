// What a stock route answers, read from its body: the stock under the run's field and, where the
// lab's product route reports them, the units held and sold, the holds and writes still queued.
// One reader for the phase's start, its live readings and its end, and a fuzz target's input.
//
//   auto body = parse_stock_body(reply.body, "stock", url);  // an error names the url and field
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "coordinator/oracle/ledger.hpp"

namespace stampede::coordinator {

struct StockBody {
  int64_t stock = 0;
  std::optional<HoldFigures> holds{};  // with the units in open holds (held)
  std::optional<int64_t> sold{};       // the ledger's length ("orders"), given beside the holds
  std::optional<int64_t> pending_writes{};  // write-behind: orders not yet in the ledger
};

// A JSON object with a whole-number stock field; every figure the lab adds must be one too.
Expected<StockBody> parse_stock_body(std::string_view body, const std::string& field,
                                     const std::string& url);

}  // namespace stampede::coordinator
