// Scenario files: a run written down in YAML or JSON (YAML is a superset of JSON, so one parser
// reads both). Its keys are run_spec's settings: a top-level key is a setting for the whole run,
// a phase's keys are that phase's own. Flags given on the command line win over the top level,
// so one scenario serves many targets; a phase's own values win over both.
//
//   name: flash-sale
//   target: http://127.0.0.1:8080
//   admin_url: http://127.0.0.1:8081
//   admin_token_file: token
//   expect_agents: 3
//   phases:
//     - {endpoint: buggy, stock: 100, users: 1000, requests: 2000, expect: violated}
//     - {endpoint: safe, stock: 100, users: 1000, requests: 2000, max_p99_ms: 250}
//
//   auto input = load_scenario_file("flash.yaml");   // raw texts, keys checked
//   input->overlay(given_flags(texts));               // the command line over it
//   auto settings = resolve(*input);                  // values checked
#pragma once

#include <string>

#include "common/expected.hpp"
#include "coordinator/spec/run_spec.hpp"

namespace stampede::coordinator {

// Every key must be a setting the place allows (a typo is an error naming it); values are
// checked later, by resolve(), with the key's place in the file as their origin.
Expected<RunInput> parse_scenario(const std::string& text, const std::string& origin);
Expected<RunInput> load_scenario_file(const std::string& path);

}  // namespace stampede::coordinator
