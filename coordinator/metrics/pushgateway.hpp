// Pushes a finished run's metrics to a Prometheus Pushgateway, for CLI runs too short to be
// scraped: grouped by job "stampede" and the run's id, so runs never overwrite each other.
//
//   if (auto problem = push_run_metrics("http://127.0.0.1:9091", report, "ok")) complain(*problem);
#pragma once

#include <optional>
#include <string>

#include "coordinator/report/report.hpp"

namespace stampede::coordinator {

// The gateway's URL checked before a run starts: the problem, if any (a usage error).
std::optional<std::string> check_pushgateway_url(const std::string& gateway_url);

// Blocking (one HTTP PUT). Returns the problem, if any: a bad URL, an unreachable gateway, or
// the status it answered.
std::optional<std::string> push_run_metrics(const std::string& gateway_url, const RunReport& report,
                                            const std::string& verdict);

}  // namespace stampede::coordinator
