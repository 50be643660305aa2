// Streams a product's ledger as NDJSON, one page of the store at a time, so a ledger of
// millions of orders is never one string in memory.
//
//   auto body = std::make_unique<OrdersStream>(store, 1, snapshot.orders, snapshot.generation);
//
// The stream covers the orders that existed when it was made (the ledger only grows between
// resets); if a reset happens mid-stream it fails, and the session cuts the connection so the
// client sees a truncated body rather than a mix of two ledgers.
#pragma once

#include <cstdint>
#include <string>

#include "target/http.hpp"

namespace stampede::target {

class Store;
struct OrderRecord;

class OrdersStream final : public ChunkSource {
 public:
  static constexpr uint32_t kPageOrders = 1024;

  // store must outlive the stream (it is one of the server's long-lived services).
  OrdersStream(Store& store, uint64_t product_id, uint64_t order_count, uint64_t generation);

  void next(std::function<void(Chunk)> done) override;

 private:
  Store& store_;
  const uint64_t product_id_;
  const uint64_t end_;
  const uint64_t generation_;
  uint64_t next_ = 0;
  std::string buffer_;  // reused for every page
};

// Appends one NDJSON line for an order (with the trailing newline).
void append_order_line(std::string& out, const OrderRecord& order);

}  // namespace stampede::target
