// Largest-remainder apportionment, so rounding never loses or invents a user or an attempt.
#include "coordinator/daemon/job_split.hpp"

#include <algorithm>
#include <numeric>

namespace stampede::coordinator {
namespace {
// total * weight can pass 2^64 for long runs split by user counts.
__extension__ typedef unsigned __int128 Wide;

std::vector<uint64_t> apportion(uint64_t total, const std::vector<uint64_t>& weights) {
  std::vector<uint64_t> out(weights.size(), 0);
  const uint64_t sum = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  if (sum == 0 || total == 0) return out;
  std::vector<std::pair<uint64_t, size_t>> remainders;
  uint64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Wide exact = static_cast<Wide>(total) * weights[i];
    out[i] = static_cast<uint64_t>(exact / sum);
    remainders.emplace_back(static_cast<uint64_t>(exact % sum), i);
    given += out[i];
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total; ++k, ++given) ++out[remainders[k % remainders.size()].second];
  return out;
}

}  // namespace

std::vector<Share> split_shares(uint32_t users, uint64_t attempts,
                                const std::vector<uint32_t>& weights) {
  std::vector<uint64_t> w(weights.begin(), weights.end());
  for (auto& x : w) x = std::max<uint64_t>(x, 1);
  const auto user_shares = apportion(users, w);
  const auto attempt_shares = apportion(attempts, user_shares);
  std::vector<Share> out(weights.size());
  uint32_t offset = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].users = static_cast<uint32_t>(user_shares[i]);
    out[i].attempts = attempt_shares[i];
    out[i].user_offset = offset;
    offset += out[i].users;
  }
  return out;
}

}  // namespace stampede::coordinator
