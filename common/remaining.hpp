// The wire's marker for a sale that named no stock left (OrderBatch.sale_remaining): the agent
// writes it, the coordinator's buyers' evidence skips it.
#pragma once

#include <cstdint>
#include <limits>

namespace stampede {

inline constexpr int64_t kNoRemaining = std::numeric_limits<int64_t>::min();

}  // namespace stampede
