// MemoryStore: the default store, and the reference the network stores are checked against.
#include "target/store/memory_store.hpp"

#include <algorithm>
#include <string>

#include "common/clock.hpp"

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

void MemoryStore::append(Product& p, const PurchaseRequest& request, std::string order_id,
                         HoldRecord hold) {
  p.ledger.push_back(OrderRecord{std::move(order_id), std::string(request.idempotency_key),
                                 request.endpoint, std::string(request.user_id), std::move(hold)});
}

bool MemoryStore::over_limit(const Product& p, const PurchaseRequest& request) {
  if (request.per_user_limit == 0) return false;
  const auto it = p.units.find(std::string(request.user_id));
  const int64_t has = it == p.units.end() ? 0 : it->second;
  return has + request.quantity > request.per_user_limit;
}

void MemoryStore::add_units(Product& p, const PurchaseRequest& request, int64_t units) {
  if (request.per_user_limit == 0) return;
  p.units[std::string(request.user_id)] += units;
}

void MemoryStore::expire_due(Product& p, int64_t now_ms) {
  while (!p.expiries.empty() && p.expiries.top().first <= now_ms) {
    const uint64_t number = p.expiries.top().second;
    p.expiries.pop();
    auto it = p.holds.find(number);
    if (it == p.holds.end() || it->second.state != Hold::State::open) continue;
    Hold& h = it->second;
    h.state = Hold::State::expired;
    p.stock.fetch_add(h.quantity, std::memory_order_acq_rel);
    p.held -= h.quantity;
    --p.hold_counts.open;
    ++p.hold_counts.expired;
    if (auto u = p.units.find(h.user_id); u != p.units.end()) u->second -= h.quantity;
  }
  p.next_expiry_ms.store(p.expiries.empty() ? kNever : p.expiries.top().first,
                         std::memory_order_release);
}

void MemoryStore::expire_if_due(Product& p) {
  if (p.next_expiry_ms.load(std::memory_order_acquire) == kNever) return;
  const int64_t now = unix_ms_now();
  if (p.next_expiry_ms.load(std::memory_order_acquire) > now) return;
  std::lock_guard lock(p.mutex);
  expire_due(p, now);
}

ProductSnapshot MemoryStore::snapshot(uint64_t product_id, Product& p) {
  std::lock_guard lock(p.mutex);
  expire_due(p, unix_ms_now());
  ProductSnapshot s{true,
                    product_id,
                    p.initial_stock,
                    p.stock.load(std::memory_order_acquire),
                    p.ledger.size(),
                    p.generation};
  s.held = p.held;
  s.holds = p.hold_counts;
  return s;
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

PurchaseStatus MemoryStore::take_locked(Product& p, const PurchaseRequest& request,
                                        int64_t& stock) {
  // Compare-and-swap even under the lock: the lock-free path may take stock without it.
  stock = p.stock.load(std::memory_order_acquire);
  do {
    if (stock < static_cast<int64_t>(request.quantity)) return PurchaseStatus::sold_out;
    if (over_limit(p, request)) return PurchaseStatus::limit_reached;
  } while (!p.stock.compare_exchange_weak(stock, stock - request.quantity,
                                          std::memory_order_acq_rel, std::memory_order_acquire));
  stock -= request.quantity;
  add_units(p, request, request.quantity);
  return PurchaseStatus::bought;
}

PurchaseOutcome MemoryStore::purchase_locked(Product& p, const PurchaseRequest& request) {
  std::lock_guard lock(p.mutex);
  expire_due(p, unix_ms_now());
  int64_t remaining = 0;
  if (const auto status = take_locked(p, request, remaining); status != PurchaseStatus::bought) {
    return {status, {}, remaining};
  }
  std::string order_id = next_order_id();
  PurchaseOutcome out{PurchaseStatus::bought, order_id, remaining};
  append(p, request, std::move(order_id));
  return out;
}

void MemoryStore::purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) {
  Product* p = find(request.product_id);
  if (p == nullptr) return done(PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0});
  // A limit is a second fact to check with the stock, so it needs the lock.
  const bool lock_free = strategy_ == MemoryStrategy::atomic_cas && request.per_user_limit == 0;
  if (!lock_free) return done(purchase_locked(*p, request));  // expires due holds itself
  expire_if_due(*p);
  done(purchase_cas(*p, request));
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
    add_units(*p, request, request.quantity);
    append(*p, request, std::move(order_id));
  }
  done(std::move(out));
}

