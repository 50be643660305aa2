// RedisStore: every call is one job on the store pool, but redis-lua purchases made from an I/O
// loop, which go down that loop's pipeline; the safe path is one Lua script (redis-lua) or the
// lock protocol in redis_lock_purchase.cpp (redis-lock).
#include "target/store/redis/redis_store.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/query.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <utility>

#include "target/store/redis/redis_scripts.hpp"

namespace stampede::target {

namespace scripts = redis_scripts;

namespace {

// Fills the ledger entry from the script's JSON array: four strings, and for a confirmed hold
// its id and three times in ms. False when it is neither.
bool parse_order(std::string_view text, OrderRecord& out) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const auto* a = ec ? nullptr : v.if_array();
  if (a == nullptr || (a->size() != 4 && a->size() != 8)) return false;
  for (size_t i = 0; i < 5 && i < a->size(); ++i) {
    if (!(*a)[i].is_string()) return false;
  }
  const auto str = [&](size_t i) { return std::string((*a)[i].get_string()); };
  out.order_id = str(0);
  out.idempotency_key = str(1);
  out.user_id = str(3);
  if (a->size() == 8) {
    out.hold.reservation_id = str(4);
    int64_t* times[] = {&out.hold.placed_ms, &out.hold.expires_ms, &out.hold.confirmed_ms};
    for (size_t i = 0; i < 3; ++i) {
      const auto ms = (*a)[5 + i].to_number<int64_t>(ec);
      if (ec) return false;
      *times[i] = ms;
    }
  }
  return parse_endpoint_name(std::string((*a)[2].get_string()), out.endpoint);
}

// kPurchase's KEYS then ARGV for one purchase (redis_scripts.hpp): the key names and numbers
// it owns, and views of them in the script's order. Not copied: the views point into it.
constexpr size_t kPurchaseKeys = 9;
struct PurchaseScriptArgs {
  explicit PurchaseScriptArgs(const OwnedPurchase& p)
      : k(p.product_id),
        quantity(std::to_string(p.quantity)),
        limit(std::to_string(p.per_user_limit)),
        all{k.stock,
            k.orders,
            scripts::kOrderSeqKey,
            k.gen,
            k.keys,
            k.units,
            k.holds,
            k.expiries,
            k.hstats,
            quantity,
            p.idempotency_key,
            endpoint_name(p.endpoint),
            p.user_id,
            limit} {}
  PurchaseScriptArgs(const PurchaseScriptArgs&) = delete;
  PurchaseScriptArgs& operator=(const PurchaseScriptArgs&) = delete;

  std::vector<std::string_view> keys() const { return {all.begin(), all.begin() + kPurchaseKeys}; }
  std::vector<std::string_view> argv() const { return {all.begin() + kPurchaseKeys, all.end()}; }

  const scripts::ProductKeys k;
  const std::string quantity, limit;
  const std::array<std::string_view, 14> all;
};

}  // namespace

Expected<std::unique_ptr<RedisStore>> RedisStore::open(const RedisSettings& settings,
                                                       OrderSink sink) {
  std::vector<std::unique_ptr<RedisConnection>> connections;
  for (unsigned i = 0; i < std::max(1u, settings.connections); ++i) {
    connections.push_back(std::make_unique<RedisConnection>(settings.host, settings.port));
  }
  // Every connection is made now rather than on its thread's first job, which would pay a name
  // lookup in the middle of serving: behind an admin reset, a container network that is being
  // changed (a `compose run` joining it) stalls that lookup for glibc's 2 x 5 s.
  for (auto& c : connections) {
    if (auto ok = c->check(); !ok) return unexpected(ok.error());
  }
  // The loops' pipelines call the purchase script by SHA1 from their first command on.
  RedisReply sha1 = connections.front()->command({"SCRIPT", "LOAD", scripts::kPurchase});
  if (!sha1 || sha1->type != REDIS_REPLY_STRING) {
    return unexpected("redis refused to load the purchase script: " +
                      std::string(sha1 ? reply_string(sha1.get()) : "no answer"));
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto found = resolver.resolve(settings.host, std::to_string(settings.port), ec);
  if (ec || found.empty()) {
    return unexpected("cannot resolve redis host '" + settings.host + "': " + ec.message());
  }
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const auto& entry : found) endpoints.push_back(entry.endpoint());
  return std::unique_ptr<RedisStore>(new RedisStore(settings, std::move(sink),
                                                    std::move(connections), std::move(endpoints),
                                                    std::string(reply_string(sha1.get()))));
}

RedisStore::RedisStore(const RedisSettings& settings, OrderSink sink,
                       std::vector<std::unique_ptr<RedisConnection>> connections,
                       std::vector<boost::asio::ip::tcp::endpoint> endpoints,
                       std::string purchase_sha1)
    : settings_(settings),
      sink_(std::move(sink)),
      endpoints_(std::move(endpoints)),
      purchase_sha1_(std::move(purchase_sha1)),
      pool_(std::move(connections), settings.queue_capacity) {}

