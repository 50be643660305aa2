// Every network store and strategy through the real HTTP server, against a real redis-server and
// a real PostgreSQL started for this test process (store_servers.hpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "hold_checks.hpp"
#include "store_servers.hpp"
#include "target/store/redis/redis_pipeline.hpp"
#include "target/store/store_factory.hpp"
#include "target_test_support.hpp"

using namespace stampede;
using namespace stampede::target;
using namespace stampede::target::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kClients = 200;
constexpr int kAttempts = 1000;
constexpr int64_t kStock = 100;

StoreSettings redis_settings(RedisStrategy strategy, uint16_t port = 0) {
  StoreSettings s;
  s.kind = StoreKind::redis;
  s.redis.port = port != 0 ? port : shared_redis().port();
  s.redis.strategy = strategy;
  return s;
}

StoreSettings postgres_settings(PostgresStrategy strategy) {
  StoreSettings s;
  s.kind = StoreKind::postgres;
  s.postgres.conninfo = shared_postgres().url();
  s.postgres.strategy = strategy;
  return s;
}

StoreSettings write_behind_settings() {
  StoreSettings s = redis_settings(RedisStrategy::lua);
  s.kind = StoreKind::write_behind;
  s.postgres.conninfo = shared_postgres().url();
  return s;
}

std::unique_ptr<Store> open_or_fail(const StoreSettings& settings) {
  auto store = open_store(settings);
  INFO((store ? std::string() : store.error()));
  REQUIRE(store.has_value());
  return std::move(*store);
}

std::unique_ptr<LiveServer> start(const StoreSettings& settings, TargetOptions o) {
  o.store = settings;
  return std::make_unique<LiveServer>(o, open_or_fail(settings));
}

std::unique_ptr<LiveServer> start(const StoreSettings& settings, int64_t stock,
                                  std::chrono::milliseconds race_window) {
  return start(settings, LiveServer::options(stock, race_window));
}

// Every hold and limit check of hold_checks.hpp, on one store and then through its server.
void keeps_holds_and_limits(const StoreSettings& settings) {
  {
    auto store = open_or_fail(settings);
    REQUIRE(store->supports_holds());
    SECTION("hold then confirm") {
      check_hold_then_confirm(*store);
    }
    SECTION("expiry") {
      check_expiry(*store);
    }
    SECTION("limit counts holds") {
      check_limit_counts_holds(*store);
    }
    SECTION("limit under threads") {
      check_limit_under_threads(*store);
    }
  }
  SECTION("safe journeys") {
    check_safe_journeys(*start(settings, journey_options(20ms)));
  }
  SECTION("buggy journeys") {
    check_buggy_journeys(*start(settings, journey_options(20ms)));
  }
}

int64_t json_int(const std::string& body, const std::string& field, int64_t fallback = -1) {
  const auto at = body.find("\"" + field + "\":");
  if (at == std::string::npos) return fallback;
  return std::stoll(body.substr(at + field.size() + 3));
}

std::string json_str(const std::string& body, const std::string& field) {
  const std::string marker = "\"" + field + "\":\"";
  const auto from = body.find(marker);
  if (from == std::string::npos) return {};
  const auto start = from + marker.size();
  return body.substr(start, body.find('"', start) - start);
}

struct Figures {
  int64_t initial = -1, stock = -1, orders = -1, pending = -1;
};

Figures product(const LiveServer& s) {
  auto r = http_call("GET", s.api("/api/v1/products/1"), {});
  REQUIRE(r.has_value());
  INFO(r->body);
  REQUIRE(r->status == 200);
  return {json_int(r->body, "initial_stock"), json_int(r->body, "stock"),
          json_int(r->body, "orders"), json_int(r->body, "pending_writes")};
}

std::vector<std::string> ledger_ids(const LiveServer& s) {
  auto r = http_call("GET", s.api("/api/v1/products/1/orders"), {});
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  std::vector<std::string> ids;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) ids.push_back(json_str(line, "order_id"));
  return ids;
}

