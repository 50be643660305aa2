// Turns stampede-agent's limit and key flags into AgentOptions: start-up only, one-line errors.
//
//   if (auto problem = apply_security_flags(options, allow, "10m", "agent.key")) exit 2;
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/control/agent_loop.hpp"

namespace stampede::agent {

// Fills options.limits.allow (loopback only when allow_targets is empty), max_duration_ms, and
// options.curve from the secret file; checks the coordinator key. Returns the problem, if any.
std::optional<std::string> apply_security_flags(AgentOptions& options,
                                                const std::vector<std::string>& allow_targets,
                                                const std::string& max_duration,
                                                const std::string& curve_secret_file);

}  // namespace stampede::agent
