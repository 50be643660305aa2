// What a run needs from the coordinator that owns it, and nothing more: the agents it may use, a
// way to reach them and its client, the target's answers, the wall clock, the journal and the
// metrics. A run does no I/O of its own, so a unit test hosts it with a fake and plays every part
// (agents, target, clock) exactly; the coordinator hosts it with ZeroMQ sockets and threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/daemon/agent_registry.hpp"
#include "coordinator/daemon/target_probe.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

class CoordinatorMetrics;
class RunJournal;

// A call to the target a run asks for: its answer comes back through the run's
// on_target_answer() with the same id, whenever the call ends (each has its own deadline).
struct TargetCall {
  enum class Kind { prepare, read_stock, read_phase_end };
  Kind kind = Kind::prepare;
  uint64_t id = 0;
  TargetProbe probe;
};

struct TargetAnswer {
  uint64_t call_id = 0;
  std::string error;  // set when the call failed: what could not be read or reset
  // prepare (the stock the phase starts with; absent in a plain load test), read_stock.
  std::optional<int64_t> stock;
  std::optional<int64_t> held, sold;  // read_stock, where the target reports them
  PhaseEnd phase_end;                 // read_phase_end
};

// Performs a call (blocking, within its deadlines): what the coordinator runs off its loop.
TargetAnswer perform_target_call(const TargetCall& call);

class RunHost {
 public:
  virtual ~RunHost() = default;
  virtual std::vector<AgentRecord*> live_agents() = 0;
  // False when the frame could not be queued for the agent.
  virtual bool send_to_agent(const AgentRecord& agent, v1::Envelope& envelope) = 0;
  virtual void send_to_client(const std::string& client_id, v1::Envelope& envelope) = 0;
  virtual void call_target(const TargetCall& call) = 0;
  virtual uint64_t now_unix_ns() = 0;
  virtual CoordinatorMetrics* metrics() = 0;      // nullable
  virtual RunJournal* journal() = 0;              // nullable: no --state-dir
  virtual void say(const std::string& line) = 0;  // the coordinator's log
};

}  // namespace stampede::coordinator
