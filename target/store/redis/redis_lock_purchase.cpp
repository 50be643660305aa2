// redis-lock: the safe path as a distributed lock. SET NX PX takes the product's lock (retrying
// with bounded, jittered backoff while someone else holds it); the stock is read; the write is
// a script that refuses unless the lock is still ours (so an expired TTL cannot cause a lost
// update); the lock is released by compare-and-delete.
#include <algorithm>
#include <random>
#include <thread>

#include "target/store/redis/redis_scripts.hpp"
#include "target/store/redis/redis_store.hpp"

namespace stampede::target {

namespace scripts = redis_scripts;

namespace {

// A token unique to this attempt, so we never release a lock someone else took after ours
// expired.
std::string lock_token() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng()) + "-" + std::to_string(rng());
}

std::chrono::microseconds jittered(std::chrono::microseconds base) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> spread(base.count() / 2, base.count());
  return std::chrono::microseconds(spread(rng));
}

}  // namespace

PurchaseOutcome RedisStore::purchase_with_lock(RedisConnection& c, const OwnedPurchase& p) const {
  const PurchaseOutcome error{PurchaseStatus::store_error, {}, 0};
  const scripts::ProductKeys k(p.product_id);
  const std::string token = lock_token();
  const std::string ttl = std::to_string(settings_.lock_ttl.count());

  // Acquire. The backoff waits on this store thread only; HTTP threads never wait here.
  const auto deadline = std::chrono::steady_clock::now() + settings_.lock_wait;
  std::chrono::microseconds backoff{200};
  for (;;) {
    RedisReply r = c.command({"SET", k.lock, token, "NX", "PX", ttl});
    if (!r || is_error(r.get())) return error;
    if (r->type == REDIS_REPLY_STATUS) break;  // "OK": ours
    if (std::chrono::steady_clock::now() >= deadline) return error;
    std::this_thread::sleep_for(jittered(backoff));
    backoff = std::min(backoff * 2, std::chrono::microseconds(20'000));
  }

  PurchaseOutcome out = error;
  RedisReply stock = c.command({"GET", k.stock});
  if (stock && stock->type == REDIS_REPLY_NIL) {
    out = PurchaseOutcome{PurchaseStatus::unknown_product, {}, 0};
  } else if (stock && stock->type == REDIS_REPLY_STRING) {
    const int64_t current = reply_integer(stock.get());
    if (current < static_cast<int64_t>(p.quantity)) {
      out = PurchaseOutcome{PurchaseStatus::sold_out, {}, current};
    } else {
      const std::string remaining = std::to_string(current - p.quantity);
      // No limit here: redis-lock keeps none (the target refuses one with it at start-up).
      RedisReply w = c.eval(
          scripts::kRecord,
          {k.stock, k.orders, scripts::kOrderSeqKey, k.gen, k.lock, k.keys, k.units},
          {token, remaining, p.idempotency_key, endpoint_name(p.endpoint), p.user_id, "1", "0"});
      out = outcome_of(w.get(), p);
    }
  }
  // Best effort: if this fails the TTL frees the lock.
  c.eval(scripts::kReleaseLock, {k.lock}, {token});
  return out;
}

}  // namespace stampede::target
