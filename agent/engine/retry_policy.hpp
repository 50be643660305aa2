// When an indeterminate attempt is tried again with the same Idempotency-Key, and after what
// pause: exponential backoff from `backoff`, capped so a long retry chain cannot stall a user.
//
//   RetryPolicy policy{.max_retries = 3, .backoff = 50ms};
//   policy.pause_before(1);  // 50ms, then 100ms, 200ms, 400ms, 500ms, 500ms...
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace stampede::agent {

struct RetryPolicy {
  // The cap, as a multiple of `backoff`: a few doublings, then a steady pace.
  static constexpr uint32_t kMaxBackoffFactor = 10;

  uint32_t max_retries = 0;  // tries beyond the first; 0: never retry
  std::chrono::milliseconds backoff{0};

  // The pause before retry n (1, 2, ...): backoff·2^(n-1), at most backoff·kMaxBackoffFactor.
  std::chrono::milliseconds pause_before(uint32_t retry) const {
    uint32_t factor = 1;
    for (uint32_t n = 1; n < retry && factor < kMaxBackoffFactor; ++n) factor *= 2;
    return backoff * std::min(factor, kMaxBackoffFactor);
  }
};

}  // namespace stampede::agent
