// Splits a phase's users and attempts across agents in proportion to their weight (cores),
// exactly: the shares always add up to the totals.
//
//   auto shares = split_shares(1000, 2000, {2, 1, 1});  // users 500/250/250, attempts 1000/500/500
#pragma once

#include <cstdint>
#include <vector>

namespace stampede::coordinator {

struct Share {
  uint32_t users = 0;
  uint64_t attempts = 0;
  uint32_t user_offset = 0;  // first user number, so user ids are unique across agents
};

// Attempts follow users, so an agent with no users gets no attempts.
std::vector<Share> split_shares(uint32_t users, uint64_t attempts,
                                const std::vector<uint32_t>& weights);

}  // namespace stampede::coordinator
