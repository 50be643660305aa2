// One run, step by step: wait for agents, then for each endpoint (phase) have the target reset
// and its stock read, hand out the jobs (PhaseRunner), start them together, follow them to
// their end, have the stock and ledger read, reconcile, and finally send the report to the
// client that asked. It does no I/O: frames go through the RunHost, the target's answers come
// back through on_target_answer(), and time is what the caller passes (steady) and the host's
// wall clock. Every step has a deadline, so no peer can make a run hang.
//
// With a RunJournal, each step that changes the run is recorded, and a coordinator started
// after one that died mid-run takes the run over from the record: the agents kept their jobs
// and send everything again when they register with it, and the client attaches again.
//
//   RunSession run(host, request, client_id, now);
//   each loop turn: run.on_agent_message(agent, frame) / on_agent_lost(id) /
//                   on_target_answer(answer); done = run.tick(now);
//
// Not thread-safe: every call comes from the coordinator's loop thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "coordinator/daemon/phase_runner.hpp"
#include "coordinator/daemon/run_host.hpp"
#include "coordinator/report/report.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

class RunSession {
 public:
  RunSession(RunHost& host, v1::RunRequest request, std::string client_id, SteadyTime now);
  // Takes over the run a coordinator that died left in its journal. No client until attach().
  RunSession(RunHost& host, v1::RunJournal record, SteadyTime now);
  ~RunSession();

  // Advances the run; true once it has finished and sent RunFinished.
  bool tick(SteadyTime now);
  // True when the message was a result this run keeps: its ResultAck waits until the phase is
  // reconciled (and journaled), so an agent keeps what it saw until it can no longer be lost.
  // An order batch's contents are moved out of envelope.
  bool on_agent_message(const AgentRecord& agent, v1::Envelope& envelope);
  void on_agent_lost(const std::string& agent_id);
  // An agent of this run heard from again after a silence its heartbeat deadline forgave (a
  // short partition, a stalled host): the report names it, since nothing else would.
  void on_agent_silent(const std::string& agent_id, std::chrono::milliseconds silent,
                       std::chrono::milliseconds deadline);
  // The answer to a call_target() this run made; answers it no longer waits for are ignored.
  void on_target_answer(TargetAnswer answer);
  // Where the run stands, for `stampede status`.
  v1::RunUpdate snapshot(const std::string& note) const;
  // Stops every agent's job and ends the run with exit 3 and the report of the phases done.
  void abort(const std::string& reason);
  // From now on updates and the end of the run go to this client (a CLI that reconnected).
  void attach(const std::string& client_id);
  const std::string& run_id() const { return request_.run_id(); }

 private:
  // recover: taking a started phase over from the journal, waiting for its agents to come back.
  enum class Step { wait_agents, prepare, assign, recover, running, stopping, reconcile, done };

  void wait_for_agents(SteadyTime now);
  void begin_phase(SteadyTime now);
  void assign_jobs(SteadyTime now);
  void start_phase(SteadyTime now);
  void recover(SteadyTime now);
  void follow_jobs(SteadyTime now);
  void finish_phase(PhaseEnd end, SteadyTime now);
  void finish(ExitCode exit_code, const std::string& message);
  void send_update(const std::string& note);
  double phase_elapsed_s() const;
  // How long a phase may go without one more attempt before its agents are told to stop.
  std::chrono::milliseconds stall_window() const;
  void enter_running(SteadyTime now);
  void read_stock_live(SteadyTime now);
  uint64_t call_target(TargetCall::Kind kind);
  // The prepare or reconcile answer once it has come; a failed one finishes the run (exit 3).
  std::optional<TargetAnswer> take_answer();
  // phase_done: the current phase is in report_; record the next one, not yet begun.
  void save_journal(bool phase_done = false);
  TargetProbe probe_for(const std::string& endpoint) const;
  const v1::PhaseSpec& phase() const { return request_.phases(static_cast<int>(phase_)); }
  std::string phase_endpoint() const { return phase().endpoint(); }
  // The live agents of this run, in the order they joined it.
  std::vector<AgentRecord*> run_agents();

  RunHost& host_;
  v1::RunRequest request_;
  std::string client_id_;
  Step step_ = Step::wait_agents;
  SteadyTime step_deadline_{};
  SteadyTime next_update_{};
  uint64_t started_unix_ns_ = 0;

  std::vector<std::string> agent_ids_;  // the agents this run uses, fixed once they are there
  size_t phase_ = 0;
  std::optional<int64_t> initial_stock_;  // absent: a plain load test
  uint64_t phase_start_unix_ns_ = 0;
  std::unique_ptr<PhaseRunner> jobs_;
  uint64_t last_attempts_ = 0;  // attempts seen at the last deadline move
  // Target calls in flight, by id (0: none).
  uint64_t next_call_id_ = 1;
  uint64_t preparing_ = 0;
  uint64_t reconciling_ = 0;
  // The live view's stock left: one reading in flight at a time, about once a second.
  uint64_t stock_reading_ = 0;
  std::optional<int64_t> stock_left_;
  StockSamples samples_;  // this phase's readings that said what was held and sold
  SteadyTime next_stock_read_{};
  std::optional<TargetAnswer> answer_;  // the prepare or reconcile answer, until tick takes it
  RunReport report_;
  uint32_t restarts_ = 0;
  bool journal_failed_ = false;  // said once
};

}  // namespace stampede::coordinator
