// choose_store / open_store: the one place that knows which strategy fits which store.
#include "target/store/store_factory.hpp"

#include <string>

#include "common/url.hpp"
#include "target/store/redis/write_behind_store.hpp"

namespace stampede::target {
namespace {

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Expected<HostPort> parse_redis_url(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("redis://").size());
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    rest = rest.substr(0, slash);  // a database path is not supported; index 0 is used
  }
  if (rest.empty()) return unexpected("--store " + std::string(url) + ": want redis://HOST:PORT");
  if (rest.find(':') == std::string_view::npos) return HostPort{std::string(rest), 6379};
  auto hp = HostPort::parse(std::string(rest));
  if (!hp) return unexpected("--store " + std::string(url) + ": " + hp.error());
  return *hp;
}

Unexpected mismatch(std::string_view strategy, std::string_view wants) {
  return unexpected("--strategy " + std::string(strategy) + ": " + std::string(wants));
}

}  // namespace

Expected<StoreSettings> choose_store(std::string_view store, std::string_view ledger_store,
                                     std::string_view strategy, const StoreTuning& tuning) {
  StoreSettings s;
  s.redis.lock_ttl = tuning.lock_ttl;
  s.redis.connections = tuning.connections;
  s.postgres.connections = tuning.connections;
  if (!ledger_store.empty()) {
    if (!store.starts_with("redis://") || !is_postgres_url(ledger_store)) {
      return unexpected(
          "--ledger-store: only with --store redis://... and a postgresql://... ledger");
    }
    if (!strategy.empty() && strategy != "redis-lua-writebehind") {
      return mismatch(strategy, "--ledger-store takes redis-lua-writebehind");
    }
    auto hp = parse_redis_url(store);
    if (!hp) return unexpected(hp.error());
    s.kind = StoreKind::write_behind;
    s.redis.host = hp->host;
    s.redis.port = hp->port;
    s.postgres.conninfo = std::string(ledger_store);
    return s;
  }
  if (store == "memory") {
    const auto m = parse_memory_strategy(strategy.empty() ? "memory-atomic" : strategy);
    if (!m) return mismatch(strategy, "--store memory takes memory-atomic or memory-mutex");
    s.memory = *m;
    return s;
  }
  if (store.starts_with("redis://")) {
    auto hp = parse_redis_url(store);
    if (!hp) return unexpected(hp.error());
    s.kind = StoreKind::redis;
    s.redis.host = hp->host;
    s.redis.port = hp->port;
    if (strategy.empty() || strategy == "redis-lua") {
      s.redis.strategy = RedisStrategy::lua;
    } else if (strategy == "redis-lock") {
      s.redis.strategy = RedisStrategy::lock;
    } else if (strategy == "redis-lua-writebehind") {
      return mismatch(strategy, "needs --ledger-store postgresql://...");
    } else {
      return mismatch(strategy, "--store redis:// takes redis-lua or redis-lock");
    }
    return s;
  }
  if (is_postgres_url(store)) {
    s.kind = StoreKind::postgres;
    s.postgres.conninfo = std::string(store);
    if (strategy.empty() || strategy == "postgres-conditional") {
      s.postgres.strategy = PostgresStrategy::conditional;
    } else if (strategy == "postgres-row-lock") {
      s.postgres.strategy = PostgresStrategy::row_lock;
    } else {
      return mismatch(strategy,
                      "--store postgresql:// takes postgres-row-lock or postgres-conditional");
    }
    return s;
  }
  return unexpected("--store: want memory, redis://HOST:PORT or postgresql://...");
}

bool enforces_limits(const StoreSettings& settings) {
  switch (settings.kind) {
    case StoreKind::memory:
    case StoreKind::postgres:
      return true;
    case StoreKind::redis:
      return settings.redis.strategy == RedisStrategy::lua;
    case StoreKind::write_behind:
      return false;
  }
  return false;
}

Expected<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  auto widen = [](auto opened) -> Expected<std::unique_ptr<Store>> {
    if (!opened) return unexpected(opened.error());
    return std::unique_ptr<Store>(std::move(*opened));
  };
  switch (settings.kind) {
    case StoreKind::memory:
      return std::unique_ptr<Store>(std::make_unique<MemoryStore>(settings.memory));
    case StoreKind::redis:
      return widen(RedisStore::open(settings.redis));
    case StoreKind::postgres:
      return widen(PostgresStore::open(settings.postgres));
    case StoreKind::write_behind:
      return widen(WriteBehindStore::open(settings.redis, settings.postgres));
  }
  return unexpected("unknown store kind");
}

}  // namespace stampede::target
