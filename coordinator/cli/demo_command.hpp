// `stampede demo`: the whole lab in one command — spawns the bundled stampede-target on
// loopback, runs an embedded coordinator with three agents against buggy, unstable and safe,
// prints the table and stops the target it started.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace stampede::coordinator {

struct DemoFlags {
  std::string target_bin;  // empty: beside this binary, ../target/, then PATH
  unsigned users = 1000;
  uint64_t requests = 2000;
  int64_t stock = 100;
  std::string report;
};

void add_demo_flags(CLI::App& sub, DemoFlags& flags);
int demo_command(const DemoFlags& flags, const char* argv0);

}  // namespace stampede::coordinator
