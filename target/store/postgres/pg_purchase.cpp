// The safe path's transactions on PostgreSQL, and the buggy endpoint's blind write.
//
// postgres-conditional lets the UPDATE's WHERE clause decide (PostgreSQL re-checks it against
// the latest row version after waiting for a concurrent writer, so stock never goes below 0),
// and records the order in the same statement: one round trip, and the hot row's lock is held
// for that statement's execution and commit only, never across a network wait.
// postgres-row-lock decides in the client while holding the row lock, over four round trips.
// Either way stock and ledger move together. Both run again on serialization failure (40001) or
// deadlock (40P01), a bounded number of times.
#include "target/store/postgres/postgres_store.hpp"

namespace stampede::target {
namespace {

constexpr int kAttempts = 5;

const PurchaseOutcome kError{PurchaseStatus::store_error, {}, 0};

// One attempt's verdict: an outcome, or "run the transaction again".
struct Attempt {
  bool retry = false;
  PurchaseOutcome outcome = kError;
};

Attempt failed(PgConnection& pg, const PgResult& r) {
  pg.rollback();
  return Attempt{is_retryable(r), kError};
}

// The order a key already has in the ledger, with the stock as it is now.
Attempt prior_order(PgConnection& pg, const OwnedPurchase& p) {
  Attempt a;
  auto order_id = pg_prior_order(pg, p.product_id, p.idempotency_key, a.retry);
  if (!order_id) return a;
  PgResult stock =
      pg.exec("SELECT stock FROM products WHERE id = $1", {std::to_string(p.product_id)});
  if (!stock.ok() || stock.rows() == 0) return Attempt{is_retryable(stock), kError};
  return Attempt{false, {PurchaseStatus::bought, std::move(*order_id), stock.integer(0, 0)}};
}

// Inserts the order and commits. A key already in the ledger rolls the decrement back and
// answers with the order that is there.
Attempt record_and_commit(PgConnection& pg, const OwnedPurchase& p, int64_t remaining) {
  PgResult ins = pg.exec(
      "INSERT INTO orders (product_id, idempotency_key, endpoint, user_id)"
      " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING order_id",
      {std::to_string(p.product_id), p.idempotency_key, std::string(endpoint_name(p.endpoint)),
       p.user_id});
  if (!ins.ok()) return failed(pg, ins);
  if (ins.rows() == 0) {
    pg.rollback();
    return prior_order(pg, p);
  }
  std::string order_id(ins.text(0, 0));
  if (PgResult c = pg.exec("COMMIT"); !c.ok()) return failed(pg, c);
  return Attempt{false, {PurchaseStatus::bought, std::move(order_id), remaining}};
}

// The row lock: lock, expire due holds, check stock and limit, take, record, commit.
Attempt row_lock_once(PgConnection& pg, const OwnedPurchase& p) {
  const PgTake take = pg_begin_take(pg, p);
  if (take.status != PurchaseStatus::bought) {
    return Attempt{take.retry, {take.status, {}, take.remaining}};
  }
  return record_and_commit(pg, p, take.remaining);
}

// One autocommit statement. Its parts share one snapshot: `bought` is the decrement (no row when
// the re-checked stock is short, or when the product has open holds, whose expiry needs the
// locked path), `recorded` inserts the order only for a row of `bought`, and the last columns
// are the stock and open holds before either, NULL when there is no such product. A key already
// in the ledger violates orders_one_per_key and aborts the whole statement, decrement included.
constexpr const char* kConditionalPurchase =
    "WITH bought AS ("
    "  UPDATE products SET stock = stock - $2"
    "  WHERE id = $1 AND stock >= $2 AND holds_open = 0 RETURNING stock),"
    " recorded AS ("
    "  INSERT INTO orders (product_id, idempotency_key, endpoint, user_id)"
    "  SELECT $1, $3, $4, $5 FROM bought RETURNING order_id)"
    " SELECT (SELECT stock FROM bought), (SELECT order_id FROM recorded),"
    " (SELECT stock FROM products WHERE id = $1), (SELECT holds_open FROM products WHERE id = $1)";

constexpr std::string_view kUniqueViolation = "23505";

Attempt conditional_once(PgConnection& pg, const OwnedPurchase& p) {
  PgResult r = pg.exec(kConditionalPurchase,
                       {std::to_string(p.product_id), std::to_string(p.quantity), p.idempotency_key,
                        std::string(endpoint_name(p.endpoint)), p.user_id});
  if (!r.ok()) {
    if (r.sqlstate() == kUniqueViolation) return prior_order(pg, p);
    return Attempt{is_retryable(r), kError};
  }
  if (r.rows() != 1) return Attempt{false, kError};
  if (!r.is_null(0, 1)) {
    return Attempt{false, {PurchaseStatus::bought, std::string(r.text(0, 1)), r.integer(0, 0)}};
  }
  if (r.is_null(0, 2)) return Attempt{false, {PurchaseStatus::unknown_product, {}, 0}};
  // Open holds: one may be due and give stock back, which only the locked path does.
  if (r.integer(0, 3) > 0) return row_lock_once(pg, p);
  // Sold out. The stock shown is the statement's snapshot: another purchase may have taken
  // the last item after it was read, which is why the UPDATE, not this value, decided.
  return Attempt{false, {PurchaseStatus::sold_out, {}, r.integer(0, 2)}};
}

}  // namespace

PurchaseOutcome pg_purchase(PgConnection& pg, PostgresStrategy strategy, const OwnedPurchase& p) {
  for (int i = 0; i < kAttempts; ++i) {
    // A limit is a second row to check with the stock: the locked path serializes both.
    const bool locked = strategy == PostgresStrategy::row_lock || p.per_user_limit > 0;
    Attempt a = locked ? row_lock_once(pg, p) : conditional_once(pg, p);
    if (!a.retry) return std::move(a.outcome);
  }
  return kError;
}

std::optional<std::string> pg_prior_order(PgConnection& pg, uint64_t product_id,
                                          const std::string& key, bool& retry) {
  PgResult prior = pg.exec(
      "SELECT order_id FROM orders"
      " WHERE product_id = $1 AND idempotency_key = $2 AND endpoint <> 'buggy'",
      {std::to_string(product_id), key});
  retry = is_retryable(prior);
  if (!prior.ok() || prior.rows() == 0) return std::nullopt;
  return std::string(prior.text(0, 0));
}

PurchaseOutcome pg_overwrite_and_record(PgConnection& pg, const OwnedPurchase& p,
                                        int64_t new_stock) {
  // Deliberately a blind write of a value computed from a stale read: the lost update.
  const PgTake take = pg_begin_blind_take(pg, p, new_stock);
  if (take.status != PurchaseStatus::bought) return PurchaseOutcome{take.status, {}, 0};
  PgResult ins = pg.exec(
      "INSERT INTO orders (product_id, idempotency_key, endpoint, user_id)"
      " VALUES ($1, $2, $3, $4) RETURNING order_id",
      {std::to_string(p.product_id), p.idempotency_key, std::string(endpoint_name(p.endpoint)),
       p.user_id});
  if (!ins.ok()) return failed(pg, ins).outcome;
  std::string order_id(ins.text(0, 0));
  if (PgResult c = pg.exec("COMMIT"); !c.ok()) return failed(pg, c).outcome;
  return PurchaseOutcome{PurchaseStatus::bought, std::move(order_id), new_stock};
}

}  // namespace stampede::target