// Write-behind answers before PostgreSQL has the order: wait until the queue is empty.
Figures settled(const LiveServer& s) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  Figures p = product(s);
  while (p.pending > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    p = product(s);
  }
  CHECK(p.pending <= 0);
  return p;
}

struct SwarmResult {
  std::set<std::string> acked;
  std::map<unsigned, int> statuses;
};

// kClients threads released together, kAttempts requests in all, each with a unique key.
SwarmResult swarm(const LiveServer& s, const std::string& endpoint) {
  std::latch go(kClients);
  std::mutex mutex;
  SwarmResult out;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      go.arrive_and_wait();
      for (int i = c; i < kAttempts; i += kClients) {
        auto r = http_call(
            "POST", s.api("/api/v1/checkout/" + endpoint),
            json_call(checkout_body(1, "u-" + std::to_string(c), 1), "k-" + std::to_string(i)));
        std::lock_guard lock(mutex);
        ++out.statuses[r ? r->status : 0];
        if (r && r->status == 201) out.acked.insert(json_str(r->body, "order_id"));
      }
    });
  }
  for (auto& t : clients) t.join();
  return out;
}

std::string describe(const SwarmResult& r, const Figures& p) {
  std::ostringstream out;
  out << "acked " << r.acked.size() << " stock " << p.stock << "/" << p.initial << " orders "
      << p.orders << " statuses";
  for (const auto& [status, n] : r.statuses) out << " " << status << ":" << n;
  return out.str();
}

void sells_exactly_the_stock(const StoreSettings& settings) {
  auto s = start(settings, kStock, 0ms);
  const SwarmResult r = swarm(*s, "safe");
  const Figures p = settled(*s);
  const std::vector<std::string> ids = ledger_ids(*s);
  INFO(describe(r, p));
  std::printf("%s safe: %s\n", std::string(s->server.store().strategy_name()).c_str(),
              describe(r, p).c_str());
  CHECK(r.acked.size() == kStock);
  CHECK(r.statuses.count(409) == 1);
  CHECK(r.statuses.at(409) == kAttempts - kStock);
  CHECK(p.stock == 0);
  CHECK(p.orders == kStock);
  CHECK(ids.size() == kStock);
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == r.acked);

  // Reset sets both stock figures, empties the ledger and forgets the idempotency keys.
  auto reset = http_call("POST", s->admin("/admin/reset"),
                         json_call(R"({"product_id":1,"stock":5})", {}, "secret"));
  REQUIRE(reset.has_value());
  CHECK(reset->status == 200);
  const Figures after = settled(*s);
  CHECK(after.initial == 5);
  CHECK(after.stock == 5);
  CHECK(after.orders == 0);
  CHECK(ledger_ids(*s).empty());
  auto again = http_call("POST", s->api("/api/v1/checkout/safe"),
                         json_call(checkout_body(1, "u-0", 1), "k-0"));
  REQUIRE(again.has_value());
  CHECK(again->status == 201);
  CHECK(settled(*s).orders == 1);
}

void loses_updates(const StoreSettings& settings) {
  auto s = start(settings, kStock, 20ms);
  const SwarmResult r = swarm(*s, "buggy");
  const Figures p = settled(*s);
  const std::vector<std::string> ids = ledger_ids(*s);
  INFO(describe(r, p));
  std::printf("%s buggy: %s\n", std::string(s->server.store().strategy_name()).c_str(),
              describe(r, p).c_str());
  CHECK(p.orders == static_cast<int64_t>(r.acked.size()));
  CHECK(ids.size() == r.acked.size());
  CHECK((p.orders > p.initial || p.orders != p.initial - p.stock));
}

