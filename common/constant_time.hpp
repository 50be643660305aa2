// Secret comparison for bearer tokens (the target's admin listener, the coordinator's console):
// the time taken depends only on the presented string's length, never on where it differs.
//
//   if (!stampede::constant_time_equal(configured, presented)) return unauthorized();
#pragma once

#include <cstddef>
#include <string_view>

namespace stampede {

// False for an empty secret: no token configured never matches.
inline bool constant_time_equal(std::string_view secret, std::string_view presented) {
  if (secret.empty()) return false;
  // Walk presented in full whatever the secret's length, so neither length nor content leaks
  // through an early exit.
  unsigned diff = secret.size() == presented.size() ? 0u : 1u;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i]) ^
            static_cast<unsigned char>(secret[i % secret.size()]);
  }
  return diff == 0;
}

}  // namespace stampede
