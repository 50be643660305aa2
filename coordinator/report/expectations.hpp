// What a run must show for the CLI to exit 0: by default every endpoint's integrity holds;
// an endpoint named in expect_violated (the buggy lab endpoint) must instead be caught; and
// optional latency and error-rate limits, for all endpoints or per endpoint.
//
//   Expectations e;
//   e.expect_violated.insert("buggy");
//   e.all.max_p99_ms = 250;
//   for (auto& line : unmet_expectations(report, e)) std::cout << "FAILED " << line << "\n";
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator/report/report.hpp"

namespace stampede::coordinator {

struct Limits {
  std::optional<double> max_p99_ms;
  std::optional<double>
      max_error_rate;  // (errors + indeterminate) / attempts; sold out is no error
};

struct Expectations {
  std::set<std::string> expect_violated;  // endpoint labels
  Limits all;
  std::map<std::string, Limits> per_endpoint;  // wins over `all` where set
};

// One plain-words line per unmet expectation; empty when the run passes.
std::vector<std::string> unmet_expectations(const RunReport& report,
                                            const Expectations& expectations);

}  // namespace stampede::coordinator
