// Human durations for flags and scenario files: "500ms", "30s", "1.5m", "2h" (a bare number is
// seconds), up to 24 h.
//
//   auto ms = stampede::parse_duration_ms("30s");  // Expected<uint32_t>, 30000
#pragma once

#include <cstdint>
#include <string>

#include "common/expected.hpp"

namespace stampede {

inline Expected<uint32_t> parse_duration_ms(const std::string& text) {
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (...) {
    return unexpected("bad duration '" + text + "' (want e.g. 30s, 500ms, 2m)");
  }
  const std::string unit = text.substr(pos);
  double ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit == "s" || unit.empty()) {
    ms = value * 1000;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return unexpected("bad duration unit in '" + text + "' (ms, s, m or h)");
  }
  if (!(ms > 0) || ms > 86'400'000)
    return unexpected("duration '" + text + "' out of range (0, 24h]");
  return static_cast<uint32_t>(ms);
}

}  // namespace stampede
