// `stampede compare A.json B.json`: two runs' reports side by side, with the change in each
// figure (coordinator/report/compare.hpp). Exit 0, or 2 when a report cannot be read.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/expected.hpp"

namespace stampede::coordinator {

struct CompareFlags {
  std::string a;
  std::string b;
};

void add_compare_flags(CLI::App& sub, CompareFlags& flags);
CommandResult compare_command(const CompareFlags& flags);

}  // namespace stampede::coordinator
