// WriteBehindStore: the Redis store with an order sink that feeds the LedgerWriter, and reads
// that stitch Redis's stock to PostgreSQL's ledger.
#include "target/store/redis/write_behind_store.hpp"

namespace stampede::target {

Expected<std::unique_ptr<WriteBehindStore>> WriteBehindStore::open(const RedisSettings& redis,
                                                                   const PostgresSettings& ledger) {
  std::unique_ptr<WriteBehindStore> store(new WriteBehindStore());
  auto pg = PostgresStore::open(ledger);
  if (!pg) return unexpected(pg.error());
  store->ledger_ = std::move(*pg);
  auto connection = std::make_unique<PgConnection>(ledger.conninfo);
  if (auto ok = connection->check(); !ok) return unexpected(ok.error());
  store->writer_ = std::make_unique<LedgerWriter>(std::move(connection));
  RedisSettings lua = redis;
  lua.strategy = RedisStrategy::lua;
  LedgerWriter* writer = store->writer_.get();
  auto r = RedisStore::open(lua, [writer](uint64_t product, uint64_t generation, OrderRecord o) {
    writer->enqueue(product, generation, std::move(o));
  });
  if (!r) return unexpected(r.error());
  store->redis_ = std::move(*r);
  return store;
}

WriteBehindStore::~WriteBehindStore() {
  redis_.reset();   // no more orders arrive
  writer_.reset();  // drains what is queued, for a bounded time
}

void WriteBehindStore::purchase(const PurchaseRequest& request,
                                StoreCallback<PurchaseOutcome> done) {
  redis_->purchase(request, std::move(done));
}

void WriteBehindStore::read_stock(uint64_t product_id, StoreCallback<StockReading> done) {
  redis_->read_stock(product_id, std::move(done));
}

void WriteBehindStore::overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                                  StoreCallback<PurchaseOutcome> done) {
  redis_->overwrite_stock_and_record(request, new_stock, std::move(done));
}

void WriteBehindStore::read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) {
  redis_->read_product(product_id, [this, product_id, done](ProductSnapshot fast) {
    if (fast.failed || !fast.found) return done(fast);
    // Pending before the ledger count: an order that leaves the queue is already in PostgreSQL,
    // so a reader who sees pending 0 also sees every order in the count.
    const int64_t pending = writer_->pending(product_id);
    ledger_->read_product(product_id, [fast, pending, done](ProductSnapshot ledger) {
      if (ledger.failed || !ledger.found) return done(ledger);
      ProductSnapshot out = fast;
      out.orders = ledger.orders;
      out.generation = ledger.generation;  // the ledger route pages PostgreSQL
      out.pending_writes = pending;
      done(out);
    });
  });
}

void WriteBehindStore::read_products(StoreCallback<std::vector<ProductSnapshot>> done) {
  redis_->read_products(std::move(done));  // stock figures for /metrics
}

void WriteBehindStore::read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                                   StoreCallback<OrdersPage> done) {
  ledger_->read_orders(product_id, first, max_count, std::move(done));
}

void WriteBehindStore::reset_product(uint64_t product_id, int64_t stock,
                                     StoreCallback<ProductSnapshot> done) {
  ledger_->reset_product(product_id, stock, [this, product_id, stock, done](ProductSnapshot l) {
    if (l.failed || !l.found) return done(store_failure<ProductSnapshot>());
    redis_->reset_product_at(product_id, stock, l.generation,
                             [this, product_id, done](ProductSnapshot r) {
                               if (r.failed || !r.found)
                                 return done(store_failure<ProductSnapshot>());
                               read_product(product_id, done);
                             });
  });
}

}  // namespace stampede::target
