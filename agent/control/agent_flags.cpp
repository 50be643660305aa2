// Start-up checks for the agent's own limits and keys.
#include "agent/control/agent_flags.hpp"

namespace stampede::agent {

std::optional<std::string> apply_security_flags(AgentOptions& options,
                                                const std::vector<std::string>& allow_targets,
                                                const std::string& max_duration,
                                                const std::string& curve_secret_file) {
  if (!allow_targets.empty()) {
    options.limits.allow.clear();
    for (const auto& text : allow_targets) {
      auto entry = parse_allowed_target(text);
      if (!entry) return "--allow-target " + entry.error();
      options.limits.allow.push_back(std::move(*entry));
    }
  }
  if (!max_duration.empty()) {
    auto ms = parse_limit_duration(max_duration);
    if (!ms) return "--max-duration: " + ms.error();
    options.limits.max_duration_ms = *ms;
  }
  if (curve_secret_file.empty() != options.coordinator_public_key.empty()) {
    return "--curve-secret-file and --coordinator-public-key go together";
  }
  if (!curve_secret_file.empty()) {
    if (!curve_available()) return "this libzmq has no CURVE support";
    auto pair = load_secret_key_file(curve_secret_file);
    if (!pair) return "--curve-secret-file " + pair.error();
    auto server = parse_public_key(options.coordinator_public_key);
    if (!server) return "--coordinator-public-key: " + server.error();
    options.curve = std::move(*pair);
    options.coordinator_public_key = *server;
  }
  return std::nullopt;
}

}  // namespace stampede::agent