std::string_view RedisStore::strategy_name() const {
  if (sink_) return "redis-lua-writebehind";
  return settings_.strategy == RedisStrategy::lua ? "redis-lua" : "redis-lock";
}

PurchaseOutcome RedisStore::outcome_of(const redisReply* reply, const OwnedPurchase& p) const {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
    return PurchaseOutcome{PurchaseStatus::store_error, {}, 0};
  }
  const int64_t status = reply_integer(reply_element(reply, 0), -1);
  const int64_t stock = reply_integer(reply_element(reply, 1));
  switch (status) {
    case scripts::kBought: {
      std::string order_id(reply_string(reply_element(reply, 2)));
      if (sink_) {
        sink_(p.product_id, static_cast<uint64_t>(reply_integer(reply_element(reply, 3))),
              p.order(order_id));
      }
      return PurchaseOutcome{PurchaseStatus::bought, std::move(order_id), stock};
    }
    case scripts::kSoldOut:
      return PurchaseOutcome{PurchaseStatus::sold_out, {}, stock};
    case scripts::kUnknown:
      return PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0};
    case scripts::kLimitReached:
      return PurchaseOutcome{PurchaseStatus::limit_reached, {}, stock};
    case scripts::kUnknownReservation:
      return PurchaseOutcome{PurchaseStatus::unknown_reservation, {}, 0};
    case scripts::kAlreadyConfirmed:
      return PurchaseOutcome{PurchaseStatus::already_confirmed, {}, 0};
    case scripts::kExpired:
      return PurchaseOutcome{PurchaseStatus::expired, {}, 0};
    default:  // lock lost, or a shape we do not know: nothing was written
      return PurchaseOutcome{PurchaseStatus::store_error, {}, 0};
  }
}

void RedisStore::purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) {
  const bool lua = settings_.strategy == RedisStrategy::lua;
  if (lua && request.loop != nullptr) {
    return purchase_on_loop(*request.loop, OwnedPurchase(request), std::move(done));
  }
  auto job = [this, lua, p = OwnedPurchase(request), done](RedisConnection& c) {
    if (!lua) return done(purchase_with_lock(c, p));
    const PurchaseScriptArgs a(p);
    RedisReply r = c.eval(scripts::kPurchase, a.keys(), a.argv());
    done(outcome_of(r.get(), p));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

RedisPipeline& RedisStore::pipeline_for(const boost::asio::any_io_executor& loop) {
  const void* context = &boost::asio::query(loop, boost::asio::execution::context);
  std::lock_guard lock(pipelines_mutex_);
  auto& pipeline = pipelines_[context];
  if (!pipeline) {
    pipeline = std::make_shared<RedisPipeline>(loop, endpoints_, RedisConnection::kTimeout);
  }
  return *pipeline;
}

void RedisStore::purchase_on_loop(const boost::asio::any_io_executor& loop, OwnedPurchase p,
                                  StoreCallback<PurchaseOutcome> done) {
  RedisPipeline& pipeline = pipeline_for(loop);
  // The command for p: EVALSHA, or on NOSCRIPT the whole script by EVAL.
  const auto command = [](const OwnedPurchase& p, std::string_view verb, std::string_view script) {
    const PurchaseScriptArgs a(p);
    std::string resp;
    append_resp_command(resp, {verb, script, std::to_string(kPurchaseKeys)}, a.all);
    return resp;
  };
  const std::string evalsha = command(p, "EVALSHA", purchase_sha1_);
  auto on_reply = [this, &pipeline, command, p = std::move(p),
                   done = std::move(done)](RedisReply r) mutable {
    if (is_error(r.get()) && std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
      // Redis restarted or flushed its scripts: EVAL runs it and caches it again. NOSCRIPT means
      // nothing ran, so this buys at most once.
      const std::string eval = command(p, "EVAL", scripts::kPurchase);
      return pipeline.send(eval, [this, p = std::move(p), done = std::move(done)](RedisReply r2) {
        done(outcome_of(r2.get(), p));
      });
    }
    done(outcome_of(r.get(), p));
  };
  pipeline.send(evalsha, std::move(on_reply));
}

void RedisStore::read_stock(uint64_t product_id, StoreCallback<StockReading> done) {
  auto job = [product_id, done](RedisConnection& c) {
    RedisReply r = c.command({"GET", scripts::ProductKeys(product_id).stock});
    if (!r || is_error(r.get())) return done(store_failure<StockReading>());
    if (r->type == REDIS_REPLY_NIL) return done(StockReading{});
    done(StockReading{true, reply_integer(r.get())});
  };
  if (!pool_.submit(std::move(job))) done(store_failure<StockReading>());
}

void RedisStore::overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                            StoreCallback<PurchaseOutcome> done) {
  auto job = [this, p = OwnedPurchase(request), new_stock, done](RedisConnection& c) {
    const scripts::ProductKeys k(p.product_id);
    const std::string stock = std::to_string(new_stock);
    const std::string quantity = std::to_string(p.quantity);
    const std::string limit = std::to_string(p.per_user_limit);
    RedisReply r = c.eval(
        scripts::kRecord,
        {k.stock, k.orders, scripts::kOrderSeqKey, k.gen, k.lock, k.keys, k.units},
        {"", stock, p.idempotency_key, endpoint_name(p.endpoint), p.user_id, quantity, limit});
    done(outcome_of(r.get(), p));
  };
  if (!pool_.submit(std::move(job))) done(PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
}

ProductSnapshot RedisStore::snapshot(RedisConnection& c, uint64_t product_id, bool holds) {
  const scripts::ProductKeys k(product_id);
  RedisReply r =
      c.eval(scripts::kSnapshot,
             {k.initial, k.stock, k.orders, k.gen, k.units, k.holds, k.expiries, k.hstats}, {});
  ProductSnapshot s;
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
    s.failed = true;
    return s;
  }
  if (reply_integer(reply_element(r.get(), 0)) == 0 || r->elements != 10) return s;
  const auto at = [&](size_t i) { return reply_integer(reply_element(r.get(), i)); };
  s.found = true;
  s.product_id = product_id;
  s.initial_stock = at(1);
  s.stock = at(2);
  s.orders = static_cast<uint64_t>(at(3));
  s.generation = static_cast<uint64_t>(at(4));
  if (holds) {
    s.held = at(5);
    s.holds = HoldCounts{static_cast<uint64_t>(at(6)), static_cast<uint64_t>(at(7)),
                         static_cast<uint64_t>(at(8)), static_cast<uint64_t>(at(9))};
  }
  return s;
}

void RedisStore::read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) {
  auto job = [this, product_id, done](RedisConnection& c) {
    done(snapshot(c, product_id, supports_holds()));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<ProductSnapshot>());
}

