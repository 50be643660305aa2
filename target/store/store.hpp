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
// - place_hold() and confirm_hold() are the reservation routes (journeys): a hold takes stock
//   for a while and gives it back when it expires unless confirmed first. A store without
//   holds answers `unsupported` (the routes then say 501). With blind set (buggy), confirm
//   skips the expiry check and the hold writes a stock value computed from a stale read.
// - A purchase or hold with per_user_limit above 0 refuses a user's units beyond it
//   (limit_reached) in the same atomic step, except for buggy's blind writes.
// - A network store that cannot answer says so as a value (store_error, or `failed` set); it
//   never throws. Calls still queued when a store is destroyed are dropped unanswered, so the
//   server destroys its store only after its sessions have drained.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "target/store/order.hpp"

namespace stampede::target {

template <class T>
using StoreCallback = std::function<void(T)>;

enum class PurchaseStatus : uint8_t {
  bought,
  sold_out,
  unknown_product,
  store_error,
  limit_reached,        // the user already has per_user_limit units (held or bought)
  expired,              // confirm: the hold expired first and its stock went back
  unknown_reservation,  // confirm: no such hold
  already_confirmed,    // confirm: the hold became an order before
  unsupported,          // this store keeps no holds
};

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
  uint32_t per_user_limit = 0;  // 0: no limit
};

// Reserve: hold quantity units for ttl. Buggy (blind) writes new_stock instead of deciding.
struct HoldRequest {
  PurchaseRequest purchase;
  std::chrono::milliseconds ttl{0};
  bool blind = false;
  int64_t new_stock = 0;  // blind only
};

struct HoldOutcome {
  PurchaseStatus status = PurchaseStatus::store_error;  // bought here means held
  std::string reservation_id{};
  int64_t expires_ms = 0;  // Unix milliseconds
  int64_t remaining = 0;   // stock left for others after this hold
};

struct ConfirmRequest {
  std::string_view reservation_id;
  std::string_view idempotency_key;
  Endpoint endpoint = Endpoint::safe;
  bool blind = false;  // buggy: confirm whatever the hold's state
};

// What a confirm needs to know of a hold before it acts (buggy reads first, then acts).
struct HoldReading {
  bool found = false;
  bool open = false;  // neither confirmed nor expired
  int64_t expires_ms = 0;
  bool failed = false;
};

// Counts of a product's holds since its last reset.
struct HoldCounts {
  uint64_t placed = 0;
  uint64_t confirmed = 0;
  uint64_t expired = 0;
  uint64_t open = 0;
};

struct PurchaseOutcome {
  PurchaseStatus status = PurchaseStatus::store_error;
  std::string order_id;     // set when bought
  int64_t remaining = 0;    // stock after this purchase (or as seen when sold out)
  uint64_t product_id = 0;  // confirm_hold: the hold's product
};

struct StockReading {
  bool found = false;
  int64_t stock = 0;
  bool failed = false;     // the store did not answer
  int64_t user_units = 0;  // read_stock_for_user: the user's units, held or bought
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
  int64_t held = -1;            // units in open holds; -1: the store keeps no holds
  HoldCounts holds{};
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

  // Buggy's reads for a per-user limit and for holds: the stock and the user's units.
  virtual void read_stock_for_user(uint64_t product_id, std::string_view user_id,
                                   StoreCallback<StockReading> done) {
    done(store_failure<StockReading>());
  }

  // Reservations; a store that keeps none answers unsupported (the default).
  virtual bool supports_holds() const { return false; }
  virtual void place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) {
    HoldOutcome out;
    out.status = PurchaseStatus::unsupported;
    done(std::move(out));
  }
  virtual void read_hold(std::string_view reservation_id, StoreCallback<HoldReading> done) {
    done(store_failure<HoldReading>());
  }
  // bought with the order, or expired, unknown_reservation, already_confirmed.
  virtual void confirm_hold(const ConfirmRequest& request, StoreCallback<PurchaseOutcome> done) {
    done(PurchaseOutcome{PurchaseStatus::unsupported, {}, 0});
  }

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
