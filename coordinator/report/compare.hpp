// Two runs side by side, and the regression check a run makes against a baseline. k6 and
// Gatling offer this only in their paid clouds; here it is a pure function of two reports.
//
//   std::cout << render_comparison(*a, *b);            // `stampede compare A.json B.json`
//   for (auto& line : regressions(*baseline, run, 0.10)) std::cout << "FAILED " << line;
#pragma once

#include <string>
#include <vector>

#include "coordinator/report/report.hpp"

namespace stampede::coordinator {

// A p99 rise smaller than this is noise, whatever its percentage: sub-millisecond latencies on a
// shared machine move by half their size from run to run.
inline constexpr double kP99NoiseFloorMs = 1.0;

// Per endpoint in either run: throughput, latency percentiles, the counts and every oracle
// figure, A beside B with the change in each (a percentage where both are non-zero).
std::string render_comparison(const RunReport& a, const RunReport& b);

// One line per endpoint of the run whose throughput fell, or whose p99 rose (by more than
// kP99NoiseFloorMs too), by more than max_regression (0.10 for 10 %) from the baseline's same
// endpoint; and one per baseline endpoint the run did not have.
std::vector<std::string> regressions(const RunReport& baseline, const RunReport& run,
                                     double max_regression);

}  // namespace stampede::coordinator
