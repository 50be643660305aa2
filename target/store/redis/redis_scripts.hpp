// The Lua scripts and key names of the Redis store. Each script is one atomic step on the
// server, which is what makes redis-lua safe and what fences redis-lock's write.
//
// Keys per product P: stampede:P:stock, :initial, :orders (a list of JSON arrays
// [order_id, idempotency_key, endpoint, user_id]), :gen (bumped by every reset), :lock.
// :keys (a hash idempotency key -> order id: the durable backstop behind the in-process
// idempotency table, so a retry after an unanswered write finds its order instead of buying
// twice). Global: stampede:products (a set of ids), stampede:order_seq (order id counter).
// Replies that carry an outcome are {status, stock, order_id, generation} with status
// 0 bought, 1 sold out, 2 unknown product, 3 lock lost.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stampede::target::redis_scripts {

inline constexpr int64_t kBought = 0;
inline constexpr int64_t kSoldOut = 1;
inline constexpr int64_t kUnknown = 2;
inline constexpr int64_t kLockLost = 3;

inline constexpr std::string_view kProductsKey = "stampede:products";
inline constexpr std::string_view kOrderSeqKey = "stampede:order_seq";

struct ProductKeys {
  explicit ProductKeys(uint64_t id)
      : prefix("stampede:" + std::to_string(id) + ":"),
        stock(prefix + "stock"),
        initial(prefix + "initial"),
        orders(prefix + "orders"),
        gen(prefix + "gen"),
        lock(prefix + "lock"),
        keys(prefix + "keys") {}
  std::string prefix, stock, initial, orders, gen, lock, keys;
};

// KEYS stock, orders, order_seq, gen, keys. ARGV quantity, idempotency_key, endpoint, user_id.
// Check, decrement and ledger append in one step: the whole redis-lua strategy.
inline constexpr std::string_view kPurchase = R"lua(
local stock = redis.call('GET', KEYS[1])
if not stock then return {2, 0, '', 0} end
stock = tonumber(stock)
local gen = tonumber(redis.call('GET', KEYS[4]) or '0')
if ARGV[2] ~= '' then
  local prior = redis.call('HGET', KEYS[5], ARGV[2])
  if prior then return {0, stock, prior, gen} end
end
local qty = tonumber(ARGV[1])
if stock < qty then return {1, stock, '', gen} end
stock = stock - qty
redis.call('SET', KEYS[1], stock)
local id = 'r-' .. redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], cjson.encode({id, ARGV[2], ARGV[3], ARGV[4]}))
if ARGV[2] ~= '' then redis.call('HSET', KEYS[5], ARGV[2], id) end
return {0, stock, id, gen}
)lua";

// KEYS stock, orders, order_seq, gen, lock, keys. ARGV token ('' = unfenced), new_stock,
// idempotency_key, endpoint, user_id. A blind store of a computed stock plus the ledger append:
// unfenced it is the buggy endpoint's write (no idempotency record: buggy keeps none);
// fenced by the lock token it is redis-lock's write, refused when the lock expired and someone
// else may have written since.
inline constexpr std::string_view kRecord = R"lua(
local fenced = ARGV[1] ~= ''
if fenced and redis.call('GET', KEYS[5]) ~= ARGV[1] then return {3, 0, '', 0} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {2, 0, '', 0} end
local gen = tonumber(redis.call('GET', KEYS[4]) or '0')
local keyed = fenced and ARGV[3] ~= ''
if keyed then
  local prior = redis.call('HGET', KEYS[6], ARGV[3])
  if prior then return {0, tonumber(redis.call('GET', KEYS[1])), prior, gen} end
end
redis.call('SET', KEYS[1], ARGV[2])
local id = 'r-' .. redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], cjson.encode({id, ARGV[3], ARGV[4], ARGV[5]}))
if keyed then redis.call('HSET', KEYS[6], ARGV[3], id) end
return {0, tonumber(ARGV[2]), id, gen}
)lua";

// KEYS lock. ARGV token. Deletes the lock only if we still hold it.
inline constexpr std::string_view kReleaseLock = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS initial, stock, orders, gen. -> {0} or {1, initial, stock, ledger length, gen}
inline constexpr std::string_view kSnapshot = R"lua(
local stock = redis.call('GET', KEYS[2])
if not stock then return {0} end
return {1, tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(stock),
        redis.call('LLEN', KEYS[3]), tonumber(redis.call('GET', KEYS[4]) or '0')}
)lua";

// KEYS stock, orders, gen. ARGV first, last (inclusive). -> {0} or {1, gen, {entries...}}
inline constexpr std::string_view kOrdersPage = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
return {1, tonumber(redis.call('GET', KEYS[3]) or '0'),
        redis.call('LRANGE', KEYS[2], ARGV[1], ARGV[2])}
)lua";

// KEYS initial, stock, orders, gen, products, keys. ARGV id, stock, generation ('' = next).
inline constexpr std::string_view kReset = R"lua(
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3], KEYS[6])
redis.call('SADD', KEYS[5], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[4], ARGV[3])
  return tonumber(ARGV[3])
end
return redis.call('INCR', KEYS[4])
)lua";

}  // namespace stampede::target::redis_scripts
