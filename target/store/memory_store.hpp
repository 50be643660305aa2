// The in-process store: stock and ledgers in memory, two strategies for the safe path.
//
//   MemoryStore store(MemoryStrategy::atomic_cas);
//   store.reset_product(1, 100, [](ProductSnapshot) {});
//
// Thread-safe; every completion runs inline, before the call returns.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "target/store/store.hpp"

namespace stampede::target {

enum class MemoryStrategy : uint8_t {
  atomic_cas,  // "memory-atomic": lock-free compare-and-swap on the stock counter
  mutex,       // "memory-mutex": one lock around check, decrement and ledger append
};

std::optional<MemoryStrategy> parse_memory_strategy(std::string_view name);

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(MemoryStrategy strategy);

  std::string_view strategy_name() const override;
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
  struct Product {
    std::atomic<int64_t> stock{0};
    // Guards everything below; under the mutex strategy it also makes check-decrement-append
    // one critical section.
    std::mutex mutex;
    int64_t initial_stock = 0;
    uint64_t generation = 0;
    std::vector<OrderRecord> ledger;
  };

  // Products are never erased, so a pointer stays valid after the map lock is dropped.
  Product* find(uint64_t product_id) const;
  static void append(Product& p, const PurchaseRequest& request, std::string order_id);
  static ProductSnapshot snapshot(uint64_t product_id, Product& p);
  PurchaseOutcome purchase_cas(Product& p, const PurchaseRequest& request);
  PurchaseOutcome purchase_locked(Product& p, const PurchaseRequest& request);

  const MemoryStrategy strategy_;
  mutable std::shared_mutex products_mutex_;  // guards the map's shape, not the products
  std::unordered_map<uint64_t, std::unique_ptr<Product>> products_;
};

}  // namespace stampede::target
