// The safe path's transactions on PostgreSQL, and the buggy endpoint's blind write.
//
// postgres-conditional lets the UPDATE's WHERE clause decide (PostgreSQL re-checks it against
// the latest row version after waiting for a concurrent writer, so stock never goes below 0);
// postgres-row-lock decides in the client while holding the row lock. Either way the order is
// inserted in the same transaction, so stock and ledger move together. Both run again on
// serialization failure (40001) or deadlock (40P01), a bounded number of times.
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

// Why the decrement did not happen: sold out, or no such product.
Attempt not_bought(PgConnection& pg, const OwnedPurchase& p) {
  pg.rollback();
  PgResult r = pg.exec("SELECT stock FROM products WHERE id = $1", {std::to_string(p.product_id)});
  if (!r.ok()) return Attempt{is_retryable(r), kError};
  if (r.rows() == 0) return Attempt{false, {PurchaseStatus::unknown_product, {}, 0}};
  return Attempt{false, {PurchaseStatus::sold_out, {}, r.integer(0, 0)}};
}

// Inserts the order and commits. A key already in the ledger (a retry whose first commit went
// unanswered) rolls the decrement back and answers with the order that is there.
Attempt record_and_commit(PgConnection& pg, const OwnedPurchase& p, int64_t remaining) {
  const std::string product = std::to_string(p.product_id);
  PgResult ins = pg.exec(
      "INSERT INTO orders (product_id, idempotency_key, endpoint, user_id)"
      " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING order_id",
      {product, p.idempotency_key, std::string(endpoint_name(p.endpoint)), p.user_id});
  if (!ins.ok()) return failed(pg, ins);
  if (ins.rows() == 0) {
    pg.rollback();
    PgResult prior = pg.exec(
        "SELECT o.order_id, p.stock FROM orders o JOIN products p ON p.id = o.product_id"
        " WHERE o.product_id = $1 AND o.idempotency_key = $2 AND o.endpoint <> 'buggy'",
        {product, p.idempotency_key});
    if (!prior.ok() || prior.rows() == 0) return Attempt{is_retryable(prior), kError};
    return Attempt{false,
                   {PurchaseStatus::bought, std::string(prior.text(0, 0)), prior.integer(0, 1)}};
  }
  std::string order_id(ins.text(0, 0));
  if (PgResult c = pg.exec("COMMIT"); !c.ok()) return failed(pg, c);
  return Attempt{false, {PurchaseStatus::bought, std::move(order_id), remaining}};
}

Attempt conditional_once(PgConnection& pg, const OwnedPurchase& p) {
  if (PgResult b = pg.exec("BEGIN"); !b.ok()) return failed(pg, b);
  PgResult u = pg.exec(
      "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2 RETURNING stock",
      {std::to_string(p.product_id), std::to_string(p.quantity)});
  if (!u.ok()) return failed(pg, u);
  if (u.rows() == 0) return not_bought(pg, p);
  return record_and_commit(pg, p, u.integer(0, 0));
}

Attempt row_lock_once(PgConnection& pg, const OwnedPurchase& p) {
  const std::string product = std::to_string(p.product_id);
  if (PgResult b = pg.exec("BEGIN"); !b.ok()) return failed(pg, b);
  PgResult s = pg.exec("SELECT stock FROM products WHERE id = $1 FOR UPDATE", {product});
  if (!s.ok()) return failed(pg, s);
  if (s.rows() == 0) {
    pg.rollback();
    return Attempt{false, {PurchaseStatus::unknown_product, {}, 0}};
  }
  const int64_t stock = s.integer(0, 0);
  if (stock < static_cast<int64_t>(p.quantity)) {
    pg.rollback();
    return Attempt{false, {PurchaseStatus::sold_out, {}, stock}};
  }
  const int64_t remaining = stock - p.quantity;
  PgResult u =
      pg.exec("UPDATE products SET stock = $2 WHERE id = $1", {product, std::to_string(remaining)});
  if (!u.ok()) return failed(pg, u);
  return record_and_commit(pg, p, remaining);
}

}  // namespace

PurchaseOutcome pg_purchase(PgConnection& pg, PostgresStrategy strategy, const OwnedPurchase& p) {
  for (int i = 0; i < kAttempts; ++i) {
    Attempt a =
        strategy == PostgresStrategy::conditional ? conditional_once(pg, p) : row_lock_once(pg, p);
    if (!a.retry) return std::move(a.outcome);
  }
  return kError;
}

PurchaseOutcome pg_overwrite_and_record(PgConnection& pg, const OwnedPurchase& p,
                                        int64_t new_stock) {
  const std::string product = std::to_string(p.product_id);
  if (PgResult b = pg.exec("BEGIN"); !b.ok()) return failed(pg, b).outcome;
  // Deliberately a blind write of a value computed from a stale read: the lost update.
  PgResult u = pg.exec("UPDATE products SET stock = $2 WHERE id = $1 RETURNING id",
                       {product, std::to_string(new_stock)});
  if (!u.ok()) return failed(pg, u).outcome;
  if (u.rows() == 0) {
    pg.rollback();
    return PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0};
  }
  PgResult ins = pg.exec(
      "INSERT INTO orders (product_id, idempotency_key, endpoint, user_id)"
      " VALUES ($1, $2, $3, $4) RETURNING order_id",
      {product, p.idempotency_key, std::string(endpoint_name(p.endpoint)), p.user_id});
  if (!ins.ok()) return failed(pg, ins).outcome;
  std::string order_id(ins.text(0, 0));
  if (PgResult c = pg.exec("COMMIT"); !c.ok()) return failed(pg, c).outcome;
  return PurchaseOutcome{PurchaseStatus::bought, std::move(order_id), new_stock};
}

}  // namespace stampede::target
