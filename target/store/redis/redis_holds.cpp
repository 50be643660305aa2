// redis-lua's per-user limits and reservations: each call is one Lua script (redis_scripts.hpp),
// so a hold's check, decrement and expiry bookkeeping are one atomic step on the server.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "target/store/redis/redis_scripts.hpp"
#include "target/store/redis/redis_store.hpp"

namespace stampede::target {

namespace scripts = redis_scripts;

bool RedisStore::supports_holds() const {
  return settings_.strategy == RedisStrategy::lua && !sink_;
}

void RedisStore::read_stock_for_user(uint64_t product_id, std::string_view user_id,
                                     StoreCallback<StockReading> done) {
  auto job = [product_id, user = std::string(user_id), done](RedisConnection& c) {
    const scripts::ProductKeys k(product_id);
    RedisReply r =
        c.eval(scripts::kStockForUser, {k.stock, k.units, k.holds, k.expiries, k.hstats}, {user});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
      return done(store_failure<StockReading>());
    }
    if (reply_integer(reply_element(r.get(), 0)) == 0) return done(StockReading{});
    StockReading reading{true, reply_integer(reply_element(r.get(), 1))};
    reading.user_units = reply_integer(reply_element(r.get(), 2));
    done(reading);
  };
  if (!pool_.submit(std::move(job))) done(store_failure<StockReading>());
}

void RedisStore::place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) {
  if (!supports_holds()) return Store::place_hold(request, std::move(done));
  auto job = [p = OwnedPurchase(request.purchase), ttl = request.ttl.count(), blind = request.blind,
              new_stock = request.new_stock, done](RedisConnection& c) {
    const scripts::ProductKeys k(p.product_id);
    RedisReply r = c.eval(scripts::kPlaceHold,
                          {k.stock, k.units, k.holds, k.expiries, k.hstats, scripts::kHoldSeqKey},
                          {std::to_string(p.quantity), p.user_id, std::to_string(p.per_user_limit),
                           std::to_string(ttl), std::to_string(p.product_id), blind ? "1" : "0",
                           std::to_string(new_stock)});
    HoldOutcome out;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 4) return done(std::move(out));
    out.remaining = reply_integer(reply_element(r.get(), 1));
    switch (reply_integer(reply_element(r.get(), 0), -1)) {
      case scripts::kBought:
        out.status = PurchaseStatus::bought;
        out.reservation_id = std::string(reply_string(reply_element(r.get(), 2)));
        out.expires_ms = reply_integer(reply_element(r.get(), 3));
        break;
      case scripts::kSoldOut:
        out.status = PurchaseStatus::sold_out;
        break;
      case scripts::kLimitReached:
        out.status = PurchaseStatus::limit_reached;
        break;
      case scripts::kUnknown:
        out.status = PurchaseStatus::unknown_product;
        break;
      default:
        break;  // store_error: a shape we do not know
    }
    done(std::move(out));
  };
  if (!pool_.submit(std::move(job))) done(HoldOutcome{});
}

void RedisStore::read_hold(std::string_view reservation_id, StoreCallback<HoldReading> done) {
  uint64_t product_id = 0, number = 0;
  if (!parse_reservation_id(reservation_id, product_id, number)) return done(HoldReading{});
  auto job = [product_id, id = std::string(reservation_id), done](RedisConnection& c) {
    RedisReply r = c.command({"HGET", scripts::ProductKeys(product_id).holds, id});
    if (!r || is_error(r.get())) return done(store_failure<HoldReading>());
    if (r->type == REDIS_REPLY_NIL) return done(HoldReading{});
    // [user_id, quantity, placed_ms, expires_ms, state], as kPlaceHold wrote it.
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(reply_string(r.get()), ec);
    const auto* a = ec ? nullptr : v.if_array();
    if (a == nullptr || a->size() != 5 || !(*a)[4].is_string()) {
      return done(store_failure<HoldReading>());
    }
    HoldReading reading;
    reading.found = true;
    reading.open = (*a)[4].get_string() == "open";
    reading.expires_ms = (*a)[3].to_number<int64_t>(ec);
    if (ec) return done(store_failure<HoldReading>());
    done(reading);
  };
  if (!pool_.submit(std::move(job))) done(store_failure<HoldReading>());
}

void RedisStore::confirm_hold(const ConfirmRequest& request, StoreCallback<PurchaseOutcome> done) {
  if (!supports_holds()) return Store::confirm_hold(request, std::move(done));
  uint64_t product_id = 0, number = 0;
  if (!parse_reservation_id(request.reservation_id, product_id, number)) {
    return done(PurchaseOutcome{PurchaseStatus::unknown_reservation, {}, 0});
  }
  // The ledger line's user is the hold's; outcome_of only reads the product from p.
  PurchaseRequest as_purchase;
  as_purchase.product_id = product_id;
  as_purchase.idempotency_key = request.idempotency_key;
  as_purchase.endpoint = request.endpoint;
  auto job = [this, p = OwnedPurchase(as_purchase), id = std::string(request.reservation_id),
              blind = request.blind, done](RedisConnection& c) {
    const scripts::ProductKeys k(p.product_id);
    RedisReply r = c.eval(
        scripts::kConfirmHold,
        {k.stock, k.orders, scripts::kOrderSeqKey, k.gen, k.units, k.holds, k.expiries, k.hstats},
        {id, p.idempotency_key, endpoint_name(p.endpoint), blind ? "1" : "0"});
    PurchaseOutcome out = outcome_of(r.get(), p);
    out.product_id = p.product_id;
    done(std::move(out));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

}  // namespace stampede::target