// After a 503 that came after the commit, retries with the key get the one order.
void retry_after_commit_fault_gets_one_order(const StoreSettings& settings) {
  auto s = start(settings, 10, 0ms);
  s->server.faults().configure(FaultSettings{1.0, {FaultKind::after_commit}, {}});
  const std::string body = checkout_body(1, "u-1", 1);
  auto first = http_call("POST", s->api("/api/v1/checkout/unstable"), json_call(body, "retry-1"));
  REQUIRE(first.has_value());
  CHECK(first->status == 503);
  auto retry = http_call("POST", s->api("/api/v1/checkout/unstable"), json_call(body, "retry-1"));
  // The same key on another endpoint is another request: refused, never a second order.
  auto again = http_call("POST", s->api("/api/v1/checkout/safe"), json_call(body, "retry-1"));
  REQUIRE((retry && again));
  CHECK(retry->status == 201);
  CHECK(again->status == 422);
  CHECK(json_str(again->body, "error") == "idempotency_key_reused");
  const std::string order_id = json_str(retry->body, "order_id");
  CHECK_FALSE(order_id.empty());
  const Figures p = settled(*s);
  CHECK(p.orders == 1);
  CHECK(p.stock == 9);
  CHECK(ledger_ids(*s) == std::vector<std::string>{order_id});
}

PurchaseOutcome purchase_now(Store& store, std::string_view key) {
  std::promise<PurchaseOutcome> done;
  store.purchase(PurchaseRequest{1, 1, "u-1", key, Endpoint::safe},
                 [&done](PurchaseOutcome o) { done.set_value(std::move(o)); });
  return done.get_future().get();
}

// Below the in-process table (as after a target restart): the store itself refuses to record a
// second order for a key it already holds, and answers with the first.
void store_keeps_one_order_per_key(const StoreSettings& settings) {
  auto s = start(settings, 10, 0ms);
  const PurchaseOutcome first = purchase_now(s->server.store(), "durable-1");
  const PurchaseOutcome second = purchase_now(s->server.store(), "durable-1");
  REQUIRE(first.status == PurchaseStatus::bought);
  REQUIRE(second.status == PurchaseStatus::bought);
  CHECK(second.order_id == first.order_id);
  const Figures p = settled(*s);
  CHECK(p.orders == 1);
  CHECK(p.stock == 9);
}

}  // namespace

TEST_CASE("redis-lua sells exactly the stock to 200 concurrent clients", "[target][stores]") {
  sells_exactly_the_stock(redis_settings(RedisStrategy::lua));
}

TEST_CASE("redis-lock sells exactly the stock to 200 concurrent clients", "[target][stores]") {
  sells_exactly_the_stock(redis_settings(RedisStrategy::lock));
}

TEST_CASE("redis-lock whose lock expires mid-purchase refuses the write instead of overselling",
          "[target][stores]") {
  StoreSettings settings = redis_settings(RedisStrategy::lock);
  settings.redis.lock_ttl = 1ms;  // shorter than a purchase's round trips: locks get lost
  auto s = start(settings, kStock, 0ms);
  const SwarmResult r = swarm(*s, "safe");
  const Figures p = product(*s);
  INFO(describe(r, p));
  std::printf("redis-lock ttl 1 ms safe: %s\n", describe(r, p).c_str());
  CHECK(p.stock >= 0);
  CHECK(static_cast<int64_t>(r.acked.size()) == kStock - p.stock);
  CHECK(p.orders == static_cast<int64_t>(r.acked.size()));
  const std::vector<std::string> ids = ledger_ids(*s);
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == r.acked);
}

TEST_CASE("postgres-row-lock sells exactly the stock to 200 concurrent clients",
          "[target][stores]") {
  sells_exactly_the_stock(postgres_settings(PostgresStrategy::row_lock));
}

TEST_CASE("postgres-conditional sells exactly the stock to 200 concurrent clients",
          "[target][stores]") {
  sells_exactly_the_stock(postgres_settings(PostgresStrategy::conditional));
}

TEST_CASE("redis-lua-writebehind sells exactly the stock and its PostgreSQL ledger catches up",
          "[target][stores]") {
  sells_exactly_the_stock(write_behind_settings());
}

TEST_CASE("redis-lua keeps holds and per-user limits atomically", "[target][stores][holds]") {
  keeps_holds_and_limits(redis_settings(RedisStrategy::lua));
}

TEST_CASE("postgres-conditional keeps holds and per-user limits atomically",
          "[target][stores][holds]") {
  keeps_holds_and_limits(postgres_settings(PostgresStrategy::conditional));
}

