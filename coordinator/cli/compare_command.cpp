// `stampede compare`: load both reports through the one reader, print the comparison.
#include "coordinator/cli/compare_command.hpp"

#include <iostream>

#include "coordinator/report/compare.hpp"

namespace stampede::coordinator {

void add_compare_flags(CLI::App& sub, CompareFlags& f) {
  sub.add_option("A", f.a, "The earlier run's JSON report (--report)")->required();
  sub.add_option("B", f.b, "The later run's JSON report")->required();
}

CommandResult compare_command(const CompareFlags& f) {
  auto a = load_report_file(f.a);
  auto b = load_report_file(f.b);
  for (const auto* r : {&a, &b}) {
    if (!*r) return r->failure();
  }
  std::cout << render_comparison(*a, *b) << std::flush;
  return ExitCode::ok;
}

}  // namespace stampede::coordinator
