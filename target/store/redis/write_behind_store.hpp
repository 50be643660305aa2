// redis-lua-writebehind: Redis decides every purchase with the redis-lua script and the answer
// goes out at once; a LedgerWriter records each order in PostgreSQL afterwards. The ledger
// route reads PostgreSQL, and the product route adds pending_writes (orders not yet there), so
// reconciliation can wait for 0.
//
//   auto store = WriteBehindStore::open(redis_settings, postgres_settings);
//
// Thread-safe. Stock and initial stock come from Redis, the order count and the ledger from
// PostgreSQL. A reset runs on PostgreSQL first (which assigns the new generation) and then on
// Redis with that generation, so the writer can tell old orders from new ones.
#pragma once

#include <memory>

#include "common/expected.hpp"
#include "target/store/postgres/postgres_store.hpp"
#include "target/store/redis/ledger_writer.hpp"
#include "target/store/redis/redis_store.hpp"

namespace stampede::target {

class WriteBehindStore final : public Store {
 public:
  static Expected<std::unique_ptr<WriteBehindStore>> open(const RedisSettings& redis,
                                                          const PostgresSettings& ledger);
  ~WriteBehindStore() override;

  std::string_view strategy_name() const override { return "redis-lua-writebehind"; }
  void purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) override;
  void read_stock(uint64_t product_id, StoreCallback<StockReading> done) override;
  void overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                  StoreCallback<PurchaseOutcome> done) override;
  void read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) override;
  void read_products(StoreCallback<std::vector<ProductSnapshot>> done) override;
  void read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                   StoreCallback<OrdersPage> done) override;
  void reset_product(uint64_t product_id, int64_t stock,
                     StoreCallback<ProductSnapshot> done) override;

 private:
  WriteBehindStore() = default;

  // Declared in the order they must be built; the destructor takes Redis down first so nothing
  // enqueues while the writer drains.
  std::unique_ptr<PostgresStore> ledger_;
  std::unique_ptr<LedgerWriter> writer_;
  std::unique_ptr<RedisStore> redis_;
};

}  // namespace stampede::target