void MemoryStore::read_stock_for_user(uint64_t product_id, std::string_view user_id,
                                      StoreCallback<StockReading> done) {
  Product* p = find(product_id);
  if (p == nullptr) return done(StockReading{});
  StockReading reading{true, 0};
  {
    std::lock_guard lock(p->mutex);
    expire_due(*p, unix_ms_now());
    reading.stock = p->stock.load(std::memory_order_acquire);
    const auto it = p->units.find(std::string(user_id));
    reading.user_units = it == p->units.end() ? 0 : it->second;
  }
  done(reading);
}

namespace {

std::atomic<uint64_t> g_hold_numbers{0};

}  // namespace

void MemoryStore::place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) {
  const PurchaseRequest& r = request.purchase;
  Product* p = find(r.product_id);
  HoldOutcome out;
  if (p == nullptr) {
    out.status = PurchaseStatus::unknown_product;
    return done(std::move(out));
  }
  {
    std::lock_guard lock(p->mutex);
    const int64_t now = unix_ms_now();
    expire_due(*p, now);
    if (request.blind) {
      // Buggy: the caller checked stock and limit on an earlier read; this writes what it
      // computed then, whatever happened since.
      p->stock.store(request.new_stock, std::memory_order_release);
      out.remaining = request.new_stock;
      add_units(*p, r, r.quantity);
      out.status = PurchaseStatus::bought;
    } else {
      out.status = take_locked(*p, r, out.remaining);
    }
    if (out.status == PurchaseStatus::bought) {
      const uint64_t number = g_hold_numbers.fetch_add(1, std::memory_order_relaxed) + 1;
      const int64_t expires = now + request.ttl.count();
      p->holds.emplace(number, Hold{std::string(r.user_id), r.quantity, now, expires});
      p->expiries.emplace(expires, number);
      p->held += r.quantity;
      ++p->hold_counts.placed;
      ++p->hold_counts.open;
      p->next_expiry_ms.store(p->expiries.top().first, std::memory_order_release);
      out.reservation_id = reservation_id(r.product_id, number);
      out.expires_ms = expires;
    }
  }
  // Answered outside the lock, whatever the outcome: a completion may call the store again.
  done(std::move(out));
}

void MemoryStore::read_hold(std::string_view id, StoreCallback<HoldReading> done) {
  uint64_t product_id = 0, number = 0;
  Product* p = parse_reservation_id(id, product_id, number) ? find(product_id) : nullptr;
  if (p == nullptr) return done(HoldReading{});
  HoldReading reading;
  {
    std::lock_guard lock(p->mutex);
    expire_due(*p, unix_ms_now());
    if (auto it = p->holds.find(number); it != p->holds.end()) {
      reading.found = true;
      reading.open = it->second.state == Hold::State::open;
      reading.expires_ms = it->second.expires_ms;
    }
  }
  done(reading);
}

void MemoryStore::confirm_hold(const ConfirmRequest& request, StoreCallback<PurchaseOutcome> done) {
  uint64_t product_id = 0, number = 0;
  Product* p =
      parse_reservation_id(request.reservation_id, product_id, number) ? find(product_id) : nullptr;
  if (p == nullptr) return done(PurchaseOutcome{PurchaseStatus::unknown_reservation, {}, 0});
  PurchaseOutcome out{PurchaseStatus::bought, {}, 0};
  {
    std::lock_guard lock(p->mutex);
    const int64_t now = unix_ms_now();
    expire_due(*p, now);
    auto it = p->holds.find(number);
    if (it == p->holds.end()) {
      out.status = PurchaseStatus::unknown_reservation;
    } else if (it->second.state == Hold::State::confirmed) {
      out.status = PurchaseStatus::already_confirmed;
    } else if (it->second.state == Hold::State::expired && !request.blind) {
      out.status = PurchaseStatus::expired;
    } else {
      Hold& h = it->second;
      if (h.state == Hold::State::open) {
        p->held -= h.quantity;
        --p->hold_counts.open;
      }
      // Buggy confirms an expired hold too: its stock went back at expiry and is sold again.
      h.state = Hold::State::confirmed;
      ++p->hold_counts.confirmed;
      out.order_id = next_order_id();
      out.remaining = p->stock.load(std::memory_order_acquire);
      out.product_id = product_id;
      PurchaseRequest as_purchase;
      as_purchase.product_id = product_id;
      as_purchase.quantity = h.quantity;
      as_purchase.user_id = h.user_id;
      as_purchase.idempotency_key = request.idempotency_key;
      as_purchase.endpoint = request.endpoint;
      append(*p, as_purchase, out.order_id,
             HoldRecord{std::string(request.reservation_id), h.placed_ms, h.expires_ms, now});
    }
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
    p->units.clear();
    p->holds.clear();
    p->expiries = {};
    p->held = 0;
    p->hold_counts = {};
    p->next_expiry_ms.store(kNever, std::memory_order_release);
    ++p->generation;
  }
  done(snapshot(product_id, *p));
}

}  // namespace stampede::target
