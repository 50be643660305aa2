// The PostgreSQL schema of the stores, created at start-up when missing.
//
//   products (id, initial_stock, stock, generation)
//   orders   (seq, product_id, order_id, idempotency_key, endpoint, user_id)
//
// orders carries a unique (product_id, idempotency_key) only where the key is non-empty and the
// endpoint is not buggy: the safe and unstable paths get a durable duplicate guard (a retry after
// an unanswered commit finds its order), while buggy records every attempt as it comes, so its
// lost updates stay visible in the ledger instead of turning into constraint errors.
#pragma once

#include "common/expected.hpp"
#include "target/store/postgres/pg_connection.hpp"

namespace stampede::target {

// Idempotent, and safe when several processes start at once (an advisory lock serialises them).
Expected<bool> ensure_schema(PgConnection& pg);

}  // namespace stampede::target
