// RedisConnection: a dropped context is the only state a failure leaves, so every command
// either answers or makes the next one reconnect.
#include "target/store/redis/redis_connection.hpp"

#include <poll.h>

#include <charconv>

namespace stampede::target {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// Between commands a request/reply connection has nothing to read, so a readable or hung-up
// socket means the server closed it (a restart, an idle kill). Checking before sending costs one
// poll() and, unlike retrying after a failed command, can never run a purchase twice.
bool closed_by_server(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

RedisConnection::RedisConnection(std::string host, uint16_t port)
    : host_(std::move(host)), port_(port) {}

bool RedisConnection::connect() {
  if (context_ && context_->err == 0 && closed_by_server(context_->fd)) context_.reset();
  if (context_ && context_->err == 0) return true;
  context_.reset(redisConnectWithTimeout(host_.c_str(), port_, to_timeval(kTimeout)));
  if (!context_ || context_->err != 0) {
    last_error_ = context_ ? context_->errstr : "out of memory";
    context_.reset();
    return false;
  }
  // Bounds every later read and write too, so a stalled server turns into a store error.
  redisSetTimeout(context_.get(), to_timeval(kTimeout));
  return true;
}

Expected<bool> RedisConnection::check() {
  RedisReply pong = command({"PING"});
  if (!pong) {
    return unexpected("cannot reach redis at " + host_ + ":" + std::to_string(port_) + ": " +
                      last_error_);
  }
  if (is_error(pong.get())) return unexpected("redis refused PING: " + std::string(pong->str));
  return true;
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> args) {
  return command(std::vector<std::string_view>(args));
}

RedisReply RedisConnection::command(const std::vector<std::string_view>& args) {
  if (!connect()) return nullptr;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    last_error_ = context_->errstr;
    context_.reset();  // the stream may be mid-reply: never reuse it
  }
  return RedisReply(reply);
}

RedisReply RedisConnection::eval(std::string_view script, const std::vector<std::string_view>& keys,
                                 const std::vector<std::string_view>& args) {
  const std::string key_count = std::to_string(keys.size());
  std::string& sha1 = sha1s_[script.data()];
  std::vector<std::string_view> argv{"EVALSHA", sha1, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  if (!sha1.empty()) {
    RedisReply r = command(argv);
    if (!r || !is_error(r.get()) || !std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
      return r;
    }
  }
  // EVAL runs the script and caches it; then remember its SHA1 for the next call.
  argv[0] = "EVAL";
  argv[1] = script;
  RedisReply r = command(argv);
  if (r && !is_error(r.get())) {
    RedisReply sha = command({"SCRIPT", "LOAD", script});
    if (sha && sha->type == REDIS_REPLY_STRING) sha1.assign(sha->str, sha->len);
  }
  return r;
}

const redisReply* reply_element(const redisReply* r, size_t i) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || i >= r->elements) return nullptr;
  return r->element[i];
}

int64_t reply_integer(const redisReply* r, int64_t fallback) {
  if (r == nullptr) return fallback;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_STRING) {
    int64_t v = fallback;
    std::from_chars(r->str, r->str + r->len, v);
    return v;
  }
  return fallback;
}

std::string_view reply_string(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

bool is_error(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_ERROR;
}

}  // namespace stampede::target