TEST_CASE("postgres-row-lock keeps holds and per-user limits atomically",
          "[target][stores][holds]") {
  keeps_holds_and_limits(postgres_settings(PostgresStrategy::row_lock));
}

TEST_CASE("redis-lock and write-behind keep no holds and say so", "[target][stores][holds]") {
  for (const StoreSettings& settings :
       {redis_settings(RedisStrategy::lock), write_behind_settings()}) {
    auto store = open_or_fail(settings);
    CHECK_FALSE(store->supports_holds());
    CHECK_FALSE(enforces_limits(settings));
    CHECK(hold(*store, "ann", 60s).status == PurchaseStatus::unsupported);
    reset(*store, 3);
    CHECK(snapshot(*store).held == -1);
  }
}

TEST_CASE("buggy loses updates on redis", "[target][stores]") {
  loses_updates(redis_settings(RedisStrategy::lua));
}

TEST_CASE("buggy loses updates on postgresql", "[target][stores]") {
  loses_updates(postgres_settings(PostgresStrategy::conditional));
}

TEST_CASE("buggy loses updates on redis with a postgresql write-behind ledger",
          "[target][stores]") {
  loses_updates(write_behind_settings());
}

TEST_CASE("a retry after a 503-after-commit gets the one order on redis", "[target][stores]") {
  retry_after_commit_fault_gets_one_order(redis_settings(RedisStrategy::lua));
}

TEST_CASE("a retry after a 503-after-commit gets the one order on postgresql", "[target][stores]") {
  retry_after_commit_fault_gets_one_order(postgres_settings(PostgresStrategy::row_lock));
}

TEST_CASE("a retry after a 503-after-commit gets the one order with write-behind",
          "[target][stores]") {
  retry_after_commit_fault_gets_one_order(write_behind_settings());
}

TEST_CASE("each network store keeps one order per idempotency key on its own", "[target][stores]") {
  for (const StoreSettings& settings :
       {redis_settings(RedisStrategy::lua), redis_settings(RedisStrategy::lock),
        postgres_settings(PostgresStrategy::row_lock),
        postgres_settings(PostgresStrategy::conditional)}) {
    store_keeps_one_order_per_key(settings);
  }
}

TEST_CASE("a lost redis connection answers 503 store_unavailable and reconnects",
          "[target][stores]") {
  RedisServer redis;  // private: this test stops it
  redis.start();
  auto s = start(redis_settings(RedisStrategy::lua, redis.port()), 10, 0ms);
  const std::string body = checkout_body(1, "u-1", 1);
  auto ok = http_call("POST", s->api("/api/v1/checkout/safe"), json_call(body, "a"));
  REQUIRE(ok.has_value());
  CHECK(ok->status == 201);

  redis.halt();
  auto down = http_call("POST", s->api("/api/v1/checkout/safe"), json_call(body, "b"));
  REQUIRE(down.has_value());
  CHECK(down->status == 503);
  CHECK(json_str(down->body, "error") == "store_unavailable");
  auto product_down = http_call("GET", s->api("/api/v1/products/1"), {});
  REQUIRE(product_down.has_value());
  CHECK(product_down->status == 503);

  redis.start();  // same port, empty: the product comes back with a reset
  auto reset = http_call("POST", s->admin("/admin/reset"),
                         json_call(R"({"product_id":1,"stock":3})", {}, "secret"));
  REQUIRE(reset.has_value());
  CHECK(reset->status == 200);
  auto back = http_call("POST", s->api("/api/v1/checkout/safe"), json_call(body, "b"));
  REQUIRE(back.has_value());
  CHECK(back->status == 201);
  CHECK(product(*s).stock == 2);
}

