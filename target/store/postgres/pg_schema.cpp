// ensure_schema: CREATE ... IF NOT EXISTS inside one transaction under an advisory lock, because
// two concurrent IF NOT EXISTS can still collide in the catalog.
#include "target/store/postgres/pg_schema.hpp"

namespace stampede::target {
namespace {

constexpr const char* kSchema[] = {
    "CREATE SEQUENCE IF NOT EXISTS order_ids",
    "CREATE TABLE IF NOT EXISTS products ("
    " id bigint PRIMARY KEY,"
    " initial_stock bigint NOT NULL,"
    " stock bigint NOT NULL,"
    " generation bigint NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS orders ("
    " seq bigserial PRIMARY KEY,"  // append order, for the paged ledger
    " product_id bigint NOT NULL,"
    " order_id text NOT NULL UNIQUE DEFAULT ('p-' || nextval('order_ids')),"
    " idempotency_key text NOT NULL,"
    " endpoint text NOT NULL,"
    " user_id text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS orders_by_product ON orders (product_id, seq)",
    "CREATE UNIQUE INDEX IF NOT EXISTS orders_one_per_key ON orders (product_id, idempotency_key)"
    " WHERE idempotency_key <> '' AND endpoint <> 'buggy'",
    // Limits and holds (pg_holds.cpp). Added with ALTER so a database made by an older target
    // gains them; the counters live on the product row, which every hold change locks anyway.
    "ALTER TABLE products ADD COLUMN IF NOT EXISTS held bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS holds_placed bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS holds_confirmed bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS holds_expired bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS holds_open bigint NOT NULL DEFAULT 0",
    "ALTER TABLE orders ADD COLUMN IF NOT EXISTS reservation_id text NOT NULL DEFAULT '',"
    " ADD COLUMN IF NOT EXISTS held_at_ms bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS expires_at_ms bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS confirmed_at_ms bigint NOT NULL DEFAULT 0",
    "CREATE SEQUENCE IF NOT EXISTS hold_numbers",
    "CREATE TABLE IF NOT EXISTS holds ("
    " number bigint PRIMARY KEY DEFAULT nextval('hold_numbers'),"
    " product_id bigint NOT NULL,"
    " user_id text NOT NULL,"
    " quantity bigint NOT NULL,"
    " placed_ms bigint NOT NULL,"
    " expires_ms bigint NOT NULL,"
    " state text NOT NULL)",  // open, confirmed, expired
    "CREATE INDEX IF NOT EXISTS holds_due ON holds (product_id, expires_ms) WHERE state = 'open'",
    // Units per user, held or bought; kept only while a per-user limit is asked for.
    "CREATE TABLE IF NOT EXISTS user_units ("
    " product_id bigint NOT NULL,"
    " user_id text NOT NULL,"
    " units bigint NOT NULL,"
    " PRIMARY KEY (product_id, user_id))",
};

}  // namespace

Expected<bool> ensure_schema(PgConnection& pg) {
  if (auto ok = pg.check(); !ok) return ok;
  auto fail = [&](const PgResult& r) {
    pg.rollback();
    std::string message = r.message();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return unexpected("postgresql schema: " + message);
  };
  if (PgResult r = pg.exec("BEGIN"); !r.ok()) return fail(r);
  if (PgResult r = pg.exec("SELECT pg_advisory_xact_lock(7264917)"); !r.ok()) return fail(r);
  for (const char* statement : kSchema) {
    if (PgResult r = pg.exec(statement); !r.ok()) return fail(r);
  }
  if (PgResult r = pg.exec("COMMIT"); !r.ok()) return fail(r);
  return true;
}

}  // namespace stampede::target
