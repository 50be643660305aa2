// `stampede run`: turns flags into a RunRequest, sends it to a coordinator (or an embedded one
// with N in-process agents), shows live progress, prints the table, writes the JSON report and
// returns design.md's exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/scenario/scenario_file.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

struct RunFlags {
  std::string scenario_file;
  std::string scenario_name;
  std::vector<ScenarioPhase> phases;  // from the scenario file; empty: one per --endpoint
  double max_p99_ms = -1;             // < 0: no limit
  double max_error_rate = -1;
  std::string coordinator = "tcp://127.0.0.1:5556";
  unsigned embedded = 0;
  unsigned agent_threads = 0;
  std::string metrics_bind;  // embedded only
  std::string target = "http://127.0.0.1:8080";
  std::vector<std::string> endpoints;
  int64_t stock = -1;
  unsigned users = 100;
  uint64_t requests = 0;
  std::string duration;
  double rate = 0;
  unsigned expect_agents = 1;
  unsigned agents_wait_s = 30;
  std::string report;
  std::string markdown;     // a Markdown summary
  std::string html;         // a self-contained HTML report
  std::string pushgateway;  // push the run's metrics there once it ends
  std::string method = "POST";
  std::string path;
  std::vector<std::string> headers;
  std::string body;
  std::vector<unsigned> sold_out_statuses;
  std::string order_id_field = "order_id";
  std::string stock_url;
  std::string stock_field = "stock";
  std::string ledger_url;
  std::string admin_url;
  std::string admin_token_file;
  std::vector<std::string> expect_violated;
  unsigned connect_timeout_ms = 3000;
  unsigned request_timeout_ms = 10000;
  std::string run_id;
  std::string ramp;
  std::string think_time;
  unsigned retries = 0;
  unsigned retry_backoff_ms = 50;
  bool quiet = false;
};

void add_run_flags(CLI::App& sub, RunFlags& flags);
Expected<v1::RunRequest> build_run_request(const RunFlags& flags);
Expectations expectations_for(const RunFlags& flags);
// Fills every setting of the scenario whose flag was not given (given() says which were).
Expected<bool> apply_scenario(RunFlags& flags, const Scenario& scenario,
                              const std::function<bool(const std::string& flag)>& given);
// `sub` (the parsed subcommand) tells which flags the user gave, so they win over a scenario.
int run_command(RunFlags flags, const CLI::App* sub = nullptr);

}  // namespace stampede::coordinator
