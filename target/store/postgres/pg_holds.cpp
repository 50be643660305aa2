// Per-user limits and reservations on PostgreSQL. Each change locks the product's row first
// (SELECT ... FOR UPDATE), then expires its due holds, decides and writes: one transaction, one
// lock order, so holds, units and stock move together and two changes never deadlock. Times
// are PostgreSQL's own clock, one clock for every target process sharing the database.
#include "target/store/postgres/postgres_store.hpp"

namespace stampede::target {
namespace {

constexpr int kAttempts = 5;

#define STAMPEDE_PG_NOW_MS "floor(extract(epoch from clock_timestamp()) * 1000)::bigint"

// With the product's row locked: expired open holds give their stock, and their users' units,
// back. One row (the stock after) when some were due, none otherwise.
constexpr const char* kExpireDueLocked =
    "WITH due AS ("
    "  UPDATE holds SET state = 'expired'"
    "  WHERE product_id = $1 AND state = 'open' AND expires_ms <= " STAMPEDE_PG_NOW_MS
    "  RETURNING user_id, quantity),"
    " per_user AS (SELECT user_id, sum(quantity) AS q FROM due GROUP BY user_id),"
    " freed AS ("
    "  UPDATE user_units u SET units = u.units - per_user.q FROM per_user"
    "  WHERE u.product_id = $1 AND u.user_id = per_user.user_id)"
    " UPDATE products SET"
    "  stock = stock + (SELECT coalesce(sum(quantity), 0) FROM due),"
    "  held = held - (SELECT coalesce(sum(quantity), 0) FROM due),"
    "  holds_open = holds_open - (SELECT count(*) FROM due),"
    "  holds_expired = holds_expired + (SELECT count(*) FROM due)"
    " WHERE id = $1 AND EXISTS (SELECT 1 FROM due) RETURNING stock";

// $1 product, $2 user, $3 quantity, $4 ttl in ms. -> the reservation's number and expiry.
constexpr const char* kInsertHold =
    "WITH t AS (SELECT " STAMPEDE_PG_NOW_MS
    " AS now),"
    " h AS ("
    "  INSERT INTO holds (product_id, user_id, quantity, placed_ms, expires_ms, state)"
    "  SELECT $1::bigint, $2::text, $3::bigint, now, now + $4::bigint, 'open' FROM t"
    "  RETURNING number, expires_ms),"
    " c AS ("
    "  UPDATE products SET held = held + $3, holds_placed = holds_placed + 1,"
    "  holds_open = holds_open + 1 WHERE id = $1)"
    " SELECT number, expires_ms FROM h";

constexpr const char* kAddUnits =
    "INSERT INTO user_units (product_id, user_id, units) VALUES ($1, $2, $3)"
    " ON CONFLICT (product_id, user_id) DO UPDATE SET units = user_units.units + EXCLUDED.units";

// Rolls back; whether the whole transaction should run again.
bool give_up(PgConnection& pg, const PgResult& r) {
  pg.rollback();
  return is_retryable(r);
}

// BEGIN and lock the product's row; its stock after due holds expired, or nullopt with status
// set (unknown product, or the store failed with retry said).
std::optional<int64_t> begin_locked(PgConnection& pg, const std::string& product,
                                    PurchaseStatus missing, PgTake& out) {
  out.status = PurchaseStatus::store_error;
  if (PgResult b = pg.exec("BEGIN"); !b.ok()) {
    out.retry = give_up(pg, b);
    return std::nullopt;
  }
  PgResult s =
      pg.exec("SELECT stock, holds_open FROM products WHERE id = $1 FOR UPDATE", {product});
  if (!s.ok()) {
    out.retry = give_up(pg, s);
    return std::nullopt;
  }
  if (s.rows() == 0) {
    pg.rollback();
    out.status = missing;
    return std::nullopt;
  }
  int64_t stock = s.integer(0, 0);
  if (s.integer(0, 1) > 0) {
    PgResult e = pg.exec(kExpireDueLocked, {product});
    if (!e.ok()) {
      out.retry = give_up(pg, e);
      return std::nullopt;
    }
    if (e.rows() == 1) stock = e.integer(0, 0);
  }
  return stock;
}

PgTake take_once(PgConnection& pg, const OwnedPurchase& p) {
  const std::string product = std::to_string(p.product_id);
  const std::string quantity = std::to_string(p.quantity);
  PgTake out;
  const auto stock = begin_locked(pg, product, PurchaseStatus::unknown_product, out);
  if (!stock) return out;
  out.remaining = *stock;
  if (*stock < static_cast<int64_t>(p.quantity)) {
    pg.rollback();
    out.status = PurchaseStatus::sold_out;
    return out;
  }
  if (p.per_user_limit > 0) {
    PgResult u = pg.exec("SELECT units FROM user_units WHERE product_id = $1 AND user_id = $2",
                         {product, p.user_id});
    if (!u.ok()) return PgTake{PurchaseStatus::store_error, 0, give_up(pg, u)};
    const int64_t has = u.rows() == 0 ? 0 : u.integer(0, 0);
    if (has + p.quantity > p.per_user_limit) {
      pg.rollback();
      out.status = PurchaseStatus::limit_reached;
      return out;
    }
    PgResult a = pg.exec(kAddUnits, {product, p.user_id, quantity});
    if (!a.ok()) return PgTake{PurchaseStatus::store_error, 0, give_up(pg, a)};
  }
  PgResult d = pg.exec("UPDATE products SET stock = stock - $2 WHERE id = $1", {product, quantity});
  if (!d.ok()) return PgTake{PurchaseStatus::store_error, 0, give_up(pg, d)};
  out.status = PurchaseStatus::bought;
  out.remaining = *stock - p.quantity;
  return out;
}

PgTake blind_take_once(PgConnection& pg, const OwnedPurchase& p, int64_t new_stock) {
  const std::string product = std::to_string(p.product_id);
  if (PgResult b = pg.exec("BEGIN"); !b.ok())
    return PgTake{PurchaseStatus::store_error, 0, give_up(pg, b)};
  PgResult u = pg.exec("UPDATE products SET stock = $2 WHERE id = $1 RETURNING id",
                       {product, std::to_string(new_stock)});
  if (!u.ok()) return PgTake{PurchaseStatus::store_error, 0, give_up(pg, u)};
  if (u.rows() == 0) {
    pg.rollback();
    return PgTake{PurchaseStatus::unknown_product, 0, false};
  }
  if (p.per_user_limit > 0) {
    PgResult a = pg.exec(kAddUnits, {product, p.user_id, std::to_string(p.quantity)});
    if (!a.ok()) return PgTake{PurchaseStatus::store_error, 0, give_up(pg, a)};
  }
  return PgTake{PurchaseStatus::bought, new_stock, false};
}

HoldOutcome place_hold_once(PgConnection& pg, const OwnedPurchase& p, int64_t ttl_ms, bool blind,
                            int64_t new_stock, bool& retry) {
  HoldOutcome out;
  const PgTake take = blind ? pg_begin_blind_take(pg, p, new_stock) : take_once(pg, p);
  retry = take.retry;
  out.status = take.status;
  out.remaining = take.remaining;
  if (take.status != PurchaseStatus::bought) return out;
  out.status = PurchaseStatus::store_error;
  PgResult h = pg.exec(kInsertHold, {std::to_string(p.product_id), p.user_id,
                                     std::to_string(p.quantity), std::to_string(ttl_ms)});
  if (!h.ok() || h.rows() != 1) {
    retry = give_up(pg, h);
    return out;
  }
  const int64_t number = h.integer(0, 0);
  out.expires_ms = h.integer(0, 1);
  if (PgResult c = pg.exec("COMMIT"); !c.ok()) {
    retry = give_up(pg, c);
    return out;
  }
  out.status = PurchaseStatus::bought;
  out.reservation_id = reservation_id(p.product_id, static_cast<uint64_t>(number));
  return out;
}

PurchaseOutcome confirm_once(PgConnection& pg, const ConfirmRequest& request, uint64_t product_id,
                             uint64_t number, bool& retry) {
  const std::string product = std::to_string(product_id);
  const std::string hold_number = std::to_string(number);
  PurchaseOutcome out{PurchaseStatus::store_error, {}, 0};
  PgTake locked;
  const auto stock = begin_locked(pg, product, PurchaseStatus::unknown_reservation, locked);
  retry = locked.retry;
  if (!stock) {
    out.status = locked.status;
    return out;
  }
  const auto fail = [&](const PgResult& r) {
    retry = give_up(pg, r);
    return out;
  };
  const auto refuse = [&](PurchaseStatus status) {
    pg.rollback();
    out.status = status;
    return out;
  };
  PgResult h = pg.exec(
      "SELECT user_id, quantity, placed_ms, expires_ms, state FROM holds"
      " WHERE number = $2 AND product_id = $1",
      {product, hold_number});
  if (!h.ok()) return fail(h);
  if (h.rows() == 0) return refuse(PurchaseStatus::unknown_reservation);
  const std::string_view state = h.text(0, 4);
  if (state == "confirmed") return refuse(PurchaseStatus::already_confirmed);
  // Buggy (blind) confirms an expired hold too: its stock went back at expiry and sells again.
  if (state == "expired" && !request.blind) return refuse(PurchaseStatus::expired);
  const bool open = state == "open";
  const std::string user(h.text(0, 0));
  const int64_t quantity = h.integer(0, 1);
  PgResult c = pg.exec(
      "WITH s AS (UPDATE holds SET state = 'confirmed' WHERE number = $2)"
      " UPDATE products SET held = held - $3, holds_open = holds_open - $4,"
      " holds_confirmed = holds_confirmed + 1 WHERE id = $1",
      {product, hold_number, std::to_string(open ? quantity : 0), open ? "1" : "0"});
  if (!c.ok()) return fail(c);
  PgResult ins = pg.exec(
      "INSERT INTO orders (product_id, idempotency_key, endpoint, user_id, reservation_id,"
      " held_at_ms, expires_at_ms, confirmed_at_ms)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, " STAMPEDE_PG_NOW_MS
      ") ON CONFLICT DO NOTHING RETURNING order_id",
      {product, std::string(request.idempotency_key), std::string(endpoint_name(request.endpoint)),
       user, std::string(request.reservation_id), std::string(h.text(0, 2)),
       std::string(h.text(0, 3))});
  if (!ins.ok()) return fail(ins);
  if (ins.rows() == 0) {
    // The key already has an order here: a retry whose first answer was lost.
    pg.rollback();
    auto prior = pg_prior_order(pg, product_id, std::string(request.idempotency_key), retry);
    if (prior) out = PurchaseOutcome{PurchaseStatus::bought, std::move(*prior), *stock};
    out.product_id = product_id;
    return out;
  }
  std::string order_id(ins.text(0, 0));
  if (PgResult done = pg.exec("COMMIT"); !done.ok()) return fail(done);
  out = PurchaseOutcome{PurchaseStatus::bought, std::move(order_id), *stock, product_id};
  return out;
}

// Runs one attempt until it need not run again, at most kAttempts times.
template <class T, class Once>
T with_retries(Once once) {
  T out{};
  for (int i = 0; i < kAttempts; ++i) {
    bool retry = false;
    out = once(retry);
    if (!retry) break;
  }
  return out;
}

}  // namespace

PgTake pg_begin_take(PgConnection& pg, const OwnedPurchase& p) {
  return take_once(pg, p);
}

PgTake pg_begin_blind_take(PgConnection& pg, const OwnedPurchase& p, int64_t new_stock) {
  return blind_take_once(pg, p, new_stock);
}

HoldOutcome pg_place_hold(PgConnection& pg, const OwnedPurchase& p, int64_t ttl_ms, bool blind,
                          int64_t new_stock) {
  return with_retries<HoldOutcome>(
      [&](bool& retry) { return place_hold_once(pg, p, ttl_ms, blind, new_stock, retry); });
}

PurchaseOutcome pg_confirm_hold(PgConnection& pg, const ConfirmRequest& request,
                                uint64_t product_id, uint64_t number) {
  return with_retries<PurchaseOutcome>(
      [&](bool& retry) { return confirm_once(pg, request, product_id, number, retry); });
}

HoldReading pg_read_hold(PgConnection& pg, uint64_t product_id, uint64_t number) {
  PgResult r = pg.exec("SELECT state, expires_ms FROM holds WHERE number = $2 AND product_id = $1",
                       {std::to_string(product_id), std::to_string(number)});
  if (!r.ok()) return store_failure<HoldReading>();
  HoldReading reading;
  if (r.rows() == 0) return reading;
  reading.found = true;
  reading.open = r.text(0, 0) == "open";
  reading.expires_ms = r.integer(0, 1);
  return reading;
}

StockReading pg_stock_for_user(PgConnection& pg, uint64_t product_id, const std::string& user) {
  if (!pg_expire_due(pg, product_id)) return store_failure<StockReading>();
  PgResult r = pg.exec(
      "SELECT p.stock, coalesce((SELECT units FROM user_units u"
      "  WHERE u.product_id = p.id AND u.user_id = $2), 0) FROM products p WHERE p.id = $1",
      {std::to_string(product_id), user});
  if (!r.ok()) return store_failure<StockReading>();
  if (r.rows() == 0) return StockReading{};
  StockReading reading{true, r.integer(0, 0)};
  reading.user_units = r.integer(0, 1);
  return reading;
}

bool pg_expire_due(PgConnection& pg, uint64_t product_id) {
  // Only products with a hold due are locked, so a reader costs one indexed query otherwise.
  PgResult due = pg.exec(
      "SELECT DISTINCT product_id FROM holds WHERE state = 'open' AND expires_ms "
      "<= " STAMPEDE_PG_NOW_MS " AND ($1::bigint = 0 OR product_id = $1::bigint)",
      {std::to_string(product_id)});
  if (!due.ok()) return false;
  for (int i = 0; i < due.rows(); ++i) {
    PgTake locked;
    if (!begin_locked(pg, std::string(due.text(i, 0)), PurchaseStatus::unknown_product, locked)) {
      if (locked.status == PurchaseStatus::store_error) return false;
      continue;  // the product went away meanwhile
    }
    if (!pg.exec("COMMIT").ok()) {
      pg.rollback();
      return false;
    }
  }
  return true;
}

}  // namespace stampede::target

#undef STAMPEDE_PG_NOW_MS
