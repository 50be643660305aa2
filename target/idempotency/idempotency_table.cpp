// IdempotencyTable: claim, finish, release, clear; see the header for the contract.
#include "target/idempotency/idempotency_table.hpp"

namespace stampede::target {
namespace {

Claim refusal(ClaimOutcome outcome) {
  Claim c;
  c.outcome = outcome;
  return c;
}

}  // namespace

Claim IdempotencyTable::claim(std::string_view key, const RequestFingerprint& fingerprint) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.records.find(key); it != shard.records.end()) {
    const Record& r = it->second;
    if (r.product_id != fingerprint.product_id || r.user_id != fingerprint.user_id ||
        r.quantity != fingerprint.quantity) {
      return refusal(ClaimOutcome::reused_key);
    }
    if (!r.finished) return refusal(ClaimOutcome::in_flight);
    return Claim{ClaimOutcome::replay, 0, r.status, r.body};
  }
  // Reserve a slot first so concurrent claims cannot overshoot the bound.
  if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
    size_.fetch_sub(1, std::memory_order_relaxed);
    return refusal(ClaimOutcome::table_full);
  }
  const uint64_t ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
  Record record;
  record.product_id = fingerprint.product_id;
  record.user_id = std::string(fingerprint.user_id);
  record.quantity = fingerprint.quantity;
  record.ticket = ticket;
  shard.records.emplace(std::string(key), std::move(record));
  Claim fresh;
  fresh.ticket = ticket;
  return fresh;
}

void IdempotencyTable::finish(std::string_view key, uint64_t ticket, unsigned status,
                              std::string body) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.records.find(key);
  if (it == shard.records.end() || it->second.ticket != ticket) return;
  it->second.finished = true;
  it->second.status = status;
  it->second.body = std::move(body);
}

void IdempotencyTable::release(std::string_view key, uint64_t ticket) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.records.find(key);
  if (it == shard.records.end() || it->second.ticket != ticket) return;
  shard.records.erase(it);
  size_.fetch_sub(1, std::memory_order_relaxed);
}

void IdempotencyTable::clear_product(uint64_t product_id) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    const size_t erased = std::erase_if(
        shard.records, [&](const auto& entry) { return entry.second.product_id == product_id; });
    size_.fetch_sub(erased, std::memory_order_relaxed);
  }
}

}  // namespace stampede::target
