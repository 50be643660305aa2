// The Lua scripts and key names of the Redis store. Each script is one atomic step on the
// server, which is what makes redis-lua safe and what fences redis-lock's write.
//
// Keys per product P: stampede:P:stock, :initial, :orders (a list of JSON arrays
// [order_id, idempotency_key, endpoint, user_id]), :gen (bumped by every reset), :lock.
// :keys (a hash idempotency key -> order id: the durable backstop behind the in-process
// idempotency table, so a retry after an unanswered write finds its order instead of buying
// twice). Per-user limits and holds (redis-lua only): :units (a hash user -> units held or
// bought, kept while a limit is asked for), :holds (a hash reservation id -> JSON array
// [user_id, quantity, placed_ms, expires_ms, state]), :expiries (a sorted set of open holds by
// expiry), :hstats (a hash: held, placed, confirmed, expired, open). Global: stampede:products
// (a set of ids), stampede:order_seq and stampede:hold_seq (id counters).
// Replies that carry an outcome are {status, stock, order_id, generation} with status
// 0 bought, 1 sold out, 2 unknown product, 3 lock lost, 4 limit reached, 5 unknown reservation,
// 6 already confirmed, 7 expired. Times are Redis's own clock (TIME), one clock for every
// target process that shares the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stampede::target::redis_scripts {

inline constexpr int64_t kBought = 0;
inline constexpr int64_t kSoldOut = 1;
inline constexpr int64_t kUnknown = 2;
inline constexpr int64_t kLockLost = 3;
inline constexpr int64_t kLimitReached = 4;
inline constexpr int64_t kUnknownReservation = 5;
inline constexpr int64_t kAlreadyConfirmed = 6;
inline constexpr int64_t kExpired = 7;

inline constexpr std::string_view kProductsKey = "stampede:products";
inline constexpr std::string_view kOrderSeqKey = "stampede:order_seq";
inline constexpr std::string_view kHoldSeqKey = "stampede:hold_seq";

struct ProductKeys {
  explicit ProductKeys(uint64_t id)
      : prefix("stampede:" + std::to_string(id) + ":"),
        stock(prefix + "stock"),
        initial(prefix + "initial"),
        orders(prefix + "orders"),
        gen(prefix + "gen"),
        lock(prefix + "lock"),
        keys(prefix + "keys"),
        units(prefix + "units"),
        holds(prefix + "holds"),
        expiries(prefix + "expiries"),
        hstats(prefix + "hstats") {}
  std::string prefix, stock, initial, orders, gen, lock, keys, units, holds, expiries, hstats;
};

// Lua shared by the scripts that touch holds: Redis's clock in ms, and the lazy expiry that
// gives an expired open hold's stock and units back. expire_due costs one EXISTS on a product
// without open holds (Redis drops an empty sorted set).
inline constexpr std::string_view kHoldsPrelude = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function expire_due(stock, units, holds, expiries, hstats, now)
  if redis.call('EXISTS', expiries) == 0 then return end
  local due = redis.call('ZRANGEBYSCORE', expiries, '-inf', now or now_ms())
  for _, id in ipairs(due) do
    local raw = redis.call('HGET', holds, id)
    if raw then
      local h = cjson.decode(raw)
      if h[5] == 'open' then
        h[5] = 'expired'
        redis.call('HSET', holds, id, cjson.encode(h))
        redis.call('INCRBY', stock, h[2])
        if redis.call('HEXISTS', units, h[1]) == 1 then
          redis.call('HINCRBY', units, h[1], -h[2])
        end
        redis.call('HINCRBY', hstats, 'held', -h[2])
        redis.call('HINCRBY', hstats, 'open', -1)
        redis.call('HINCRBY', hstats, 'expired', 1)
      end
    end
    redis.call('ZREM', expiries, id)
  end
end
)lua";

// KEYS stock, orders, order_seq, gen, keys, units, holds, expiries, hstats. ARGV quantity,
// idempotency_key, endpoint, user_id, per_user_limit (0: none). Expiry of due holds, check
// (stock, then the user's units), decrement and ledger append in one step: the whole redis-lua
// strategy.
inline const std::string kPurchase = std::string(kHoldsPrelude) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {2, 0, '', 0} end
local gen = tonumber(redis.call('GET', KEYS[4]) or '0')
if ARGV[2] ~= '' then
  local prior = redis.call('HGET', KEYS[5], ARGV[2])
  if prior then return {0, tonumber(redis.call('GET', KEYS[1])), prior, gen} end
end
expire_due(KEYS[1], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
local stock = tonumber(redis.call('GET', KEYS[1]))
local qty = tonumber(ARGV[1])
if stock < qty then return {1, stock, '', gen} end
local limit = tonumber(ARGV[5])
if limit > 0 then
  if tonumber(redis.call('HGET', KEYS[6], ARGV[4]) or '0') + qty > limit then
    return {4, stock, '', gen}
  end
  redis.call('HINCRBY', KEYS[6], ARGV[4], qty)
end
stock = stock - qty
redis.call('SET', KEYS[1], stock)
local id = 'r-' .. redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], cjson.encode({id, ARGV[2], ARGV[3], ARGV[4]}))
if ARGV[2] ~= '' then redis.call('HSET', KEYS[5], ARGV[2], id) end
return {0, stock, id, gen}
)lua";

