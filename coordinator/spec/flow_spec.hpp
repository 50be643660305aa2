// A journey's steps as a scenario writes them (`flow:`), checked: what each step sends, the
// statuses it accepts, the values it captures for later steps, and which step is the sale.
//
//   auto steps = parse_flow(R"([{"name":"reserve","path":"/r","capture":{"hold":"id"},
//                               "takes_stock":"true"},
//                              {"name":"confirm","path":"/r/${hold}","purchase":"true"}])");
//
// The scenario reader hands a flow over as JSON text (every scalar a string, as YAML wrote it),
// so it travels like any other setting's value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"

namespace stampede::coordinator {

inline constexpr size_t kMaxFlowSteps = 16;

struct FlowStepSettings {
  std::string name;
  std::string method = "POST";
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<uint32_t> accept;                               // empty: any 2xx
  std::vector<std::pair<std::string, std::string>> captures;  // variable, top-level field
  uint32_t think_ms = 0;                                      // pause before the step
  bool purchase = false;
  bool takes_stock = false;
};

// Checks every step and the flow as a whole: names unique, one purchase step and it the last
// (the last step when none is marked), captures named like placeholders and not reused. Errors name
// the step ("steps[1] (confirm): ...").
Expected<std::vector<FlowStepSettings>> parse_flow(std::string_view json);

// The names a step's ${...} may use beyond user_id, key, endpoint and the data's columns:
// the captures of the steps before it.
std::vector<std::string> captures_before(const std::vector<FlowStepSettings>& flow, size_t step);

}  // namespace stampede::coordinator
