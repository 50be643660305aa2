// The ledger NDJSON reader on arbitrary bytes, as a target's GET .../orders could send them:
// never a crash, and an accepted ledger has one order per non-blank line, each with an id.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coordinator/oracle/ledger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto orders = stampede::coordinator::parse_ledger_ndjson(text);
  if (!orders) {
    if (orders.error().empty()) abort();  // a refusal always says why
    return 0;
  }
  size_t lines = 0;
  for (size_t at = 0; at <= text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    if (text.substr(at, end - at).find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
    at = end + 1;
  }
  if (orders->size() > lines) abort();
  return 0;
}