// KEYS stock, orders, order_seq, gen, lock, keys, units. ARGV token ('' = unfenced), new_stock,
// idempotency_key, endpoint, user_id, quantity, per_user_limit (0: none; the units are counted,
// never checked: buggy checked them on its earlier read). A blind store of a computed stock plus
// the ledger append: unfenced it is the buggy endpoint's write (no idempotency record: buggy keeps
// none); fenced by the lock token it is redis-lock's write, refused when the lock expired and
// someone else may have written since.
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
if tonumber(ARGV[7]) > 0 then redis.call('HINCRBY', KEYS[7], ARGV[5], ARGV[6]) end
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

// KEYS initial, stock, orders, gen, units, holds, expiries, hstats.
// -> {0} or {1, initial, stock, ledger length, gen, held, placed, confirmed, expired, open},
// after due holds expired (a reader sees the stock they gave back).
inline const std::string kSnapshot = std::string(kHoldsPrelude) + R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end
expire_due(KEYS[2], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
local s = redis.call('HMGET', KEYS[8], 'held', 'placed', 'confirmed', 'expired', 'open')
return {1, tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2])),
        redis.call('LLEN', KEYS[3]), tonumber(redis.call('GET', KEYS[4]) or '0'),
        tonumber(s[1] or '0'), tonumber(s[2] or '0'), tonumber(s[3] or '0'),
        tonumber(s[4] or '0'), tonumber(s[5] or '0')}
)lua";

// KEYS stock, units, holds, expiries, hstats. ARGV user_id. -> {0} or {1, stock, user's units},
// after due holds expired: buggy's read before it checks a limit.
inline const std::string kStockForUser = std::string(kHoldsPrelude) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
expire_due(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {1, tonumber(redis.call('GET', KEYS[1])),
        tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')}
)lua";

// KEYS stock, units, holds, expiries, hstats, hold_seq. ARGV quantity, user_id, per_user_limit,
// ttl_ms, product_id, blind ('1': buggy), new_stock (blind only).
// -> {status, stock left, reservation id, expires_ms}. Safe decides on the stock and the user's
// units as they are now; buggy writes the stock it computed from an earlier read.
inline const std::string kPlaceHold = std::string(kHoldsPrelude) + R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {2, 0, '', 0} end
local now = now_ms()
expire_due(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], now)
local qty = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local stock = tonumber(redis.call('GET', KEYS[1]))
if ARGV[6] == '1' then
  stock = tonumber(ARGV[7])
else
  if stock < qty then return {1, stock, '', 0} end
  if limit > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') + qty > limit then
    return {4, stock, '', 0}
  end
  stock = stock - qty
end
redis.call('SET', KEYS[1], stock)
if limit > 0 then redis.call('HINCRBY', KEYS[2], ARGV[2], qty) end
local id = 'r' .. ARGV[5] .. '-' .. redis.call('INCR', KEYS[6])
local expires = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[3], id, cjson.encode({ARGV[2], qty, now, expires, 'open'}))
redis.call('ZADD', KEYS[4], expires, id)
redis.call('HINCRBY', KEYS[5], 'held', qty)
redis.call('HINCRBY', KEYS[5], 'placed', 1)
redis.call('HINCRBY', KEYS[5], 'open', 1)
return {0, stock, id, expires}
)lua";

// KEYS stock, orders, order_seq, gen, units, holds, expiries, hstats. ARGV reservation id,
// idempotency_key, endpoint, blind ('1': buggy confirms an expired hold too, whose stock went
// back at expiry and is sold again). -> {status, stock, order_id, gen}; the ledger line adds
// [reservation id, placed_ms, expires_ms, confirmed_ms].
inline const std::string kConfirmHold = std::string(kHoldsPrelude) + R"lua(
local now = now_ms()
expire_due(KEYS[1], KEYS[5], KEYS[6], KEYS[7], KEYS[8], now)
local raw = redis.call('HGET', KEYS[6], ARGV[1])
if not raw then return {5, 0, '', 0} end
local h = cjson.decode(raw)
if h[5] == 'confirmed' then return {6, 0, '', 0} end
if h[5] == 'expired' and ARGV[4] ~= '1' then return {7, 0, '', 0} end
if h[5] == 'open' then
  redis.call('HINCRBY', KEYS[8], 'held', -h[2])
  redis.call('HINCRBY', KEYS[8], 'open', -1)
  redis.call('ZREM', KEYS[7], ARGV[1])
end
h[5] = 'confirmed'
redis.call('HSET', KEYS[6], ARGV[1], cjson.encode(h))
redis.call('HINCRBY', KEYS[8], 'confirmed', 1)
local id = 'r-' .. redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[2], cjson.encode({id, ARGV[2], ARGV[3], h[1], ARGV[1], h[3], h[4], now}))
return {0, tonumber(redis.call('GET', KEYS[1]) or '0'), id,
        tonumber(redis.call('GET', KEYS[4]) or '0')}
)lua";

// KEYS stock, orders, gen. ARGV first, last (inclusive). -> {0} or {1, gen, {entries...}}
inline constexpr std::string_view kOrdersPage = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
return {1, tonumber(redis.call('GET', KEYS[3]) or '0'),
        redis.call('LRANGE', KEYS[2], ARGV[1], ARGV[2])}
)lua";

// KEYS initial, stock, orders, gen, products, keys, units, holds, expiries, hstats. ARGV id,
// stock, generation ('' = next).
inline constexpr std::string_view kReset = R"lua(
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10])
redis.call('SADD', KEYS[5], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[4], ARGV[3])
  return tonumber(ARGV[3])
end
return redis.call('INCR', KEYS[4])
)lua";

}  // namespace stampede::target::redis_scripts