TEST_CASE(
    "a loop's redis pipeline answers in order, and a stalled redis with nothing after "
    "its timeout",
    "[target][stores]") {
  RedisServer redis;  // private: this test pauses it
  redis.start();
  boost::asio::io_context io;
  const std::vector<boost::asio::ip::tcp::endpoint> at{
      {boost::asio::ip::make_address("127.0.0.1"), redis.port()}};
  auto pipeline = std::make_shared<RedisPipeline>(io.get_executor(), at, 300ms);

  // 200 commands sent back to back share the connection; each reply reaches its own sender.
  std::vector<int64_t> counts;
  for (int i = 0; i < 200; ++i) {
    std::string incr;
    append_resp_command(incr, {"INCR", "pipeline-test"});
    pipeline->send(incr,
                   [&counts](RedisReply r) { counts.push_back(r ? reply_integer(r.get()) : -1); });
  }
  io.run();  // returns once every reply is in: an idle pipeline holds nothing pending
  REQUIRE(counts.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(counts[i] == i + 1);

  // Redis stops answering without closing: the command in flight gets nullptr at its deadline.
  std::string ping;
  append_resp_command(ping, {"PING"});
  redis.pause();
  struct Resume {
    RedisServer& r;
    ~Resume() { r.resume(); }
  } resume_on_exit{redis};
  bool answered = false, empty = false;
  const auto sent = std::chrono::steady_clock::now();
  pipeline->send(ping, [&](RedisReply r) {
    answered = true;
    empty = r == nullptr;
  });
  io.restart();
  io.run_for(5s);
  const auto waited = std::chrono::steady_clock::now() - sent;
  CHECK(answered);
  CHECK(empty);
  CHECK(waited >= 300ms);
  CHECK(waited < 3s);

  // Back again: the next command reconnects.
  redis.resume();
  std::string pong;
  pipeline->send(ping,
                 [&pong](RedisReply r) { pong = r ? std::string(reply_string(r.get())) : ""; });
  io.restart();
  io.run_for(5s);
  CHECK(pong == "PONG");
}

TEST_CASE("a down redis or postgresql at start-up is one line and exit code 3",
          "[target][stores]") {
  const std::string port = std::to_string(free_port());  // nobody listens there
  for (const std::string& flags :
       {"--store redis://127.0.0.1:" + port,
        "--store postgresql://stampede@127.0.0.1:" + port + "/postgres"}) {
    INFO(flags);
    const std::string command = std::string(STAMPEDE_TARGET_BINARY) +
                                " --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 " + flags +
                                " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[512];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    INFO(output);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(std::count(output.begin(), output.end(), '\n') == 1);
    CHECK(output.find("cannot reach") != std::string::npos);
  }
}

namespace {

// Clients connected to the redis-server at port, other than the one asking.
int redis_clients(uint16_t port) {
  redisContext* c = redisConnect("127.0.0.1", port);
  REQUIRE((c != nullptr && c->err == 0));
  auto* list = static_cast<redisReply*>(redisCommand(c, "CLIENT LIST"));
  REQUIRE(list != nullptr);
  const std::string text(list->str, list->len);
  freeReplyObject(list);
  redisFree(c);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) - 1;
}

// Backends of connections that named themselves application_name=eager.
int postgres_eager_clients() {
  PGconn* c = PQconnectdb(shared_postgres().url().c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'eager'");
  const int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atoi(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  PQfinish(c);
  return n;
}

}  // namespace

// A connection made on its thread's first job pays a name lookup then, behind whatever request
// it serves: in a container network being changed that lookup can stall for seconds.
TEST_CASE("a network store makes all its connections at start-up", "[target][stores]") {
  constexpr unsigned kConnections = 5;
  RedisServer redis;  // private: counts its own clients
  redis.start();
  StoreSettings on_redis = redis_settings(RedisStrategy::lua, redis.port());
  on_redis.redis.connections = kConnections;
  {
    auto store = open_or_fail(on_redis);
    CHECK(redis_clients(redis.port()) == static_cast<int>(kConnections));
  }

  StoreSettings on_postgres = postgres_settings(PostgresStrategy::row_lock);
  on_postgres.postgres.connections = kConnections;
  on_postgres.postgres.conninfo += "?application_name=eager";
  auto store = open_or_fail(on_postgres);
  CHECK(postgres_eager_clients() == static_cast<int>(kConnections));
}
