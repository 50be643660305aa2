// How many connections this process can hold: every virtual user is a socket, and a process
// that runs out of descriptors mid-run fails in places no error path expects (Asio's event
// loop aborts when it cannot make its eventfd). So each binary raises its soft RLIMIT_NOFILE to
// the hard limit at start-up and checks what it is asked to do against what that leaves.
//
//   const DescriptorBudget budget = raise_descriptor_limit();
//   if (users > budget.connections) refuse(budget.explain(users));
#pragma once

#include <cstdint>
#include <string>

namespace stampede {

struct DescriptorBudget {
  uint64_t limit = 0;        // RLIMIT_NOFILE after raising: `ulimit -n` as the process sees it
  uint64_t connections = 0;  // what is left for connections after kReservedDescriptors

  // "N connections are more than this process can open: ulimit -n is L, which leaves C".
  std::string explain(uint64_t wanted) const;
};

// Kept back from the limit for everything but the load's connections: ZeroMQ sockets and their
// pipes, each I/O thread's epoll and eventfd, log files, a store's connections.
inline constexpr uint64_t kReservedDescriptors = 256;

// Raises the soft limit to the hard one (once per process is enough; later calls only read it).
DescriptorBudget raise_descriptor_limit();

}  // namespace stampede
