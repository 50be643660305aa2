// Reads and resets on PostgreSQL. Each read is one statement, so it sees one snapshot: a page's
// generation always belongs to the rows it came with.
#include <algorithm>

#include "target/store/postgres/postgres_store.hpp"

namespace stampede::target {
namespace {

constexpr const char* kSnapshotColumns =
    "SELECT p.id, p.initial_stock, p.stock, p.generation,"
    " (SELECT count(*) FROM orders o WHERE o.product_id = p.id),"
    " p.held, p.holds_placed, p.holds_confirmed, p.holds_expired, p.holds_open FROM products p";

ProductSnapshot snapshot_row(const PgResult& r, int row) {
  ProductSnapshot s;
  s.found = true;
  s.product_id = static_cast<uint64_t>(r.integer(row, 0));
  s.initial_stock = r.integer(row, 1);
  s.stock = r.integer(row, 2);
  s.generation = static_cast<uint64_t>(r.integer(row, 3));
  s.orders = static_cast<uint64_t>(r.integer(row, 4));
  s.held = r.integer(row, 5);
  const auto count = [&](int col) { return static_cast<uint64_t>(r.integer(row, col)); };
  s.holds = HoldCounts{count(6), count(7), count(8), count(9)};
  return s;
}

}  // namespace

ProductSnapshot pg_snapshot(PgConnection& pg, uint64_t product_id) {
  if (!pg_expire_due(pg, product_id)) return store_failure<ProductSnapshot>();
  PgResult r =
      pg.exec(std::string(kSnapshotColumns) + " WHERE p.id = $1", {std::to_string(product_id)});
  if (!r.ok()) return store_failure<ProductSnapshot>();
  if (r.rows() == 0) return ProductSnapshot{};
  return snapshot_row(r, 0);
}

std::vector<ProductSnapshot> pg_snapshots(PgConnection& pg) {
  std::vector<ProductSnapshot> out;
  if (!pg_expire_due(pg, 0)) return out;
  PgResult r = pg.exec(std::string(kSnapshotColumns) + " ORDER BY p.id");
  if (!r.ok()) return out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(snapshot_row(r, i));
  return out;
}

OrdersPage pg_orders_page(PgConnection& pg, uint64_t product_id, uint64_t first,
                          uint32_t max_count) {
  // The product row comes back even when the page is empty (LEFT JOIN), carrying the generation.
  // OFFSET costs O(first) per page; fine for lab-sized ledgers.
  PgResult r = pg.exec(
      "SELECT p.generation, o.order_id, o.idempotency_key, o.endpoint, o.user_id,"
      " o.reservation_id, o.held_at_ms, o.expires_at_ms, o.confirmed_at_ms"
      " FROM products p LEFT JOIN LATERAL ("
      "   SELECT * FROM orders WHERE product_id = p.id ORDER BY seq OFFSET $2 LIMIT $3) o ON true"
      " WHERE p.id = $1",
      {std::to_string(product_id), std::to_string(first), std::to_string(max_count)});
  OrdersPage page;
  if (!r.ok()) {
    page.failed = true;
    return page;
  }
  if (r.rows() == 0) return page;
  page.found = true;
  page.generation = static_cast<uint64_t>(r.integer(0, 0));
  for (int i = 0; i < r.rows(); ++i) {
    if (r.is_null(i, 1)) continue;  // the empty page's single row
    OrderRecord order{
        std::string(r.text(i, 1)), std::string(r.text(i, 2)), Endpoint::safe,
        std::string(r.text(i, 4)),
        HoldRecord{std::string(r.text(i, 5)), r.integer(i, 6), r.integer(i, 7), r.integer(i, 8)}};
    if (!parse_endpoint_name(r.text(i, 3), order.endpoint)) {
      page.failed = true;  // a row we did not write: fail the stream rather than misreport it
      page.found = false;
      page.orders.clear();
      return page;
    }
    page.orders.push_back(std::move(order));
  }
  return page;
}

ProductSnapshot pg_reset(PgConnection& pg, uint64_t product_id, int64_t stock) {
  const std::string id = std::to_string(product_id);
  const std::string value = std::to_string(stock);
  auto fail = [&] {
    pg.rollback();
    return store_failure<ProductSnapshot>();
  };
  if (!pg.exec("BEGIN").ok()) return fail();
  // Locks the row first, so a purchase in flight commits wholly before or wholly after.
  if (!pg.exec("INSERT INTO products (id, initial_stock, stock, generation) VALUES ($1, $2, $2, 1)"
               " ON CONFLICT (id) DO UPDATE SET initial_stock = $2, stock = $2,"
               " generation = products.generation + 1, held = 0, holds_placed = 0,"
               " holds_confirmed = 0, holds_expired = 0, holds_open = 0",
               {id, value})
           .ok()) {
    return fail();
  }
  if (!pg.exec("DELETE FROM orders WHERE product_id = $1", {id}).ok()) return fail();
  if (!pg.exec("DELETE FROM holds WHERE product_id = $1", {id}).ok()) return fail();
  if (!pg.exec("DELETE FROM user_units WHERE product_id = $1", {id}).ok()) return fail();
  if (!pg.exec("COMMIT").ok()) return fail();
  return pg_snapshot(pg, product_id);
}

}  // namespace stampede::target
