// `stampede run`: turns flags into a RunRequest, sends it to a coordinator (or an embedded one
// with N in-process agents), shows live progress, prints the table, writes the JSON report and
// returns design.md's exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

struct RunFlags {
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
Expected<uint32_t> parse_duration_ms(const std::string& text);
int run_command(const RunFlags& flags);

}  // namespace stampede::coordinator
