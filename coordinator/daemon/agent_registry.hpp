// Who is connected: agents by ZeroMQ routing id and by agent id, with liveness from their last
// frame. An agent past its heartbeat deadline is marked missing; one that speaks again is back.
// Bounded: a missing agent is forgotten after kForgetMissingAfter, and at kMaxAgents the oldest
// missing one makes room; when every one of them is live, a new agent is turned away.
//
// Not thread-safe: owned by the coordinator's event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "stampede.pb.h"

namespace stampede::coordinator {

using SteadyTime = std::chrono::steady_clock::time_point;

struct AgentRecord {
  std::string agent_id;    // unique: the agent's name, suffixed when two share one
  std::string routing_id;  // ZeroMQ identity of its DEALER
  std::string name;
  std::string host;
  uint32_t cores = 1;
  uint32_t threads = 1;
  std::string version;
  SteadyTime last_seen{};
  bool missing = false;  // since last_seen + the heartbeat timeout
  bool busy = false;
};

// What an agent may call itself and its host: printable, no spaces, short enough for a table.
inline constexpr size_t kMaxAgentNameChars = 64;
inline constexpr size_t kMaxAgentHostChars = 253;  // a DNS name
// Why a Register must be refused for good (a name no log or table should carry), or "".
std::string registration_problem(const v1::Register& reg);

class AgentRegistry {
 public:
  static constexpr size_t kMaxAgents = 4096;
  static constexpr std::chrono::minutes kForgetMissingAfter{10};

  // A name already registered from another routing id is taken to be that agent restarted.
  // nullptr when the registry is full of live agents.
  AgentRecord* register_agent(const std::string& routing_id, const v1::Register& reg,
                              SteadyTime now);
  AgentRecord* by_routing_id(const std::string& routing_id);
  AgentRecord* by_agent_id(const std::string& agent_id);
  // Marks agents silent for longer than timeout missing, and forgets those missing for longer
  // than kForgetMissingAfter; returns the ids newly marked missing.
  std::vector<std::string> expire(SteadyTime now, std::chrono::milliseconds timeout);
  std::vector<AgentRecord*> live();
  const std::vector<AgentRecord>& all() const { return agents_; }

 private:
  std::vector<AgentRecord> agents_;
};

}  // namespace stampede::coordinator
