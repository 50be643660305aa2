// Every setting of a run, once: its name, default, bounds and help. The command line's flags,
// a scenario file's keys, STAMPEDE_<FLAG> variables and the console's launch form are adapters
// over this table (run_spec_cli, scenario_file, launch_form), and the coordinator checks a
// RunRequest that came over the wire against the same bounds (check_run_request), so --help,
// the scenario reference and every validation say the same thing.
//
//   RunInput in;                                   // raw texts from any mix of sources
//   in.run["users"] = {{"1000"}, "--users"};
//   in.run["requests"] = {{"2000"}, "flash.yaml: requests"};
//   auto settings = resolve(in);                  // checked: "--users: must be a whole number
//   if (!settings) fail(settings.error());        //  from 1 to 10000000, not '-5'"
//
// A setting's name is its scenario key and its form field; its flag is --name with '-' for '_';
// its variable STAMPEDE_NAME. Values resolve in this order, the later winning: the default,
// the scenario's top level, the command line (or the form), then a scenario phase's own value.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "coordinator/spec/flow_spec.hpp"

namespace stampede::coordinator {

// What each phase of a run may set for itself, or take from the run.
struct PhaseSettings {
  std::string endpoint;
  std::optional<uint64_t> users;
  std::optional<uint64_t> requests;
  std::optional<uint64_t> duration_ms;
  std::optional<double> rate;
  std::optional<int64_t> stock;  // unset: the stock is read, not reset
  std::optional<uint64_t> ramp_ms;
  std::optional<uint64_t> think_time_ms;
  std::optional<uint64_t> per_user_limit;             // units a buyer may have; 0: not checked
  std::optional<std::vector<FlowStepSettings>> flow;  // a journey instead of one request
  std::optional<bool> expect_violated;                // a scenario phase's `expect: violated`
  std::optional<double> max_p99_ms;
  std::optional<double> max_error_rate;
};

// A run's settings, checked. Fields hold the table's defaults until a source sets them.
struct RunSettings {
  std::string scenario_name;
  PhaseSettings all;                  // the run's own values of the phase settings
  std::vector<PhaseSettings> phases;  // a scenario's phases; empty: one per endpoint
  std::vector<std::string> endpoints;
  std::string target, method, path, body, order_id_field, remaining_field;
  std::vector<std::string> headers;  // "K:V"
  std::vector<uint64_t> sold_out_statuses, success_statuses;
  std::vector<std::string> sold_out_match;
  std::string stock_url, stock_field, ledger_url, admin_url, admin_token_file;
  std::string ca_file, client_cert, client_key, tls_sessions;
  std::string data, data_mode;  // --data FILE, unique | cycle
  bool insecure = false, connection_per_attempt = false;
  uint64_t expect_agents = 0, agents_wait_s = 0, connect_timeout_ms = 0, request_timeout_ms = 0;
  uint64_t retries = 0, retry_backoff_ms = 0, agent_threads = 0;
  std::string run_id;
  std::vector<std::string> expect_violated;
  std::string report, markdown, html, pushgateway;
  std::string baseline;           // a report to compare this run with
  double max_regression_pct = 0;  // how far throughput may fall or p99 rise from it
  std::string coordinator, metrics_bind;
  uint64_t embedded = 0;
  bool quiet = false;

  // Each phase as it runs: its own values over the run's (one per endpoint without phases).
  std::vector<PhaseSettings> resolved_phases() const;
};

// Where a setting may be given.
enum SettingSource : unsigned {
  kFlag = 1,      // `stampede run --name` (and STAMPEDE_NAME)
  kScenario = 2,  // a scenario file's top level
  kPhase = 4,     // a scenario phase
  kForm = 8,      // the console's launch form
};

// How a numeric setting is bounded, for the wire check and the help text.
struct SettingBounds {
  enum class Kind { none, count, number, duration } kind = Kind::none;
  double min = 0, max = 0;
};

struct Setting {
  std::string_view name;
  std::string_view help;
  std::string_view default_text;  // "": none
  unsigned sources = 0;           // SettingSource bits
  bool list = false;              // may hold many values (given again, or as a YAML list)
  bool comma_list = false;        // on the command line, values may also come comma-separated
  bool is_flag = false;           // on the command line, takes no value
  SettingBounds bounds;
  // Checks one value (for a list, one element) and stores it in `phase` when given (a scenario
  // phase), else in the run. The error says what is wrong without saying where.
  std::function<Expected<bool>(RunSettings& run, PhaseSettings* phase, std::string_view text)>
      apply;

  std::string flag() const;         // "--request-timeout-ms"
  std::string bounds_text() const;  // "1 to 10000000", "" when unbounded
  std::string help_text() const;    // help, bounds and default, for --help and the reference
};

const std::vector<Setting>& run_settings();
const Setting* find_setting(std::string_view name);

// Raw values of settings, by name, with where they came from ("--users", "flash.yaml: users").
struct SettingValues {
  std::vector<std::string> values;
  std::string origin;
};
using SettingTexts = std::map<std::string, SettingValues, std::less<>>;

struct RunInput {
  std::string scenario_name;
  SettingTexts run;                  // later sources replace earlier ones, setting by setting
  std::vector<SettingTexts> phases;  // a scenario's phases
  // Lays `over`'s settings over this one's (a name in both takes over's values).
  void overlay(const SettingTexts& over);
};

// Defaults, then input, each value checked: the first problem, as "ORIGIN: problem".
Expected<RunSettings> resolve(const RunInput& input);

// The bounds of a numeric setting as a message when value is outside them, else "".
std::string out_of_bounds(std::string_view name, double value);

}  // namespace stampede::coordinator
