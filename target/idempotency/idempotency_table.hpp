// Remembers what each Idempotency-Key's first request got, so a retry gets the same answer and
// never buys twice (safe and unstable endpoints).
//
//   auto c = table.claim(key, {product, user, quantity});
//   if (c.outcome == ClaimOutcome::fresh) { ...buy...; table.finish(key, c.ticket, 201, body); }
//   else if (c.outcome == ClaimOutcome::replay) answer(c.status, c.body);
//
// Thread-safe: keys are spread over shards, each behind its own mutex, so unrelated keys rarely
// contend. Bounded: past `capacity` records a fresh key is refused (table_full) rather than
// letting unique keys grow memory without limit.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace stampede::target {

// What makes two requests "the same body" for the reuse check.
struct RequestFingerprint {
  uint64_t product_id = 0;
  std::string_view user_id;
  uint32_t quantity = 0;
};

enum class ClaimOutcome : uint8_t {
  fresh,       // the caller owns the key now and must finish() or release() it
  replay,      // finished before: answer with status/body
  in_flight,   // the first request with this key has not finished
  reused_key,  // the key was used with a different body
  table_full,
};

struct Claim {
  ClaimOutcome outcome = ClaimOutcome::fresh;
  uint64_t ticket = 0;  // identifies this claim for finish()/release()
  unsigned status = 0;  // replay only
  std::string body;     // replay only
};

class IdempotencyTable {
 public:
  static constexpr size_t kDefaultCapacity = 2'000'000;
  explicit IdempotencyTable(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  Claim claim(std::string_view key, const RequestFingerprint& fingerprint);
  // Stores the answer for replays. Ignored when the claim is gone (a reset cleared it) or was
  // replaced, so a late finisher never overwrites a newer record.
  void finish(std::string_view key, uint64_t ticket, unsigned status, std::string body);
  // Forgets the key: nothing was bought, a retry may run afresh.
  void release(std::string_view key, uint64_t ticket);
  // Drops every record of one product (admin reset).
  void clear_product(uint64_t product_id);
  size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  struct Record {
    uint64_t product_id = 0;
    std::string user_id;
    uint32_t quantity = 0;
    uint64_t ticket = 0;
    bool finished = false;
    unsigned status = 0;
    std::string body;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mutex;  // guards records
    std::unordered_map<std::string, Record, KeyHash, std::equal_to<>> records;
  };
  static constexpr size_t kShards = 64;

  Shard& shard_for(std::string_view key) { return shards_[KeyHash{}(key) % kShards]; }

  const size_t capacity_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> next_ticket_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace stampede::target
