// The run report: one typed RunReport, written and read in one place (report_json.cpp) with
// design.md's stable JSON keys. Everything that shows or checks a run reads this type: the
// table, expectations, Markdown and HTML, the Pushgateway push, the metrics, the console, the
// journal, `stampede compare` and `--baseline`. The JSON is how it crosses the wire (RunFinished),
// the journal and files.
//
//   RunReport r = ...;                         // built by the coordinator at each phase's end
//   std::string text = report_json_text(r);   // to a file or the wire
//   auto back = parse_report(text);           // Expected<RunReport>: every key checked
//   std::cout << render_table(*back);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/histogram.hpp"
#include "coordinator/oracle/oracle.hpp"

namespace stampede::coordinator {

// Latency percentiles in milliseconds (µs precision), as the report carries them.
struct LatencySummary {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  static LatencySummary of(const LatencyHistogram& h);
};

// Where a phase stood at one moment: seconds since its start, cumulative outcome counts, and
// the latency of the attempts that ended since the previous point (0 when none did).
struct TimelinePoint {
  double t_s = 0;
  uint64_t attempts = 0, ok = 0, fail = 0, info = 0;
  double p50_ms = 0, p99_ms = 0;
};

// How the agents' connections were made: counts, and connect and TLS handshake percentiles.
struct ConnectionSummary {
  uint64_t opened = 0, tls_handshakes = 0, tls_resumed = 0;
  double connect_p50_ms = 0, connect_p99_ms = 0, tls_p50_ms = 0, tls_p99_ms = 0;
};

// One step of a journey: its exchanges (every try), answers and latency, as k6 reports each
// request of a script.
struct StepReport {
  std::string name;
  uint64_t attempts = 0;
  uint64_t failed = 0;  // not accepted or unanswered: journeys that ended at this step
  std::map<unsigned, uint64_t> status_codes;
  LatencySummary latency_ms;
};

// One endpoint's phase: design.md's keys, one field each.
struct EndpointReport {
  std::string endpoint;
  std::vector<std::string> problems;     // lost agents, missing batches: said, not hidden
  std::optional<int64_t> initial_stock;  // absent: a plain load test, which reads no stock
  std::optional<int64_t> final_stock;
  uint64_t attempts = 0;
  uint64_t acknowledged = 0;
  uint64_t sold_out = 0;
  uint64_t errors = 0;
  uint64_t indeterminate = 0;
  Verdict verdict;  // ledger_orders, oversold, ..., integrity and checks_skipped
  double duration_s = 0;
  double throughput_rps = 0;
  double start_spread_ms = 0;  // first sends of the agents that started together
  LatencySummary latency_ms;   // open loop: from the intended send time
  std::optional<LatencySummary> latency_ms_uncorrected;  // open loop only: from the actual send
  uint64_t retries = 0;
  std::map<unsigned, uint64_t> status_codes;
  std::vector<TimelinePoint> timeline;           // about one point a second, for charts
  std::optional<ConnectionSummary> connections;  // absent in reports from before it
  std::optional<bool> tls_verified;              // https targets only
  std::vector<StepReport> steps;                 // journeys only
  uint64_t journeys_abandoned = 0;  // part of fail: journeys that ended after taking stock

  uint64_t fail() const { return sold_out + errors; }
  bool integrity_ok() const { return verdict.integrity_ok; }
  // An endpoint of a run with an oracle where no attempt bought or was told sold out, and the
  // stock and the ledger did not move: its figures would all be zero because nothing was
  // tried, which proves nothing either way. Its verdict is unchecked.
  bool untested() const {
    return initial_stock && verdict.integrity_ok && acknowledged + sold_out == 0 &&
           verdict.ledger_orders == 0 && (!final_stock || *final_stock == *initial_stock);
  }
  // Untested, and not one HTTP answer came: the target down, as the agents saw it.
  bool unanswered() const { return untested() && status_codes.empty(); }
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
  std::vector<EndpointReport> endpoints;

  const EndpointReport* endpoint(std::string_view name) const;
  // Every endpoint's integrity held (and there was at least one).
  bool integrity_ok() const;
  // "violated" when any endpoint's was; "unchecked" when no endpoint's could be checked or
  // one was untested; "ok".
  const char* integrity_word() const;
};

boost::json::object to_json(const RunReport& report);
std::string report_json_text(const RunReport& report);
// The one reader: every stable key checked for its type and bounds, so a report from a file, a
// coordinator or the journal is either whole or an error naming the key.
Expected<RunReport> report_from_json(const boost::json::value& json);
Expected<RunReport> parse_report(std::string_view text);
Expected<RunReport> load_report_file(const std::string& path);

std::string render_table(const RunReport& report);
// One figure through a printf format ("%.1f"): the table, summaries and comparison alike.
std::string figure(const char* format, double v);
// "P placed, C confirmed, E expired, O open at the end": the lab's holds, as the table and the
// summaries say them.
std::string holds_text(const HoldFigures& h);

}  // namespace stampede::coordinator
