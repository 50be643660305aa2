// One blocking hiredis connection that reconnects by itself, and Lua scripts run by EVALSHA with
// the NOSCRIPT fallback. Used only from one store thread at a time (see StoreThreadPool).
//
//   RedisConnection redis("127.0.0.1", 6379);
//   RedisReply r = redis.command({"GET", "stampede:1:stock"});
//   if (!r) ...store error...;  else if (r->type == REDIS_REPLY_NIL) ...
//
// Not thread-safe. A reply of nullptr means the command did not get an answer (connection lost,
// timeout); the context is dropped and the next command reconnects.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/expected.hpp"

namespace stampede::target {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  static constexpr std::chrono::milliseconds kTimeout{2000};

  RedisConnection(std::string host, uint16_t port);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects now and PINGs: start-up uses it to fail fast on a down server.
  Expected<bool> check();

  RedisReply command(std::initializer_list<std::string_view> args);
  RedisReply command(const std::vector<std::string_view>& args);

  // EVALSHA; on NOSCRIPT (server restarted or flushed) EVAL, which also caches the script.
  // script must be a string with static storage (its address keys the SHA1 cache).
  RedisReply eval(std::string_view script, const std::vector<std::string_view>& keys,
                  const std::vector<std::string_view>& args);

  const std::string& last_error() const { return last_error_; }

 private:
  bool connect();

  const std::string host_;
  const uint16_t port_;
  std::unique_ptr<redisContext, decltype(&redisFree)> context_{nullptr, &redisFree};
  std::string last_error_;
  // Script SHA1s this connection has loaded; a restarted server forgets them (NOSCRIPT).
  std::unordered_map<const char*, std::string> sha1s_;
};

// Small readers for script replies; they return fallback when the shape is not what we expect.
int64_t reply_integer(const redisReply* r, int64_t fallback = 0);
std::string_view reply_string(const redisReply* r);
bool is_error(const redisReply* r);
// The i-th element of an array reply; null when r is not an array that long.
const redisReply* reply_element(const redisReply* r, size_t i);

}  // namespace stampede::target
