// The buyers' evidence a job gathers between drains (design.md's remaining_* and false_sold_out
// figures): each sale's first send, its answer and the stock it said was left, and the sold-out
// answers counted by the bucket of the phase they arrived in (common/sold_out_buckets.hpp: a
// millisecond at first, wider as the phase ages), so that a sale costs 24 bytes and an hour of
// sold-out answers a few thousand pairs.
//
//   SaleEvidence e;
//   e.add_sale(1200, 1450, 41);   // µs since the phase's instant; kNoRemaining when unknown
//   e.add_sold_out(3);            // one sold-out answer in millisecond 3 (its bucket: 3)
//
// Not thread-safe: one per swarm thread, drained under that thread's drain lock.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/sold_out_buckets.hpp"

namespace stampede::agent {

struct SaleEvidence {
  std::vector<int64_t> sent_us, done_us, remaining;       // one each per sale, in the sales' order
  std::vector<std::pair<int64_t, uint64_t>> sold_out_ms;  // (bucket's last ms, answers)

  void add_sale(int64_t sent, int64_t done, int64_t left) {
    sent_us.push_back(sent);
    done_us.push_back(done);
    remaining.push_back(left);
  }
  void add_sold_out(int64_t ms) {
    ms = sold_out_bucket_end(ms);
    // Answers on one thread end in time order, so the newest pair nearly always takes it.
    if (!sold_out_ms.empty() && sold_out_ms.back().first == ms) {
      ++sold_out_ms.back().second;
    } else {
      sold_out_ms.emplace_back(ms, 1);
    }
  }
  size_t sales() const { return sent_us.size(); }
  bool empty() const { return sent_us.empty() && sold_out_ms.empty(); }
  void clear() {
    sent_us.clear();
    done_us.clear();
    remaining.clear();
    sold_out_ms.clear();
  }
  void swap(SaleEvidence& other) noexcept {
    sent_us.swap(other.sent_us);
    done_us.swap(other.done_us);
    remaining.swap(other.remaining);
    sold_out_ms.swap(other.sold_out_ms);
  }
  void append(const SaleEvidence& other) {
    sent_us.insert(sent_us.end(), other.sent_us.begin(), other.sent_us.end());
    done_us.insert(done_us.end(), other.done_us.begin(), other.done_us.end());
    remaining.insert(remaining.end(), other.remaining.begin(), other.remaining.end());
    sold_out_ms.insert(sold_out_ms.end(), other.sold_out_ms.begin(), other.sold_out_ms.end());
  }
};

}  // namespace stampede::agent
