// What the web console shows, shared by the threads that learn it (CoordinatorLink, StockWatcher)
// and the HTTP thread that serves it: agents, the run in progress as one sample a second, the
// stock left, and the last runs with their reports.
//
//   ConsoleState state;
//   if (auto claimed = state.begin_run(request, "buggy"); !claimed) reply 409 claimed.error();
//   state.on_update(update, now);      // link thread, once a second while the run goes
//   state.on_finished(finished, now);  // link thread: the verdict and the report
//   auto json = state.snapshot();      // HTTP thread
//
// Thread-safe: every member function takes the one mutex and hands out copies.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "coordinator/report/report.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator::ui {

using SteadyTime = std::chrono::steady_clock::time_point;

// Where the stock left is read from: a GET whose JSON carries `field`.
struct StockSource {
  std::string url;
  std::string field;
};

// One second of a run: the attempts that ended in it on the agents, by outcome (requests/s),
// their p50 and p99, and the stock last read.
struct LiveSample {
  uint64_t seq = 0;  // across runs, so a stream's cursor is one number
  std::string run_id;
  double t_s = 0;  // since the run's first sample
  uint32_t phase = 0;
  uint32_t phases = 0;
  std::string endpoint;
  double ok_rps = 0, fail_rps = 0, info_rps = 0;
  double p50_ms = 0, p99_ms = 0;  // 0: the coordinator sent none
  uint64_t attempts = 0;
  std::optional<int64_t> stock;
};

// A run the console launched, while it goes and after: its verdict and its report.
struct RunRecord {
  std::string run_id;
  std::string label;  // endpoint(s) and the strategy label the form gave
  std::string target;
  std::vector<std::string> endpoints;
  int64_t started_at = 0;  // unix seconds
  int64_t finished_at = 0;
  std::string verdict = "running";  // running | ok | violated | unchecked | aborted | error
  std::string message;
  std::vector<std::string> violated;  // endpoints whose integrity is violated
  std::optional<RunReport> report;
};

class ConsoleState {
 public:
  // history_limit: finished runs kept (with their reports); sample_limit: samples of the run in
  // progress kept for pages that open mid-run (an hour at one a second).
  explicit ConsoleState(size_t history_limit = 20, size_t sample_limit = 3600);

  // --- HTTP thread ---
  // Claims the coordinator for the console's run, or says who holds it: one run at a time.
  Expected<bool> begin_run(const v1::RunRequest& request, const std::string& label,
                           const std::string& target);
  // Whether a run (the console's or another client's) is in progress.
  bool run_active() const;
  boost::json::object snapshot() const;
  boost::json::array samples_after(uint64_t seq) const;
  uint64_t last_sample_seq() const;
  // Runs finished after the cursor `seen` (a count), oldest first; moves the cursor.
  std::vector<RunRecord> finished_after(uint64_t& seen) const;
  uint64_t finished_count() const;
  boost::json::array runs() const;
  std::optional<RunRecord> run(const std::string& run_id) const;
  unsigned live_agents() const;

  // --- link and stock threads ---
  void set_agents(const v1::AgentsReply& reply);
  void on_status(const v1::StatusReply& status, SteadyTime now);
  void on_update(const v1::RunUpdate& update, SteadyTime now);
  void on_finished(const v1::RunFinished& finished);
  // The control socket answered (or went quiet): shown on the page.
  void set_coordinator_answering(bool answering);
  std::optional<StockSource> stock_source() const;
  void set_stock(std::optional<int64_t> stock, std::string error);
  // The stock read when no run names one (the bundled target's product route).
  void set_idle_stock_source(std::optional<StockSource> source);
  // The console's own run, if one is in progress: the link ends it when the coordinator
  // stays silent too long.
  std::optional<std::string> own_run_id() const;
  SteadyTime own_run_last_heard() const;

  static boost::json::object record_json(const RunRecord& record);
  static boost::json::object sample_json(const LiveSample& sample);

 private:
  void add_sample(const v1::RunUpdate& update, const std::string& run_id, SteadyTime now);
  void finish_own(RunRecord record);
  std::optional<StockSource> stock_source_locked() const;

  mutable std::mutex mutex_;
  const size_t history_limit_;
  const size_t sample_limit_;
  // Everything below is guarded by mutex_.
  bool answering_ = false;
  boost::json::array agents_;
  unsigned live_agents_ = 0;
  std::optional<RunRecord> own_;  // the console's run in progress
  std::optional<v1::RunRequest> own_request_;
  SteadyTime own_last_heard_{};
  std::optional<std::string> foreign_run_;  // another client's run, from StatusReply
  v1::RunUpdate latest_;                    // of whichever run is in progress
  std::string samples_run_;
  std::deque<LiveSample> samples_;
  uint64_t next_seq_ = 1;
  SteadyTime first_sample_at_{};
  double phase_base_s_ = 0;  // the current phase's second 0, on the samples' time axis
  v1::RunUpdate previous_;   // the last update with an endpoint: which phase is on
  std::optional<StockSource> idle_stock_source_;
  std::optional<int64_t> stock_;
  std::string stock_error_;
  std::deque<RunRecord> history_;  // newest first
  uint64_t finished_count_ = 0;
};

}  // namespace stampede::coordinator::ui