void RedisStore::read_products(StoreCallback<std::vector<ProductSnapshot>> done) {
  auto job = [this, done](RedisConnection& c) {
    std::vector<ProductSnapshot> out;
    RedisReply ids = c.command({"SMEMBERS", scripts::kProductsKey});
    if (!ids || ids->type != REDIS_REPLY_ARRAY) return done(std::move(out));
    for (size_t i = 0; i < ids->elements; ++i) {
      ProductSnapshot s =
          snapshot(c, static_cast<uint64_t>(reply_integer(ids->element[i])), supports_holds());
      if (s.found) out.push_back(s);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.product_id < b.product_id; });
    done(std::move(out));
  };
  if (!pool_.submit(std::move(job))) done({});
}

void RedisStore::read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                             StoreCallback<OrdersPage> done) {
  auto job = [product_id, first, max_count, done](RedisConnection& c) {
    const scripts::ProductKeys k(product_id);
    const std::string from = std::to_string(first);
    const std::string to = std::to_string(first + std::max<uint32_t>(max_count, 1) - 1);
    RedisReply r = c.eval(scripts::kOrdersPage, {k.stock, k.orders, k.gen}, {from, to});
    OrdersPage page;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
      page.failed = true;
      return done(std::move(page));
    }
    if (reply_integer(reply_element(r.get(), 0)) == 0) return done(std::move(page));
    const redisReply* entries = reply_element(r.get(), 2);
    if (entries == nullptr || entries->type != REDIS_REPLY_ARRAY) {
      page.failed = true;
      return done(std::move(page));
    }
    page.found = true;
    page.generation = static_cast<uint64_t>(reply_integer(reply_element(r.get(), 1)));
    page.orders.reserve(entries->elements);
    for (size_t i = 0; i < entries->elements; ++i) {
      OrderRecord order;
      if (!parse_order(reply_string(entries->element[i]), order)) {
        page.failed = true;  // a foreign or corrupt entry: fail the stream, never skip it
        page.found = false;
        page.orders.clear();
        break;
      }
      page.orders.push_back(std::move(order));
    }
    done(std::move(page));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<OrdersPage>());
}

void RedisStore::reset(uint64_t product_id, int64_t stock, std::string generation,
                       StoreCallback<ProductSnapshot> done) {
  auto job = [this, product_id, stock, generation = std::move(generation),
              done](RedisConnection& c) {
    const scripts::ProductKeys k(product_id);
    const std::string id = std::to_string(product_id);
    const std::string value = std::to_string(stock);
    RedisReply r = c.eval(scripts::kReset,
                          {k.initial, k.stock, k.orders, k.gen, scripts::kProductsKey, k.keys,
                           k.units, k.holds, k.expiries, k.hstats},
                          {id, value, generation});
    if (!r || r->type != REDIS_REPLY_INTEGER) return done(store_failure<ProductSnapshot>());
    done(snapshot(c, product_id, supports_holds()));
  };
  if (!pool_.submit(std::move(job))) done(store_failure<ProductSnapshot>());
}

void RedisStore::reset_product(uint64_t product_id, int64_t stock,
                               StoreCallback<ProductSnapshot> done) {
  reset(product_id, stock, "", std::move(done));
}

void RedisStore::reset_product_at(uint64_t product_id, int64_t stock, uint64_t generation,
                                  StoreCallback<ProductSnapshot> done) {
  reset(product_id, stock, std::to_string(generation), std::move(done));
}

}  // namespace stampede::target
