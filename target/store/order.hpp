// An order as the ledger records it, and the checkout endpoints that create orders.
// Shared by the stores, the API and the metrics, so it depends on nothing else in target/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stampede::target {

enum class Endpoint : uint8_t { buggy, unstable, safe };
inline constexpr size_t kEndpointCount = 3;

constexpr std::string_view endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::buggy:
      return "buggy";
    case Endpoint::unstable:
      return "unstable";
    case Endpoint::safe:
      return "safe";
  }
  return "unknown";
}

// What a request to an endpoint does: buy outright, or reserve and later confirm (journeys).
enum class StockAction : uint8_t { checkout, reserve, confirm };

// The inverse of endpoint_name, for ledgers read back from a network store.
inline bool parse_endpoint_name(std::string_view name, Endpoint& out) {
  for (Endpoint e : {Endpoint::buggy, Endpoint::unstable, Endpoint::safe}) {
    if (endpoint_name(e) == name) {
      out = e;
      return true;
    }
  }
  return false;
}

// The reservation an order was confirmed from, with its times in Unix milliseconds; an empty id
// for an order bought outright. The oracle compares confirmed_ms with expires_ms.
struct HoldRecord {
  std::string reservation_id;
  int64_t placed_ms = 0;
  int64_t expires_ms = 0;
  int64_t confirmed_ms = 0;
};

struct OrderRecord {
  std::string order_id;
  std::string idempotency_key;  // "" when the request carried none
  Endpoint endpoint = Endpoint::safe;
  std::string user_id;
  HoldRecord hold{};
};

// "o-<n>": unique for the life of the process (not across restarts; the memory ledger does not
// survive one either). Thread-safe.
std::string next_order_id();

// "r<product>-<number>": the product is in the id, so a confirm finds its hold's product
// without a second index, on every store. The Redis store's Lua builds the same shape.
std::string reservation_id(uint64_t product_id, uint64_t number);
bool parse_reservation_id(std::string_view id, uint64_t& product_id, uint64_t& number);

}  // namespace stampede::target
