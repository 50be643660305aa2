// Agent bookkeeping for the coordinator loop; a few hundred agents at most, so vectors suffice.
#include "coordinator/daemon/agent_registry.hpp"

#include <algorithm>

#include "common/printable.hpp"

namespace stampede::coordinator {

std::string registration_problem(const v1::Register& reg) {
  if (!is_printable_name(reg.name(), kMaxAgentNameChars)) {
    return "an agent name must be 1 to " + std::to_string(kMaxAgentNameChars) +
           " printable characters without spaces (got '" + printable(reg.name(), 80) + "')";
  }
  if (!is_printable_name(reg.host(), kMaxAgentHostChars)) {
    return "an agent's host must be 1 to " + std::to_string(kMaxAgentHostChars) +
           " printable characters without spaces (got '" + printable(reg.host(), 80) + "')";
  }
  if (reg.version().size() > 64) return "the agent's version string is over 64 characters";
  return {};
}

AgentRecord* AgentRegistry::register_agent(const std::string& routing_id, const v1::Register& reg,
                                           SteadyTime now) {
  AgentRecord* slot = by_routing_id(routing_id);
  if (!slot) {
    for (auto& a : agents_) {
      if (a.name == reg.name()) slot = &a;
    }
  }
  if (!slot && agents_.size() >= kMaxAgents) {
    // Room for one more: the agent that has been missing longest goes.
    auto oldest = agents_.end();
    for (auto it = agents_.begin(); it != agents_.end(); ++it) {
      if (it->missing && (oldest == agents_.end() || it->last_seen < oldest->last_seen)) {
        oldest = it;
      }
    }
    if (oldest == agents_.end()) return nullptr;
    agents_.erase(oldest);
  }
  if (!slot) {
    agents_.emplace_back();
    slot = &agents_.back();
    slot->agent_id = reg.name();
    int suffix = 2;
    auto taken = [&](const std::string& id) {
      for (const auto& a : agents_) {
        if (&a != slot && a.agent_id == id) return true;
      }
      return false;
    };
    while (taken(slot->agent_id)) slot->agent_id = reg.name() + "#" + std::to_string(suffix++);
  }
  slot->routing_id = routing_id;
  slot->name = reg.name();
  slot->host = reg.host();
  slot->cores = reg.cores() ? reg.cores() : 1;
  slot->threads = reg.threads() ? reg.threads() : slot->cores;
  slot->version = reg.version();
  slot->last_seen = now;
  slot->missing = false;
  slot->busy = false;
  return slot;
}

AgentRecord* AgentRegistry::by_routing_id(const std::string& routing_id) {
  for (auto& a : agents_) {
    if (a.routing_id == routing_id) return &a;
  }
  return nullptr;
}

AgentRecord* AgentRegistry::by_agent_id(const std::string& agent_id) {
  for (auto& a : agents_) {
    if (a.agent_id == agent_id) return &a;
  }
  return nullptr;
}

std::vector<std::string> AgentRegistry::expire(SteadyTime now, std::chrono::milliseconds timeout) {
  std::vector<std::string> lost;
  for (auto& a : agents_) {
    if (!a.missing && now - a.last_seen > timeout) {
      a.missing = true;
      a.busy = false;
      lost.push_back(a.agent_id);
    }
  }
  std::erase_if(agents_, [&](const AgentRecord& a) {
    return a.missing && now - a.last_seen > timeout + kForgetMissingAfter;
  });
  return lost;
}

std::vector<AgentRecord*> AgentRegistry::live() {
  std::vector<AgentRecord*> out;
  for (auto& a : agents_) {
    if (!a.missing) out.push_back(&a);
  }
  return out;
}

}  // namespace stampede::coordinator
