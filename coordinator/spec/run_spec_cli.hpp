// The run settings as command-line flags: one CLI11 option for each setting the command line
// takes, with the table's help, bounds and default. Options hold raw text; resolve() checks it,
// so `--requests -5` fails with the words a scenario's `requests: -5` gets. bind_env_names()
// then gives each one its STAMPEDE_<FLAG> variable.
//
//   RunFlagTexts texts;
//   add_run_flags(*sub, texts);                  // all of `stampede run`'s settings
//   add_run_flags(*demo, texts, {"users", "requests", "stock", "report"});
//   ...parse...
//   input.overlay(given_flags(texts));           // what the user gave, and nothing else
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/spec/run_spec.hpp"

namespace stampede::coordinator {

// What CLI11 writes into; it must outlive the parse.
struct RunFlagTexts {
  std::map<std::string, std::vector<std::string>, std::less<>> values;
  std::map<std::string, bool, std::less<>> switches;
  std::map<std::string, CLI::Option*, std::less<>> options;
};

// Adds the flags of every setting with kFlag, or only those named.
void add_run_flags(CLI::App& app, RunFlagTexts& texts,
                   const std::vector<std::string_view>& only = {});

// The settings given on the command line or in their STAMPEDE_ variables, as raw text.
SettingTexts given_flags(const RunFlagTexts& texts);

}  // namespace stampede::coordinator
