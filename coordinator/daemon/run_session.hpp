// One run, driven by the coordinator's loop: wait for agents, then for each endpoint (phase)
// reset the target, hand out jobs, start them together, merge what comes back, reconcile with
// the ledger, and finally send the report to the CLI that asked.
//
// With a RunJournal, each step that changes the run is recorded, and a coordinator started
// after one that died mid-run takes the run over from the record: the agents kept their jobs
// and send everything again when they register with it, and the CLI attaches again.
//
// Not thread-safe: every call comes from the coordinator's loop thread; target I/O runs on the
// host's target_io() threads, and the loop polls for its results (OffLoopCall).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/daemon/agent_registry.hpp"
#include "coordinator/daemon/off_loop_call.hpp"
#include "coordinator/daemon/run_journal.hpp"
#include "coordinator/daemon/target_probe.hpp"
#include "coordinator/merge/phase_merge.hpp"
#include "coordinator/report/report.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

class CoordinatorMetrics;

// What a run needs from the coordinator that owns it. The coordinator outlives every session.
class RunHost {
 public:
  virtual ~RunHost() = default;
  virtual std::vector<AgentRecord*> live_agents() = 0;
  virtual bool send_to_agent(const AgentRecord& agent, v1::Envelope& envelope) = 0;
  virtual void send_to_client(const std::string& client_id, v1::Envelope& envelope) = 0;
  virtual CoordinatorMetrics* metrics() = 0;
  virtual RunJournal* journal() = 0;  // nullable: no --state-dir
  // Threads for the target's HTTP calls (each with its own deadline), off the loop.
  virtual boost::asio::thread_pool& target_io() = 0;
  virtual void say(const std::string& line) = 0;  // the coordinator's log
};

class RunSession {
 public:
  RunSession(RunHost& host, v1::RunRequest request, std::string client_id, SteadyTime now);
  // Takes over the run a coordinator that died left in its journal. No client until attach().
  RunSession(RunHost& host, v1::RunJournal record, SteadyTime now);

  // Advances the run; true once it has finished and sent RunFinished.
  bool tick(SteadyTime now);
  // True when the message was a result this run keeps: its ResultAck waits until the phase is
  // reconciled (and journaled), so an agent keeps what it saw until it can no longer be lost.
  // An order batch's contents are moved out of envelope.
  bool on_agent_message(const AgentRecord& agent, v1::Envelope& envelope);
  void on_agent_lost(const std::string& agent_id);
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

  void begin_phase(SteadyTime now);
  void assign_jobs(SteadyTime now);
  void finish_phase(PhaseEnd end);
  void finish(int exit_code, const std::string& message);
  void send_update(const std::string& note);
  double phase_elapsed_s() const;
  // How long a phase may go without one more attempt before its agents are told to stop.
  std::chrono::milliseconds stall_window() const;
  void send_to_job_agent(size_t job, v1::Envelope& envelope);
  // Sends one share as a job; a non-zero start instant also starts it (re-issued shares).
  void dispatch(AgentRecord& agent, JobShare share, uint64_t start_at_unix_ns);
  void reissue_lost_shares();
  void enter_running(SteadyTime now);
  void read_stock_live(SteadyTime now);
  // Marks job i lost and queues its unfinished attempts for another agent.
  void lose_job(size_t i);
  void ack_results();
  // phase_done: the current phase is in report_; record the next one, not yet begun.
  void save_journal(bool phase_done = false);
  TargetProbe probe_for(const std::string& endpoint) const;
  const v1::PhaseSpec& phase() const { return request_.phases(static_cast<int>(phase_)); }
  std::string phase_endpoint() const { return phase().endpoint(); }

  RunHost& host_;
  v1::RunRequest request_;
  std::string client_id_;
  Step step_ = Step::wait_agents;
  SteadyTime created_;
  SteadyTime step_deadline_{};
  SteadyTime next_update_{};
  uint64_t started_unix_ns_ = 0;

  std::vector<std::string> agent_ids_;  // the agents this run uses, fixed once they are there
  size_t phase_ = 0;
  int64_t initial_stock_ = 0;
  uint64_t phase_start_unix_ns_ = 0;
  std::unique_ptr<PhaseMerge> merge_;
  std::vector<std::string> job_agents_;  // agent id per job of the current phase
  size_t accepted_ = 0;
  std::vector<JobShare> reissue_;  // lost agents' unfinished shares waiting for a free agent
  uint64_t reissued_ = 0;
  uint64_t last_attempts_ = 0;  // attempts seen at the last deadline move
  OffLoopCall<Expected<int64_t>> preparing_;
  OffLoopCall<Expected<PhaseEnd>> reconciling_;
  // The live view's stock left: one reading in flight at a time, about once a second.
  OffLoopCall<Expected<int64_t>> stock_reading_;
  size_t stock_reading_phase_ = 0;  // a reading that outlived its phase is not this one's
  std::optional<int64_t> stock_left_;
  SteadyTime next_stock_read_{};
  RunReport report_;
  uint32_t restarts_ = 0;
  bool journal_failed_ = false;          // said once
  std::vector<TimelinePoint> timeline_;  // the current phase's progress, one point per update
};

}  // namespace stampede::coordinator
