// Order ids (a process-wide counter, so ids from different stores or resets never collide) and
// reservation ids.
#include "target/store/order.hpp"

#include <atomic>
#include <charconv>

namespace stampede::target {

std::string next_order_id() {
  static std::atomic<uint64_t> counter{0};
  return "o-" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::string reservation_id(uint64_t product_id, uint64_t number) {
  std::string id(1, 'r');  // appended, not "r" + ...: GCC 12 warns falsely on that (-Wrestrict)
  id += std::to_string(product_id);
  id += '-';
  id += std::to_string(number);
  return id;
}

bool parse_reservation_id(std::string_view id, uint64_t& product_id, uint64_t& number) {
  if (id.size() < 4 || id.front() != 'r') return false;
  const char* const end = id.data() + id.size();
  auto [dash, ec] = std::from_chars(id.data() + 1, end, product_id);
  if (ec != std::errc{} || dash == end || *dash != '-') return false;
  auto [last, ec2] = std::from_chars(dash + 1, end, number);
  return ec2 == std::errc{} && last == end;
}

}  // namespace stampede::target
