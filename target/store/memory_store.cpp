// MemoryStore: the default store, and the reference the network stores are checked against.
#include "target/store/memory_store.hpp"

#include <algorithm>
#include <string>

namespace stampede::target {

std::optional<MemoryStrategy> parse_memory_strategy(std::string_view name) {
  if (name == "memory-atomic") return MemoryStrategy::atomic_cas;
  if (name == "memory-mutex") return MemoryStrategy::mutex;
  return std::nullopt;
}

MemoryStore::MemoryStore(MemoryStrategy strategy) : strategy_(strategy) {}

std::string_view MemoryStore::strategy_name() const {
  return strategy_ == MemoryStrategy::atomic_cas ? "memory-atomic" : "memory-mutex";
}

MemoryStore::Product* MemoryStore::find(uint64_t product_id) const {
  std::shared_lock lock(products_mutex_);
  auto it = products_.find(product_id);
  return it == products_.end() ? nullptr : it->second.get();
}

void MemoryStore::append(Product& p, const PurchaseRequest& request, std::string order_id) {
  p.ledger.push_back(OrderRecord{std::move(order_id), std::string(request.idempotency_key),
                                 request.endpoint, std::string(request.user_id)});
}

ProductSnapshot MemoryStore::snapshot(uint64_t product_id, Product& p) {
  std::lock_guard lock(p.mutex);
  return ProductSnapshot{true,
                         product_id,
                         p.initial_stock,
                         p.stock.load(std::memory_order_acquire),
                         p.ledger.size(),
                         p.generation};
}

PurchaseOutcome MemoryStore::purchase_cas(Product& p, const PurchaseRequest& request) {
  const int64_t quantity = request.quantity;
  int64_t current = p.stock.load(std::memory_order_acquire);
  do {
    if (current < quantity) return {PurchaseStatus::sold_out, {}, current};
  } while (!p.stock.compare_exchange_weak(current, current - quantity, std::memory_order_acq_rel,
                                          std::memory_order_acquire));
  // The decrement alone decides who bought; the ledger append may trail it by a moment, which
  // readers only see while a run is still in flight.
  std::string order_id = next_order_id();
  PurchaseOutcome out{PurchaseStatus::bought, order_id, current - quantity};
  std::lock_guard lock(p.mutex);
  append(p, request, std::move(order_id));
  return out;
}

PurchaseOutcome MemoryStore::purchase_locked(Product& p, const PurchaseRequest& request) {
  std::lock_guard lock(p.mutex);
  const int64_t current = p.stock.load(std::memory_order_relaxed);
  if (current < static_cast<int64_t>(request.quantity)) {
    return {PurchaseStatus::sold_out, {}, current};
  }
  const int64_t remaining = current - request.quantity;
  p.stock.store(remaining, std::memory_order_release);
  std::string order_id = next_order_id();
  PurchaseOutcome out{PurchaseStatus::bought, order_id, remaining};
  append(p, request, std::move(order_id));
  return out;
}

void MemoryStore::purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) {
  Product* p = find(request.product_id);
  if (p == nullptr) return done(PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0});
  done(strategy_ == MemoryStrategy::atomic_cas ? purchase_cas(*p, request)
                                               : purchase_locked(*p, request));
}

void MemoryStore::read_stock(uint64_t product_id, StoreCallback<StockReading> done) {
  Product* p = find(product_id);
  if (p == nullptr) return done(StockReading{});
  done(StockReading{true, p->stock.load(std::memory_order_acquire)});
}

void MemoryStore::overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                             StoreCallback<PurchaseOutcome> done) {
  Product* p = find(request.product_id);
  if (p == nullptr) return done(PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0});
  // Deliberately a blind store of a value computed from a stale read: the lost update.
  p->stock.store(new_stock, std::memory_order_release);
  std::string order_id = next_order_id();
  PurchaseOutcome out{PurchaseStatus::bought, order_id, new_stock};
  {
    std::lock_guard lock(p->mutex);
    append(*p, request, std::move(order_id));
  }
  done(std::move(out));
}

void MemoryStore::read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) {
  Product* p = find(product_id);
  done(p == nullptr ? ProductSnapshot{} : snapshot(product_id, *p));
}

void MemoryStore::read_products(StoreCallback<std::vector<ProductSnapshot>> done) {
  std::vector<std::pair<uint64_t, Product*>> all;
  {
    std::shared_lock lock(products_mutex_);
    all.reserve(products_.size());
    for (const auto& [id, p] : products_) all.emplace_back(id, p.get());
  }
  std::sort(all.begin(), all.end());
  std::vector<ProductSnapshot> out;
  out.reserve(all.size());
  for (const auto& [id, p] : all) out.push_back(snapshot(id, *p));
  done(std::move(out));
}

void MemoryStore::read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                              StoreCallback<OrdersPage> done) {
  Product* p = find(product_id);
  if (p == nullptr) return done(OrdersPage{});
  OrdersPage page;
  page.found = true;
  {
    std::lock_guard lock(p->mutex);
    page.generation = p->generation;
    if (first < p->ledger.size()) {
      const auto begin = p->ledger.begin() + static_cast<ptrdiff_t>(first);
      const auto count = std::min<uint64_t>(max_count, p->ledger.size() - first);
      page.orders.assign(begin, begin + static_cast<ptrdiff_t>(count));
    }
  }
  done(std::move(page));
}

void MemoryStore::reset_product(uint64_t product_id, int64_t stock,
                                StoreCallback<ProductSnapshot> done) {
  Product* p = find(product_id);
  if (p == nullptr) {
    std::unique_lock lock(products_mutex_);
    auto& slot = products_[product_id];
    if (!slot) slot = std::make_unique<Product>();
    p = slot.get();
  }
  {
    std::lock_guard lock(p->mutex);
    p->initial_stock = stock;
    p->stock.store(stock, std::memory_order_release);
    p->ledger.clear();
    p->ledger.shrink_to_fit();
    ++p->generation;
  }
  done(snapshot(product_id, *p));
}

}  // namespace stampede::target
