// The run report: design.md's stable JSON keys, built from merged phases, and the terminal
// table drawn from that same JSON so the two can never disagree.
//
//   boost::json::object j = to_json(run_report);
//   std::cout << render_table(j);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/histogram.hpp"
#include "coordinator/oracle/oracle.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

// Where a phase stood at one moment: seconds since its start, cumulative outcome counts, and
// the latency of the attempts that ended since the previous point (0 when none did).
struct TimelinePoint {
  double t_s = 0;
  uint64_t attempts = 0, ok = 0, fail = 0, info = 0;
  double p50_ms = 0, p99_ms = 0;
};

struct PhaseReport {
  std::string endpoint;
  int64_t initial_stock = 0;
  std::optional<int64_t> final_stock;
  v1::OutcomeCounts counts;
  Verdict verdict;
  double duration_s = 0;
  LatencyHistogram latency;              // open loop: from the intended send time
  LatencyHistogram latency_uncorrected;  // open loop only: from the actual send
  uint64_t retries = 0;
  std::map<unsigned, uint64_t> status_codes;
  std::vector<std::string> problems;    // lost agents, missing batches: said, not hidden
  double start_spread_ms = 0;           // first sends of the agents that started together
  std::vector<TimelinePoint> timeline;  // about one point a second, for charts
};

struct AgentTotals {
  std::string name;
  std::string host;
  uint64_t requests = 0;
};

struct RunReport {
  std::string run_id;
  std::string scenario;
  std::string started_at;  // RFC 3339, UTC
  double duration_s = 0;
  std::vector<AgentTotals> agents;
  std::vector<PhaseReport> phases;
};

boost::json::object to_json(const RunReport& report);
std::string render_table(const boost::json::object& report);
std::string rfc3339_utc(uint64_t unix_ns);

}  // namespace stampede::coordinator
