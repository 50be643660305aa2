// The Redis store: stock and ledger in Redis, two strategies for the safe path.
//
//   auto store = RedisStore::open({.host = "127.0.0.1", .port = 6379});
//   if (!store) { std::cerr << store.error(); return 3; }
//
// Thread-safe. Calls are queued to a small pool of store threads, each with its own connection;
// completions run on those threads. The exception is the hot path, redis-lua purchases: with the
// caller's loop (PurchaseRequest::loop) they go down that loop's own pipelined connection
// (RedisPipeline) and complete on it, no thread hop; without one they are store-thread jobs
// like every other call. A call that gets no answer from Redis completes with store_error (or
// `failed`); the connection reconnects on the next call.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/expected.hpp"
#include "target/store/owned_purchase.hpp"
#include "target/store/redis/redis_connection.hpp"
#include "target/store/redis/redis_pipeline.hpp"
#include "target/store/store.hpp"
#include "target/store/store_thread_pool.hpp"

namespace stampede::target {

enum class RedisStrategy : uint8_t {
  lua,   // "redis-lua": one script checks, decrements and records
  lock,  // "redis-lock": SET NX PX lock, read, fenced write, compare-and-delete release
};

struct RedisSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  RedisStrategy strategy = RedisStrategy::lua;
  std::chrono::milliseconds lock_ttl{1000};
  // How long redis-lock keeps retrying a held lock before it answers store_error.
  std::chrono::milliseconds lock_wait{3000};
  unsigned connections = 8;
  size_t queue_capacity = 8192;
};

// Called on the store thread for every order the store records, before the purchase completes
// (write-behind uses it to queue the order for PostgreSQL).
using OrderSink = std::function<void(uint64_t product_id, uint64_t generation, OrderRecord)>;

class RedisStore final : public Store {
 public:
  // Connects one connection first and PINGs, so a down Redis is an error here, not later.
  static Expected<std::unique_ptr<RedisStore>> open(const RedisSettings& settings,
                                                    OrderSink sink = {});

  std::string_view strategy_name() const override;
  void purchase(const PurchaseRequest& request, StoreCallback<PurchaseOutcome> done) override;
  void read_stock(uint64_t product_id, StoreCallback<StockReading> done) override;
  void overwrite_stock_and_record(const PurchaseRequest& request, int64_t new_stock,
                                  StoreCallback<PurchaseOutcome> done) override;
  // Limits and holds: redis-lua only (redis_holds.cpp); the lock and write-behind strategies
  // keep none, and the target refuses a limit with them at start-up.
  void read_stock_for_user(uint64_t product_id, std::string_view user_id,
                           StoreCallback<StockReading> done) override;
  bool supports_holds() const override;
  void place_hold(const HoldRequest& request, StoreCallback<HoldOutcome> done) override;
  void read_hold(std::string_view reservation_id, StoreCallback<HoldReading> done) override;
  void confirm_hold(const ConfirmRequest& request, StoreCallback<PurchaseOutcome> done) override;
  void read_product(uint64_t product_id, StoreCallback<ProductSnapshot> done) override;
  void read_products(StoreCallback<std::vector<ProductSnapshot>> done) override;
  void read_orders(uint64_t product_id, uint64_t first, uint32_t max_count,
                   StoreCallback<OrdersPage> done) override;
  void reset_product(uint64_t product_id, int64_t stock,
                     StoreCallback<ProductSnapshot> done) override;

  // reset_product with the generation given rather than bumped: write-behind keeps Redis's
  // generation equal to the ledger's, which PostgreSQL assigns.
  void reset_product_at(uint64_t product_id, int64_t stock, uint64_t generation,
                        StoreCallback<ProductSnapshot> done);

 private:
  RedisStore(const RedisSettings& settings, OrderSink sink,
             std::vector<std::unique_ptr<RedisConnection>> connections,
             std::vector<boost::asio::ip::tcp::endpoint> endpoints, std::string purchase_sha1);

  void reset(uint64_t product_id, int64_t stock, std::string generation,
             StoreCallback<ProductSnapshot> done);
  // Turns a script's {status, stock, order_id, gen} reply into a PurchaseOutcome (and feeds the
  // sink when bought).
  PurchaseOutcome outcome_of(const redisReply* reply, const OwnedPurchase& p) const;
  PurchaseOutcome purchase_with_lock(RedisConnection& c, const OwnedPurchase& p) const;
  // holds: whether this strategy keeps them (otherwise held reads -1, "not kept").
  static ProductSnapshot snapshot(RedisConnection& c, uint64_t product_id, bool holds);

  // The pipeline of the loop a purchase came from, made on its first purchase.
  RedisPipeline& pipeline_for(const boost::asio::any_io_executor& loop);
  // redis-lua on the caller's loop: EVALSHA down its pipeline, EVAL once more on NOSCRIPT.
  void purchase_on_loop(const boost::asio::any_io_executor& loop, OwnedPurchase p,
                        StoreCallback<PurchaseOutcome> done);

  const RedisSettings settings_;
  const OrderSink sink_;
  const std::vector<boost::asio::ip::tcp::endpoint> endpoints_;  // Redis, resolved at open()
  const std::string purchase_sha1_;                              // kPurchase, loaded at open()
  std::mutex pipelines_mutex_;                                   // guards pipelines_
  std::unordered_map<const void*, std::shared_ptr<RedisPipeline>> pipelines_;  // by loop
  StoreThreadPool<RedisConnection> pool_;
};

}  // namespace stampede::target
