// The stock and ledger behind the checkout endpoints. Every call completes through a callback so
// that network stores (Redis, PostgreSQL) can answer later from their own threads; the memory
// store answers inline.
//
//   store.purchase({.product_id = 1, .quantity = 1, .user_id = "u-1", .endpoint = Endpoint::safe},
//                  [](PurchaseOutcome o) { if (o.status == PurchaseStatus::bought) ... });
//
// Contract for every implementation:
// - Thread-safe: any method may be called from any thread at any time.
// - A completion runs exactly once, either inline before the call returns or later on a thread
//   of the store's choosing; callers hop back to their own executor when they need it and never
//   hold a lock across a call.
// - string_views in arguments need only live for the call; the store copies what it keeps.
// - purchase() is the safe path: the stock check, the decrement and the ledger append happen as
//   one atomic step as far as any reader can tell (no oversell, no lost update, no lost order).
// - read_stock() + overwrite_stock_and_record() exist only for the buggy endpoint: together they
//   are a deliberate, non-atomic read-modify-write.
// - A network store that cannot answer says so as a value (store_error, or `failed` set); it
//   never throws. Calls still queued when a store is destroyed are dropped unanswered, so the
//   server destroys its store only after its sessions have drained.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "target/store/order.hpp"

namespace stampede::target {

template <class T>
using StoreCallback = std::function<void(T)>;

enum class PurchaseStatus : uint8_t { bought, sold_out, unknown_product, store_error };

struct PurchaseRequest {
  uint64_t product_id = 0;
  uint32_t quantity = 1;
  std::string_view user_id;
  std::string_view idempotency_key;
  Endpoint endpoint = Endpoint::safe;
  // The caller's I/O loop, run by one thread, when it has one: a store may do its network I/O
  // there and complete on it, instead of hopping to a store thread and back. Null: the store
  // completes on a thread of its choosing.
  const boost::asio::any_io_executor* loop = nullptr;
};

struct PurchaseOutcome {
  PurchaseStatus status = PurchaseStatus::store_error;
  std::string order_id;   // set when bought
  int64_t remaining = 0;  // stock after this purchase (or as seen when sold out)
};

struct StockReading {
  bool found = false;
  int64_t stock = 0;
  bool failed = false;  // the store did not answer
};

struct ProductSnapshot {
  bool found = false;
  uint64_t product_id = 0;
  int64_t initial_stock = 0;
  int64_t stock = 0;
  uint64_t orders = 0;
  uint64_t generation = 0;      // changes on every reset, so a paged ledger read can notice one
  int64_t pending_writes = -1;  // write-behind only: orders not yet in the ledger; -1: n/a
  bool failed = false;          // the store did not answer
};

struct OrdersPage {
  bool found = false;
  uint64_t generation = 0;
  std::vector<OrderRecord> orders;
  bool failed = false;  // the store did not answer
};

// A reading, snapshot or page that says "the store did not answer".
template <class T>
T store_failure() {
  T value;
  value.failed = true;
  return value;
}

class Store {
 public:
  virtual ~Store() = default;

  // The strategy name as design.md spells it ("memory-atomic", ...).
  virtual std::string_view strategy_name() const = 0;

  virtual void purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) = 0;

  // The buggy endpoint's two halves; see the contract above.
  virtual void read_stock(uint64_t product_id, StoreCallback<StockReading> done) = 0;
  virtual void overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                          StoreCallback<PurchaseOutcome> done) = 0;

  virtual void read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) = 0;
  virtual void read_products(StoreCallback<std::vector<ProductSnapshot>> done) = 0;

  // Up to max_count ledger entries starting at index first (append order).
  virtual void read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                           StoreCallback<OrdersPage> done) = 0;

  // Sets stock and initial stock, empties the ledger; creates the product when missing.
  virtual void reset_product(uint64_t product_id, int64_t stock,
                             StoreCallback<ProductSnapshot> done) = 0;
};

}  // namespace stampede::target
