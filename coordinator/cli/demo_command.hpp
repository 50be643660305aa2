// `stampede demo`: the whole lab in one command — spawns the bundled stampede-target on
// loopback, runs an embedded coordinator with three agents against buggy, unstable and safe,
// then, on a second target with a limit of one unit a buyer, a reserve-then-confirm sale on
// buggy and safe; prints both tables and stops the targets it started.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/expected.hpp"
#include "coordinator/spec/run_spec_cli.hpp"

namespace stampede::coordinator {

struct DemoFlags {
  std::string target_bin;  // empty: beside this binary, ../target/, then PATH
  RunFlagTexts texts;      // --users, --requests, --stock, --report: run settings, same bounds
};

void add_demo_flags(CLI::App& sub, DemoFlags& flags);
CommandResult demo_command(const DemoFlags& flags, const char* argv0);

}  // namespace stampede::coordinator
