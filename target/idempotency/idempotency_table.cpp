// IdempotencyTable: claim, finish, release, clear, and the open-addressing shards underneath;
// see the header for the contract.
#include "target/idempotency/idempotency_table.hpp"

#include <algorithm>
#include <functional>

namespace stampede::target {
namespace {

Claim refusal(ClaimOutcome outcome) {
  Claim c;
  c.outcome = outcome;
  return c;
}

constexpr size_t kMinSlots = 64;
// How often a shard looks for expired records: often enough that memory follows the retention
// closely, rarely enough that the scan (every record of the shard) costs nothing per request.
constexpr auto kMinSweepInterval = std::chrono::seconds(1);

}  // namespace

IdempotencyTable::IdempotencyTable(size_t capacity, std::chrono::milliseconds retention)
    : capacity_(capacity), retention_(retention) {
  const auto now = Clock::now();
  for (Shard& shard : shards_) shard.last_sweep = now;
}

uint64_t IdempotencyTable::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

size_t IdempotencyTable::Shard::find(std::string_view key, uint64_t hash) const {
  if (slots.empty()) return npos;
  const size_t mask = slots.size() - 1;
  const auto tag = static_cast<uint32_t>(hash);
  for (size_t pos = tag & mask;; pos = (pos + 1) & mask) {
    const Slot s = slots[pos];
    if (s.index == 0) return npos;
    if (s.tag == tag && records[s.index - 1].key == key) return pos;
  }
}

bool IdempotencyTable::Shard::still_at(ClaimTicket ticket) const {
  // Tickets are never reused, so a match is the claim's own record.
  return ticket.record < records.size() && records[ticket.record].ticket == ticket.id;
}

size_t IdempotencyTable::Shard::find_claim(std::string_view key, uint64_t hash,
                                           ClaimTicket ticket) const {
  if (still_at(ticket)) {
    // Its slot by index, which needs no key comparison (the record's key lives in another
    // cache line).
    const size_t mask = slots.size() - 1;
    const auto index = ticket.record + 1;
    for (size_t pos = static_cast<uint32_t>(hash) & mask;; pos = (pos + 1) & mask) {
      if (slots[pos].index == index) return pos;
      if (slots[pos].index == 0) return npos;
    }
  }
  const size_t pos = find(key, hash);
  if (pos == npos || records[slots[pos].index - 1].ticket != ticket.id) return npos;
  return pos;
}

void IdempotencyTable::Shard::insert_slot(uint64_t hash, uint32_t index) {
  const size_t mask = slots.size() - 1;
  const auto tag = static_cast<uint32_t>(hash);
  size_t pos = tag & mask;
  while (slots[pos].index != 0) pos = (pos + 1) & mask;
  slots[pos] = Slot{tag, index};
}

void IdempotencyTable::Shard::erase_at(size_t slot) {
  const size_t mask = slots.size() - 1;
  const uint32_t index = slots[slot].index;
  // Backward-shift deletion: pull later entries of the probe run into the hole whenever their
  // home position allows, so lookups never need tombstones.
  size_t hole = slot;
  for (size_t next = (hole + 1) & mask; slots[next].index != 0; next = (next + 1) & mask) {
    const size_t home = slots[next].tag & mask;
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    slots[hole] = slots[next];
    hole = next;
  }
  slots[hole] = Slot{};

  // Keep the records dense: the last one takes the freed place, and its slot is repointed.
  const auto last = static_cast<uint32_t>(records.size());
  if (index != last) {
    const auto tag = static_cast<uint32_t>(records.back().hash);
    size_t pos = tag & mask;
    while (slots[pos].index != last) pos = (pos + 1) & mask;
    slots[pos].index = index;
    records[index - 1] = std::move(records.back());
  }
  records.pop_back();
}

void IdempotencyTable::Shard::rebuild(size_t slot_count) {
  slots.assign(slot_count, Slot{});
  for (size_t i = 0; i < records.size(); ++i) {
    insert_slot(records[i].hash, static_cast<uint32_t>(i + 1));
  }
}

size_t IdempotencyTable::Shard::sweep(Clock::time_point cutoff) {
  const auto kept = std::remove_if(records.begin(), records.end(), [&](const Record& r) {
    return r.finished && r.claimed_at < cutoff;
  });
  const auto dropped = static_cast<size_t>(records.end() - kept);
  if (dropped == 0) return 0;
  records.erase(kept, records.end());
  rebuild(slots.size());
  return dropped;
}

void IdempotencyTable::sweep_if_due(Shard& shard, Clock::time_point now, bool full) {
  const auto interval = full ? std::chrono::duration_cast<Clock::duration>(kMinSweepInterval)
                             : std::max<Clock::duration>(kMinSweepInterval, retention_ / 16);
  if (now - shard.last_sweep < interval) return;
  shard.last_sweep = now;
  size_.fetch_sub(shard.sweep(now - retention_), std::memory_order_relaxed);
}

Claim IdempotencyTable::claim(std::string_view key, const RequestFingerprint& fingerprint,
                              Clock::time_point now) {
  const uint64_t hash = hash_of(key);
  Shard& shard = shard_for(hash);
  std::lock_guard lock(shard.mutex);
  sweep_if_due(shard, now, false);
  if (const size_t pos = shard.find(key, hash); pos != npos) {
    Record& r = shard.records[shard.slots[pos].index - 1];
    if (r.finished && now - r.claimed_at >= retention_) {
      // Past retention the key is forgotten; this claim starts it again.
      shard.erase_at(pos);
      size_.fetch_sub(1, std::memory_order_relaxed);
    } else if (r.product_id != fingerprint.product_id || r.user_id != fingerprint.user_id ||
               r.quantity != fingerprint.quantity || r.endpoint != fingerprint.endpoint ||
               r.action != fingerprint.action) {
      return refusal(ClaimOutcome::reused_key);
    } else if (!r.finished) {
      return refusal(ClaimOutcome::in_flight);
    } else {
      return Claim{ClaimOutcome::replay, {}, r.status, r.body};
    }
  }
  // Counted before the record is kept, so concurrent claims cannot overshoot the bound.
  if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
    size_.fetch_sub(1, std::memory_order_relaxed);
    sweep_if_due(shard, now, true);
    if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
      size_.fetch_sub(1, std::memory_order_relaxed);
      return refusal(ClaimOutcome::table_full);
    }
  }
  if (2 * (shard.records.size() + 1) > shard.slots.size()) {
    shard.rebuild(std::max(kMinSlots, 2 * shard.slots.size()));
  }
  const uint64_t ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
  Record& r = shard.records.emplace_back();
  r.key.assign(key.data(), key.size());
  r.hash = hash;
  r.product_id = fingerprint.product_id;
  r.user_id.assign(fingerprint.user_id.data(), fingerprint.user_id.size());
  r.quantity = fingerprint.quantity;
  r.endpoint = fingerprint.endpoint;
  r.action = fingerprint.action;
  r.ticket = ticket;
  r.claimed_at = now;
  shard.insert_slot(hash, static_cast<uint32_t>(shard.records.size()));
  Claim fresh;
  fresh.ticket = ClaimTicket{ticket, static_cast<uint32_t>(shard.records.size() - 1)};
  return fresh;
}

