// raise_descriptor_limit(): see the header.
#include "common/descriptor_budget.hpp"

#include <sys/resource.h>

namespace stampede {

std::string DescriptorBudget::explain(uint64_t wanted) const {
  return std::to_string(wanted) +
         " connections are more than this process can open: ulimit -n is " + std::to_string(limit) +
         ", which leaves " + std::to_string(connections) +
         " after the process's own descriptors (raise the hard limit, or spread the users over "
         "more agents)";
}

DescriptorBudget raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  DescriptorBudget budget;
  budget.limit = lim.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(lim.rlim_cur);
  budget.connections =
      budget.limit > kReservedDescriptors ? budget.limit - kReservedDescriptors : 0;
  return budget;
}

}  // namespace stampede
