// Differential fuzzing of the agent's order-id fast path against boost::json: bytes as a
// response body; wherever scan_order_id() answers (found or absent), parse_order_id() (the full
// parser) must say the same, or the agent would count an order boost::json would not (or miss one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/engine/order_id_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string id;
  const auto scanned = stampede::agent::scan_order_id(body, "order_id", id);
  if (scanned == stampede::agent::OrderIdScan::unsure) return 0;

  std::string reference;
  if (!stampede::agent::parse_order_id(body, "order_id", reference)) reference.clear();
  const bool found = scanned == stampede::agent::OrderIdScan::found;
  if (found != !reference.empty() || (found && id != reference)) std::abort();
  return 0;
}