void IdempotencyTable::finish(std::string_view key, ClaimTicket ticket, unsigned status,
                              std::string body) {
  const uint64_t hash = hash_of(key);
  Shard& shard = shard_for(hash);
  std::lock_guard lock(shard.mutex);
  Record* r = nullptr;
  if (shard.still_at(ticket)) {
    r = &shard.records[ticket.record];  // no lookup at all
  } else if (const size_t pos = shard.find_claim(key, hash, ticket); pos != npos) {
    r = &shard.records[shard.slots[pos].index - 1];  // moved since (an erase, a sweep)
  }
  if (r == nullptr) return;  // released, cleared by a reset, or claimed afresh since
  r->finished = true;
  r->status = status;
  r->body = std::move(body);
}

void IdempotencyTable::release(std::string_view key, ClaimTicket ticket) {
  const uint64_t hash = hash_of(key);
  Shard& shard = shard_for(hash);
  std::lock_guard lock(shard.mutex);
  const size_t pos = shard.find_claim(key, hash, ticket);
  if (pos == npos) return;
  shard.erase_at(pos);
  size_.fetch_sub(1, std::memory_order_relaxed);
}

void IdempotencyTable::clear_product(uint64_t product_id) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    const auto kept = std::remove_if(shard.records.begin(), shard.records.end(),
                                     [&](const Record& r) { return r.product_id == product_id; });
    const auto erased = static_cast<size_t>(shard.records.end() - kept);
    if (erased == 0) continue;
    shard.records.erase(kept, shard.records.end());
    // A reset is also when a flash sale's memory should come back.
    shard.records.shrink_to_fit();
    size_t slots = kMinSlots;
    while (slots < 2 * shard.records.size()) slots *= 2;
    shard.rebuild(slots);
    size_.fetch_sub(erased, std::memory_order_relaxed);
  }
}

}  // namespace stampede::target
