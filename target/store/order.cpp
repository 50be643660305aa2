// Order ids: a process-wide counter, so ids from different stores or resets never collide.
#include "target/store/order.hpp"

#include <atomic>

namespace stampede::target {

std::string next_order_id() {
  static std::atomic<uint64_t> counter{0};
  return "o-" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace stampede::target
