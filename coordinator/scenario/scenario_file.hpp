// Scenario files: a run written down in YAML or JSON (YAML is a superset of JSON, so one
// parser reads both), with its phases and what each must show. Flags given on the command line
// win over the file, so one scenario serves many targets.
//
//   name: flash-sale
//   target: http://127.0.0.1:8080
//   admin_url: http://127.0.0.1:8081
//   admin_token_file: token
//   expect_agents: 3
//   phases:
//     - {endpoint: buggy, stock: 100, users: 1000, requests: 2000, expect: violated}
//     - {endpoint: safe, stock: 100, users: 1000, requests: 2000, max_p99_ms: 250}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

struct ScenarioPhase {
  v1::PhaseSpec spec;            // stock -1 when the phase does not reset it
  bool expect_violated = false;  // "expect: violated"; default "hold"
  std::optional<double> max_p99_ms;
  std::optional<double> max_error_rate;  // (errors + indeterminate) / attempts
};

struct Scenario {
  std::string name;
  // Top-level settings by flag name without dashes ("target", "admin_url"...), as text; lists
  // (header, sold_out_status) hold one entry per element.
  std::map<std::string, std::vector<std::string>> settings;
  std::vector<ScenarioPhase> phases;
};

// The settings a scenario may carry at top level; anything else is an error naming the key, so
// a typo never passes silently.
const std::vector<std::string>& scenario_setting_keys();

Expected<Scenario> parse_scenario(const std::string& text, const std::string& origin);
Expected<Scenario> load_scenario_file(const std::string& path);

}  // namespace stampede::coordinator
