// MemoryStore strategies under contention, and the deliberately racy buggy pair.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "target/store/memory_store.hpp"

using namespace stampede::target;

namespace {

ProductSnapshot read(MemoryStore& store, uint64_t product) {
  ProductSnapshot out;
  store.read_product(product, [&](ProductSnapshot p) { out = p; });
  return out;
}

}  // namespace

TEST_CASE("both memory strategies sell exactly the stock under 16 contending threads", "[target]") {
  for (MemoryStrategy strategy : {MemoryStrategy::atomic_cas, MemoryStrategy::mutex}) {
    MemoryStore store(strategy);
    INFO(store.strategy_name());
    store.reset_product(1, 100, [](ProductSnapshot) {});
    std::atomic<int> bought{0};
    std::atomic<int> sold_out{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        const std::string user = "u-" + std::to_string(t);
        for (int i = 0; i < 1000; ++i) {
          store.purchase(PurchaseRequest{1, 1, user, {}, Endpoint::safe}, [&](PurchaseOutcome o) {
            if (o.status == PurchaseStatus::bought) ++bought;
            if (o.status == PurchaseStatus::sold_out) ++sold_out;
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    const ProductSnapshot p = read(store, 1);
    CHECK(bought == 100);
    CHECK(sold_out == 16 * 1000 - 100);
    CHECK(p.stock == 0);
    CHECK(p.orders == 100);

    std::set<std::string> ids;
    store.read_orders(1, 0, 1000, [&](OrdersPage page) {
      for (const auto& o : page.orders) ids.insert(o.order_id);
    });
    CHECK(ids.size() == 100);  // no duplicate order ids
  }
}

TEST_CASE("a purchase larger than the stock is refused and leaves the stock alone", "[target]") {
  MemoryStore store(MemoryStrategy::atomic_cas);
  store.reset_product(1, 3, [](ProductSnapshot) {});
  PurchaseOutcome out;
  store.purchase(PurchaseRequest{1, 4, "u", {}, Endpoint::safe},
                 [&](PurchaseOutcome o) { out = o; });
  CHECK(out.status == PurchaseStatus::sold_out);
  CHECK(read(store, 1).stock == 3);
  store.purchase(PurchaseRequest{7, 1, "u", {}, Endpoint::safe},
                 [&](PurchaseOutcome o) { out = o; });
  CHECK(out.status == PurchaseStatus::unknown_product);
}

TEST_CASE("interleaved buggy read/overwrite pairs lose updates", "[target]") {
  MemoryStore store(MemoryStrategy::atomic_cas);
  store.reset_product(1, 10, [](ProductSnapshot) {});
  StockReading a, b;
  store.read_stock(1, [&](StockReading r) { a = r; });
  store.read_stock(1, [&](StockReading r) { b = r; });
  const PurchaseRequest req{1, 1, "u", {}, Endpoint::buggy};
  store.overwrite_stock_and_record(req, a.stock - 1, [](PurchaseOutcome) {});
  store.overwrite_stock_and_record(req, b.stock - 1, [](PurchaseOutcome) {});
  const ProductSnapshot p = read(store, 1);
  CHECK(p.orders == 2);
  CHECK(p.stock == 9);  // two orders, one decrement: the lost update
}

TEST_CASE("reset sets stock and initial stock, empties the ledger and creates products",
          "[target]") {
  MemoryStore store(MemoryStrategy::mutex);
  store.reset_product(1, 5, [](ProductSnapshot) {});
  store.purchase(PurchaseRequest{1, 2, "u", {}, Endpoint::safe}, [](PurchaseOutcome) {});
  const uint64_t generation = read(store, 1).generation;
  store.reset_product(1, 50, [](ProductSnapshot) {});
  ProductSnapshot p = read(store, 1);
  CHECK(p.initial_stock == 50);
  CHECK(p.stock == 50);
  CHECK(p.orders == 0);
  CHECK(p.generation != generation);
  CHECK_FALSE(read(store, 9).found);
  store.reset_product(9, 1, [](ProductSnapshot) {});
  CHECK(read(store, 9).found);
}
