// The PostgreSQL store: stock in products, the ledger in orders, two strategies for the safe
// path (postgres-row-lock, postgres-conditional; see pg_purchase.cpp).
//
//   auto store = PostgresStore::open({.conninfo = "postgresql://127.0.0.1/stampede"});
//   if (!store) { std::cerr << store.error(); return 3; }
//
// Thread-safe. Calls are queued to a small pool of store threads, each with its own connection;
// completions run on those threads. A call that gets no answer completes with store_error (or
// `failed`); the connection reconnects on the next call.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "target/store/owned_purchase.hpp"
#include "target/store/postgres/pg_connection.hpp"
#include "target/store/store.hpp"
#include "target/store/store_thread_pool.hpp"

namespace stampede::target {

enum class PostgresStrategy : uint8_t {
  row_lock,     // "postgres-row-lock": SELECT ... FOR UPDATE, then UPDATE + INSERT
  conditional,  // "postgres-conditional": one UPDATE ... WHERE stock >= q, then INSERT
};

struct PostgresSettings {
  std::string conninfo;
  PostgresStrategy strategy = PostgresStrategy::conditional;
  unsigned connections = 8;
  size_t queue_capacity = 8192;
};

class PostgresStore final : public Store {
 public:
  // Connects, creates the schema when missing; an unreachable server is an error here.
  static Expected<std::unique_ptr<PostgresStore>> open(const PostgresSettings& settings);

  std::string_view strategy_name() const override;
  void purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) override;
  void read_stock(uint64_t product_id, StoreCallback<StockReading> done) override;
  void overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                  StoreCallback<PurchaseOutcome> done) override;
  void read_stock_for_user(uint64_t product_id, std::string_view user_id,
                           StoreCallback<StockReading> done) override;
  bool supports_holds() const override { return true; }
  void place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) override;
  void read_hold(std::string_view reservation_id, StoreCallback<HoldReading> done) override;
  void confirm_hold(const ConfirmRequest& request, StoreCallback<PurchaseOutcome> done) override;
  void read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) override;
  void read_products(StoreCallback<std::vector<ProductSnapshot>> done) override;
  void read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                   StoreCallback<OrdersPage> done) override;
  void reset_product(uint64_t product_id, int64_t stock,
                     StoreCallback<ProductSnapshot> done) override;

 private:
  PostgresStore(const PostgresSettings& settings,
                std::vector<std::unique_ptr<PgConnection>> connections);

  const PostgresSettings settings_;
  StoreThreadPool<PgConnection> pool_;
};

// The transactions themselves, also used by the write-behind store (pg_purchase.cpp and
// pg_ledger.cpp). Each runs on the caller's connection and leaves no transaction open.
PurchaseOutcome pg_purchase(PgConnection& pg, PostgresStrategy strategy, const OwnedPurchase& p);
PurchaseOutcome pg_overwrite_and_record(PgConnection& pg, const OwnedPurchase& p,
                                        int64_t new_stock);
ProductSnapshot pg_snapshot(PgConnection& pg, uint64_t product_id);
std::vector<ProductSnapshot> pg_snapshots(PgConnection& pg);
OrdersPage pg_orders_page(PgConnection& pg, uint64_t product_id, uint64_t first,
                          uint32_t max_count);
// Sets stock and initial stock, empties the ledger and bumps the generation; the snapshot after.
ProductSnapshot pg_reset(PgConnection& pg, uint64_t product_id, int64_t stock);
// The order a key already has on a product's ledger (a retry whose first commit went
// unanswered); nullopt when there is none or the read failed (retry says whether to run again).
std::optional<std::string> pg_prior_order(PgConnection& pg, uint64_t product_id,
                                          const std::string& key, bool& retry);

// Limits and holds (pg_holds.cpp). Every change to a product's holds or units first locks its
// row, so they are serialized per product and never deadlock with each other.
struct PgTake {
  PurchaseStatus status = PurchaseStatus::store_error;
  int64_t remaining = 0;
  bool retry = false;
};
// BEGIN, lock the product, expire its due holds, check the stock and the user's limit, take the
// units. bought leaves the transaction open for the caller to record and commit; any other
// status has rolled back.
PgTake pg_begin_take(PgConnection& pg, const OwnedPurchase& p);
// Buggy's half of it: BEGIN, write the stock computed from an earlier read whatever happened
// since, and count the user's units (never check them: buggy checked on its read). bought
// leaves the transaction open, as above.
PgTake pg_begin_blind_take(PgConnection& pg, const OwnedPurchase& p, int64_t new_stock);
HoldOutcome pg_place_hold(PgConnection& pg, const OwnedPurchase& p, int64_t ttl_ms, bool blind,
                          int64_t new_stock);
PurchaseOutcome pg_confirm_hold(PgConnection& pg, const ConfirmRequest& request,
                                uint64_t product_id, uint64_t number);
HoldReading pg_read_hold(PgConnection& pg, uint64_t product_id, uint64_t number);
StockReading pg_stock_for_user(PgConnection& pg, uint64_t product_id, const std::string& user);
// Expires the due holds of one product (every product: product_id 0) in their own
// transactions; readers call it first so they see the stock expiry gave back.
bool pg_expire_due(PgConnection& pg, uint64_t product_id);

}  // namespace stampede::target
