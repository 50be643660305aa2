// Turns --store, --ledger-store and --strategy into a store: which combinations exist
// (design.md's strategy names per store), and opening the chosen one.
//
//   auto settings = choose_store("redis://127.0.0.1:6379", "", "redis-lock");  // exit 2 on error
//   auto store = open_store(*settings);                                        // exit 3 on error
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "common/expected.hpp"
#include "target/store/memory_store.hpp"
#include "target/store/postgres/postgres_store.hpp"
#include "target/store/redis/redis_store.hpp"

namespace stampede::target {

enum class StoreKind : uint8_t { memory, redis, postgres, write_behind };

struct StoreSettings {
  StoreKind kind = StoreKind::memory;
  MemoryStrategy memory = MemoryStrategy::atomic_cas;
  RedisSettings redis;
  PostgresSettings postgres;  // the store, or write-behind's ledger
};

struct StoreTuning {
  std::chrono::milliseconds lock_ttl{1000};
  unsigned connections = 8;
};

// Whether the store's safe path enforces --per-user-limit and keeps reservations: memory,
// redis-lua and postgresql do; redis-lock and write-behind do not.
bool enforces_limits(const StoreSettings& settings);

// strategy "" picks the store's default: memory-atomic, redis-lua, postgres-conditional, or
// redis-lua-writebehind when a ledger store is given. Errors are one line, for exit code 2.
Expected<StoreSettings> choose_store(std::string_view store, std::string_view ledger_store,
                                     std::string_view strategy, const StoreTuning& tuning = {});

// Connects (and creates the PostgreSQL schema): errors are one line, for exit code 3.
Expected<std::unique_ptr<Store>> open_store(const StoreSettings& settings);

}  // namespace stampede::target
