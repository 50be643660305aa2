// stampede-target's flags: defaults, environment variables and the exit code for mistakes.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "target/app/options.hpp"

using namespace stampede::target;

namespace {

ParsedOptions parse(std::vector<const char*> args, std::string* error = nullptr) {
  args.insert(args.begin(), "stampede-target");
  std::ostringstream out, err;
  ParsedOptions p = parse_target_options(static_cast<int>(args.size()), args.data(), out, err);
  if (error) *error = err.str();
  return p;
}

}  // namespace

TEST_CASE("target flags have the documented defaults", "[target]") {
  ParsedOptions p = parse({});
  REQUIRE(p.options.has_value());
  CHECK(p.options->listen.host == "127.0.0.1");
  CHECK(p.options->listen.port == 8080);
  CHECK(p.options->admin_listen.port == 8081);
  CHECK(p.options->strategy == MemoryStrategy::atomic_cas);
  CHECK(p.options->stock == 100);
  CHECK(p.options->race_window == std::chrono::milliseconds(2));
  CHECK(p.options->fault_rate == 0.05);
  CHECK(p.options->threads >= 1);
  CHECK(p.options->idempotency_retention == std::chrono::hours(24));
  CHECK(parse({"--idempotency-retention", "90s"}).options->idempotency_retention ==
        std::chrono::seconds(90));
}

TEST_CASE("bad target flags and values exit 2 with one line", "[target]") {
  for (std::vector<const char*> args : std::vector<std::vector<const char*>>{
           {"--store", "redis://"},
           {"--store", "sqlite"},
           {"--strategy", "redis-lua"},
           {"--store", "redis://h:1", "--strategy", "memory-mutex"},
           {"--store", "redis://h:1", "--strategy", "redis-lua-writebehind"},
           {"--store", "postgresql://db/x", "--strategy", "redis-lock"},
           {"--store", "memory", "--ledger-store", "postgresql://db/x"},
           {"--lock-ttl-ms", "0"},
           {"--listen", "localhost:80"},
           {"--listen", "127.0.0.1"},
           {"--stock", "-1"},
           {"--fault-rate", "1.5"},
           {"--race-window-ms", "x"},
           {"--idempotency-retention", "0s"},
           {"--idempotency-retention", "25h"},
           {"--admin-token-file", "/nonexistent/token"},
           {"--bogus"}}) {
    std::string error;
    ParsedOptions p = parse(args, &error);
    INFO(args.front());
    CHECK_FALSE(p.options.has_value());
    CHECK(p.exit_code == 2);
    CHECK(std::count(error.begin(), error.end(), '\n') == 1);
  }
  std::string error;
  parse({"--store", "postgresql://db/x", "--strategy", "redis-lock"}, &error);
  CHECK(error.find("postgres-row-lock or postgres-conditional") != std::string::npos);
}

TEST_CASE("each store takes its own strategies and defaults to its first", "[target]") {
  struct Case {
    std::vector<const char*> args;
    StoreKind kind;
  };
  for (const Case& c : std::vector<Case>{
           {{"--store", "redis://127.0.0.1:6390"}, StoreKind::redis},
           {{"--store", "redis://db", "--strategy", "redis-lock", "--lock-ttl-ms", "250"},
            StoreKind::redis},
           {{"--store", "postgresql://u@db/x", "--strategy", "postgres-row-lock"},
            StoreKind::postgres},
           {{"--store", "redis://db:1", "--ledger-store", "postgresql://db/x"},
            StoreKind::write_behind}}) {
    INFO(c.args.back());
    ParsedOptions p = parse(c.args);
    REQUIRE(p.options.has_value());
    CHECK(p.options->store.kind == c.kind);
  }
  ParsedOptions redis = parse({"--store", "redis://127.0.0.1:6390"});
  REQUIRE(redis.options.has_value());
  CHECK(redis.options->store.redis.port == 6390);
  CHECK(redis.options->store.redis.strategy == RedisStrategy::lua);
  ParsedOptions lock =
      parse({"--store", "redis://db", "--strategy", "redis-lock", "--lock-ttl-ms", "250"});
  REQUIRE(lock.options.has_value());
  CHECK(lock.options->store.redis.port == 6379);
  CHECK(lock.options->store.redis.strategy == RedisStrategy::lock);
  CHECK(lock.options->store.redis.lock_ttl == std::chrono::milliseconds(250));
  ParsedOptions pg = parse({"--store", "postgresql://u@db/x"});
  REQUIRE(pg.options.has_value());
  CHECK(pg.options->store.postgres.strategy == PostgresStrategy::conditional);
  CHECK(pg.options->store.postgres.conninfo == "postgresql://u@db/x");
}

TEST_CASE("target flags read STAMPEDE_<FLAG> and the admin token from STAMPEDE_ADMIN_TOKEN",
          "[target]") {
  ::setenv("STAMPEDE_STOCK", "42", 1);
  ::setenv("STAMPEDE_STRATEGY", "memory-mutex", 1);
  ::setenv("STAMPEDE_ADMIN_TOKEN", "tok", 1);
  ParsedOptions p = parse({"--listen", "0.0.0.0:0"});
  ::unsetenv("STAMPEDE_STOCK");
  ::unsetenv("STAMPEDE_STRATEGY");
  ::unsetenv("STAMPEDE_ADMIN_TOKEN");
  REQUIRE(p.options.has_value());
  CHECK(p.options->stock == 42);
  CHECK(p.options->strategy == MemoryStrategy::mutex);
  CHECK(p.options->admin_token == "tok");
  CHECK(p.options->listen.port == 0);
}
