// PostgresStore: each call is one job on the store pool, running one of the functions in
// pg_purchase.cpp / pg_holds.cpp / pg_ledger.cpp on that thread's connection.
#include "target/store/postgres/postgres_store.hpp"

#include "target/store/postgres/pg_schema.hpp"

namespace stampede::target {

Expected<std::unique_ptr<PostgresStore>> PostgresStore::open(const PostgresSettings& settings) {
  std::vector<std::unique_ptr<PgConnection>> connections;
  for (unsigned i = 0; i < std::max(1u, settings.connections); ++i) {
    connections.push_back(std::make_unique<PgConnection>(settings.conninfo));
  }
  if (auto ok = ensure_schema(*connections.front()); !ok) return unexpected(ok.error());
  // Connected now, not on each thread's first job: see RedisStore::open.
  for (auto& c : connections) {
    if (auto ok = c->check(); !ok) return unexpected(ok.error());
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(settings, std::move(connections)));
}

PostgresStore::PostgresStore(const PostgresSettings& settings,
                             std::vector<std::unique_ptr<PgConnection>> connections)
    : settings_(settings), pool_(std::move(connections), settings.queue_capacity) {}

std::string_view PostgresStore::strategy_name() const {
  return settings_.strategy == PostgresStrategy::row_lock ? "postgres-row-lock"
                                                          : "postgres-conditional";
}

void PostgresStore::purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) {
  auto job = [strategy = settings_.strategy, p = OwnedPurchase(request), done](PgConnection& pg) {
    done(pg_purchase(pg, strategy, p));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

void PostgresStore::read_stock(uint64_t product_id, StoreCallback<StockReading> done) {
  auto job = [product_id, done](PgConnection& pg) {
    PgResult r = pg.exec("SELECT stock FROM products WHERE id = $1", {std::to_string(product_id)});
    if (!r.ok()) return done(store_failure<StockReading>());
    if (r.rows() == 0) return done(StockReading{});
    done(StockReading{true, r.integer(0, 0)});
  };
  if (!pool_.submit(std::move(job))) done(store_failure<StockReading>());
}

void PostgresStore::overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                               StoreCallback<PurchaseOutcome> done) {
  auto job = [p = OwnedPurchase(request), new_stock, done](PgConnection& pg) {
    done(pg_overwrite_and_record(pg, p, new_stock));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

void PostgresStore::read_stock_for_user(uint64_t product_id, std::string_view user_id,
                                        StoreCallback<StockReading> done) {
  auto job = [product_id, user = std::string(user_id), done](PgConnection& pg) {
    done(pg_stock_for_user(pg, product_id, user));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<StockReading>());
}

void PostgresStore::place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) {
  auto job = [p = OwnedPurchase(request.purchase), ttl = request.ttl.count(), blind = request.blind,
              new_stock = request.new_stock,
              done](PgConnection& pg) { done(pg_place_hold(pg, p, ttl, blind, new_stock)); };
  if (!pool_.submit(std::move(job))) done(HoldOutcome{});
}

void PostgresStore::read_hold(std::string_view reservation_id, StoreCallback<HoldReading> done) {
  uint64_t product_id = 0, number = 0;
  if (!parse_reservation_id(reservation_id, product_id, number)) return done(HoldReading{});
  auto job = [product_id, number, done](PgConnection& pg) {
    done(pg_read_hold(pg, product_id, number));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<HoldReading>());
}

void PostgresStore::confirm_hold(const ConfirmRequest& request,
                                 StoreCallback<PurchaseOutcome> done) {
  uint64_t product_id = 0, number = 0;
  if (!parse_reservation_id(request.reservation_id, product_id, number)) {
    return done(PurchaseOutcome{PurchaseStatus::unknown_reservation, {}, 0});
  }
  // The job owns the strings; the request it sees points into them.
  auto job = [id = std::string(request.reservation_id), key = std::string(request.idempotency_key),
              endpoint = request.endpoint, blind = request.blind, product_id, number,
              done](PgConnection& pg) {
    done(pg_confirm_hold(pg, ConfirmRequest{id, key, endpoint, blind}, product_id, number));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

void PostgresStore::read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) {
  auto job = [product_id, done](PgConnection& pg) { done(pg_snapshot(pg, product_id)); };
  if (!pool_.submit(std::move(job))) done(store_failure<ProductSnapshot>());
}

void PostgresStore::read_products(StoreCallback<std::vector<ProductSnapshot>> done) {
  auto job = [done](PgConnection& pg) { done(pg_snapshots(pg)); };
  if (!pool_.submit(std::move(job))) done({});
}

void PostgresStore::read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                                StoreCallback<OrdersPage> done) {
  auto job = [product_id, first, max_count, done](PgConnection& pg) {
    done(pg_orders_page(pg, product_id, first, max_count));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<OrdersPage>());
}

void PostgresStore::reset_product(uint64_t product_id, int64_t stock,
                                  StoreCallback<ProductSnapshot> done) {
  auto job = [product_id, stock, done](PgConnection& pg) { done(pg_reset(pg, product_id, stock)); };
  if (!pool_.submit(std::move(job))) done(store_failure<ProductSnapshot>());
}

}  // namespace stampede::target
