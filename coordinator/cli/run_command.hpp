// `stampede run`: a scenario file and flags resolved into checked RunSettings (run_spec), sent
// to a coordinator (or an embedded one with N in-process agents), live progress, the table,
// the reports and design.md's exit code.
//
//   RunCommandFlags flags;
//   add_run_command_flags(*sub, flags);           // SCENARIO_FILE and every run setting's flag
//   ...parse...
//   auto settings = run_settings_from(flags);     // exit 2 with settings.error()
//   return run_command(*settings);
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/expected.hpp"
#include "coordinator/spec/run_spec.hpp"
#include "coordinator/spec/run_spec_cli.hpp"

namespace stampede::coordinator {

struct RunCommandFlags {
  std::string scenario_file;
  RunFlagTexts texts;
};

void add_run_command_flags(CLI::App& sub, RunCommandFlags& flags);
// The scenario file (if any) with the flags given over it, every value checked.
Expected<RunSettings> run_settings_from(const RunCommandFlags& flags);
// The verdict (exit 0 or 1), or what stopped the run before it had one (2 or 3).
CommandResult run_command(const RunSettings& settings);

}  // namespace stampede::coordinator
