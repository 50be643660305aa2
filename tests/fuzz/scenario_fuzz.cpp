// Scenario files (YAML, and JSON as YAML reads it) on arbitrary bytes: parsed, then resolved as
// `stampede run FILE` would. Never a crash; a refusal is one line that says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "coordinator/scenario/scenario_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto input = stampede::coordinator::parse_scenario(text, "fuzz.yaml");
  if (!input) {
    if (input.error().empty()) abort();
    return 0;
  }
  const auto settings = stampede::coordinator::resolve(*input);
  if (!settings && settings.error().empty()) abort();
  return 0;
}
