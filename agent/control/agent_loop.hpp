// The agent's control plane on ZeroMQ: a DEALER connected to the coordinator, moving frames to
// and from an AgentSession (registration, heartbeats, the job's life: agent_session.hpp), which
// runs each job on a Swarm. Re-registers by itself after a coordinator restart.
//
//   zmq::context_t ctx;
//   AgentLoop agent(ctx, {.coordinator = "tcp://127.0.0.1:5555", .name = "a1"});
//   agent.run(stop_flag);  // until stop_flag is set, or a fatal refusal (then returns false)
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "agent/control/agent_session.hpp"
#include "agent/control/job_limits.hpp"
#include "common/curve_keys.hpp"

namespace stampede::agent {

struct AgentOptions {
  std::string coordinator = "tcp://127.0.0.1:5555";
  std::string name;      // empty: hostname-pid
  unsigned threads = 0;  // 0: hardware cores
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds coordinator_timeout{5000};  // silence after which we re-register
  bool log = true;
  JobLimits limits;  // checked against every job before it runs (default: loopback targets only)
  // CURVE: this agent's own key pair and the coordinator's public key it pins. Unset: plain
  // (only for loopback or in-process coordinators).
  std::optional<CurveKeyPair> curve;
  std::string coordinator_public_key;
};

class AgentLoop {
 public:
  // ctx must outlive the loop.
  AgentLoop(zmq::context_t& ctx, AgentOptions options);
  ~AgentLoop();
  // Returns false when the coordinator refused this agent for good (version mismatch).
  bool run(const std::atomic<bool>& stop);
  const std::string& name() const { return options_.name; }

 private:
  struct Link;
  AgentSessionOptions session_options() const;

  AgentOptions options_;
  zmq::context_t& ctx_;
};

}  // namespace stampede::agent
