// The in-process store: stock and ledgers in memory, two strategies for the safe path.
//
//   MemoryStore store(MemoryStrategy::atomic_cas);
//   store.reset_product(1, 100, [](ProductSnapshot) {});
//
// Thread-safe; every completion runs inline, before the call returns.
#pragma once

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <shared_mutex>
#include <string>
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
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  struct Hold {
    enum class State : uint8_t { open, confirmed, expired };
    std::string user_id;
    uint32_t quantity = 0;
    int64_t placed_ms = 0;
    int64_t expires_ms = 0;
    State state = State::open;
  };

  struct Product {
    std::atomic<int64_t> stock{0};
    // The earliest open hold's expiry (Unix ms), kNever without one: lets the lock-free
    // purchase see without the mutex whether expired holds must give their stock back first.
    std::atomic<int64_t> next_expiry_ms{kNever};
    // Guards everything below; under the mutex strategy it also makes check-decrement-append
    // one critical section.
    std::mutex mutex;
    int64_t initial_stock = 0;
    uint64_t generation = 0;
    std::vector<OrderRecord> ledger;
    // Units per user, held or bought; kept only while a per-user limit is asked for.
    std::unordered_map<std::string, int64_t> units;
    std::unordered_map<uint64_t, Hold> holds;  // by the number in the reservation id
    // (expires_ms, hold number), earliest first.
    std::priority_queue<std::pair<int64_t, uint64_t>, std::vector<std::pair<int64_t, uint64_t>>,
                        std::greater<>>
        expiries;
    int64_t held = 0;
    HoldCounts hold_counts;
  };

  // Products are never erased, so a pointer stays valid after the map lock is dropped.
  Product* find(uint64_t product_id) const;
  // With p.mutex held: expired open holds give their stock and units back.
  static void expire_due(Product& p, int64_t now_ms);
  // Takes p.mutex and expires due holds when one may be due.
  static void expire_if_due(Product& p);
  // With p.mutex held: whether this request would take the user past its limit.
  static bool over_limit(const Product& p, const PurchaseRequest& request);
  static void add_units(Product& p, const PurchaseRequest& request, int64_t units);
  // With p.mutex held: takes the request's units from the stock unless it is short or the
  // user's limit is reached (that status, stock as seen); stock is then what is left.
  static PurchaseStatus take_locked(Product& p, const PurchaseRequest& request, int64_t& stock);
  static void append(Product& p, const PurchaseRequest& request, std::string order_id,
                     HoldRecord hold = {});
  static ProductSnapshot snapshot(uint64_t product_id, Product& p);
  PurchaseOutcome purchase_cas(Product& p, const PurchaseRequest& request);
  PurchaseOutcome purchase_locked(Product& p, const PurchaseRequest& request);

  const MemoryStrategy strategy_;
  mutable std::shared_mutex products_mutex_;  // guards the map's shape, not the products
  std::unordered_map<uint64_t, std::unique_ptr<Product>> products_;
};

}  // namespace stampede::target
