// Remembers what each Idempotency-Key's first request got, so a retry gets the same answer and
// never buys twice (safe and unstable endpoints).
//
//   auto c = table.claim(key, {product, user, quantity, Endpoint::safe});
//   if (c.outcome == ClaimOutcome::fresh) { ...buy...; table.finish(key, c.ticket, 201, body); }
//   else if (c.outcome == ClaimOutcome::replay) answer(c.status, c.body);
//
// Thread-safe: keys are spread over shards, each behind its own mutex, so unrelated keys rarely
// contend. Bounded: past `capacity` records a fresh key is refused (table_full) rather than
// letting unique keys grow memory without limit. A finished record is kept for `retention`
// after its key was first claimed, then forgotten: the key runs afresh (the store's own per-key
// record still stops a second order where the store keeps one).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "target/store/order.hpp"

namespace stampede::target {

// What makes two requests "the same request" for the reuse check: the body's fields and the
// endpoint they went to, so a key sent to /safe and again to /unstable is a reuse, not a replay
// of the other endpoint's order.
struct RequestFingerprint {
  uint64_t product_id = 0;
  std::string_view user_id;
  uint32_t quantity = 0;
  Endpoint endpoint = Endpoint::safe;
  StockAction action = StockAction::checkout;  // a confirm's user_id is its reservation id
};

enum class ClaimOutcome : uint8_t {
  fresh,       // the caller owns the key now and must finish() or release() it
  replay,      // finished before: answer with status/body
  in_flight,   // the first request with this key has not finished
  reused_key,  // the key was used with a different body
  table_full,
};

// Identifies one claim for finish()/release(): a number never given twice, and where its record
// was, so finishing it usually costs no second lookup of the key (a record that has moved since
// is looked up).
struct ClaimTicket {
  uint64_t id = 0;  // 0: no claim
  uint32_t record = 0;
  friend bool operator==(const ClaimTicket& a, const ClaimTicket& b) { return a.id == b.id; }
  friend bool operator!=(const ClaimTicket& a, const ClaimTicket& b) { return a.id != b.id; }
};

struct Claim {
  ClaimOutcome outcome = ClaimOutcome::fresh;
  ClaimTicket ticket;   // fresh only
  unsigned status = 0;  // replay only
  std::string body;     // replay only
};

class IdempotencyTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kDefaultCapacity = 2'000'000;
  static constexpr std::chrono::milliseconds kDefaultRetention = std::chrono::hours(24);

  explicit IdempotencyTable(size_t capacity = kDefaultCapacity,
                            std::chrono::milliseconds retention = kDefaultRetention);

  // now is for tests; the server lets it default.
  Claim claim(std::string_view key, const RequestFingerprint& fingerprint,
              Clock::time_point now = Clock::now());
  // Stores the answer for replays. Ignored when the claim is gone (a reset cleared it) or was
  // replaced, so a late finisher never overwrites a newer record.
  void finish(std::string_view key, ClaimTicket ticket, unsigned status, std::string body);
  // Forgets the key: nothing was bought, a retry may run afresh.
  void release(std::string_view key, ClaimTicket ticket);
  // Drops every record of one product (admin reset).
  void clear_product(uint64_t product_id);
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::chrono::milliseconds retention() const { return retention_; }

 private:
  struct Record {
    std::string key;
    uint64_t hash = 0;
    uint64_t product_id = 0;
    std::string user_id;
    uint32_t quantity = 0;
    Endpoint endpoint = Endpoint::safe;
    StockAction action = StockAction::checkout;
    unsigned status = 0;
    bool finished = false;
    uint64_t ticket = 0;
    Clock::time_point claimed_at;
    std::string body;
  };
  // An open-addressing slot: the low 32 bits of the key's hash and the record's index + 1 (0:
  // empty). A probe compares the tag and touches a record only on a match, so a new key costs
  // one cache line instead of a bucket, a node and a key.
  struct Slot {
    uint32_t tag = 0;
    uint32_t index = 0;
  };
  // One shard: linear probing over `slots` (a power of two, at most half full), records dense
  // in `records` (removing one moves the last into its place).
  struct Shard {
    std::mutex mutex;
    std::vector<Slot> slots;
    std::deque<Record> records;
    Clock::time_point last_sweep;

    size_t find(std::string_view key, uint64_t hash) const;  // slot position, or npos
    // Whether the claim's record is still where it was made.
    bool still_at(ClaimTicket ticket) const;
    // The slot of the claim's record, from where it was when claimed or else by key; npos.
    size_t find_claim(std::string_view key, uint64_t hash, ClaimTicket ticket) const;
    void insert_slot(uint64_t hash, uint32_t index);
    void erase_at(size_t slot);  // removes the slot's record
    void rebuild(size_t slot_count);
    size_t sweep(Clock::time_point cutoff);  // drops finished records claimed before cutoff
  };
  static constexpr size_t kShards = 64;
  static constexpr size_t npos = static_cast<size_t>(-1);

  static uint64_t hash_of(std::string_view key);
  // The shard comes from the hash's top bits, the slot from its low bits: the two must differ
  // or every key of a shard would crowd one 64th of its slots.
  Shard& shard_for(uint64_t hash) { return shards_[hash >> 58]; }
  void sweep_if_due(Shard& shard, Clock::time_point now, bool full);

  const size_t capacity_;
  const std::chrono::milliseconds retention_;
  std::atomic<size_t> size_{0};
  std::atomic<uint64_t> next_ticket_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace stampede::target
