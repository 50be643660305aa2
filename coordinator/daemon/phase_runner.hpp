// One phase of a run as its jobs see it: hand the phase's shares to agents, start them together,
// merge what comes back, hand a lost agent's unfinished share on to an agent that owes nothing,
// stop the jobs at the phase's end, and acknowledge their results once the phase is safe. It
// does no I/O of its own: frames go through the RunHost, time comes from its caller.
//
//   PhaseRunner phase(host, request, index, restarts);
//   phase.assign(agents);                       // JobAssignment to each
//   ... on_agent_message() until all_accepted(), then start(at_unix_ns)
//   ... on_agent_message(), on_agent_lost(), reissue_lost_shares() until done()
//   phase.ack_results();                        // once the phase is in the report and journal
//
// Not thread-safe: the run's loop owns it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coordinator/daemon/run_host.hpp"
#include "coordinator/merge/phase_merge.hpp"

namespace stampede::coordinator {

class PhaseRunner {
 public:
  // request outlives the runner; restarts makes re-issued job ids unique across coordinators.
  PhaseRunner(RunHost& host, const v1::RunRequest& request, size_t phase, uint32_t restarts);

  // A new phase: one share per agent, in proportion to its threads.
  void assign(const std::vector<AgentRecord*>& agents);
  // A started phase taken over from the journal: its shares, each held by an agent unknown
  // until that agent speaks for it again.
  void restore(const v1::RunJournal& record);

  // Every job was accepted by its agent, or its agent is lost (its share is handed on once the
  // phase runs).
  bool all_accepted() const;
  // Why an agent refused one of the phase's jobs before it started, if one did.
  const std::optional<std::string>& refusal() const { return refusal_; }
  // Every job starts at this instant of the coordinator's clock: the phase's second 0.
  void start(uint64_t start_at_unix_ns);
  // A restored phase's instant, for the shares it hands on.
  void set_phase_start(uint64_t start_unix_ns) { phase_start_unix_ns_ = start_unix_ns; }

  // Restored shares: each has its agent back, a result, or was lost.
  bool all_back() const;
  // The restored shares whose agents did not come back are lost.
  void lose_absent();

  // A frame from an agent about this phase's jobs. True when it is a result the phase keeps:
  // its ResultAck waits for ack_results(). `handing_on`: lost shares may be re-issued now.
  bool on_agent_message(const AgentRecord& agent, v1::Envelope& envelope, bool handing_on);
  // The agent's unfinished jobs are lost; with handing_on, what they had left is queued for
  // another agent. True when it held any.
  bool on_agent_lost(const std::string& agent_id, bool handing_on);
  // Sends queued shares to agents that owe no result, starting at start_at_unix_ns; returns a
  // line for each hand-over.
  std::vector<std::string> reissue_lost_shares(uint64_t start_at_unix_ns);

  void stop_jobs();
  // The stop grace is over: what has not come back is lost, and shares never handed on are noted.
  void give_up();
  // Every job has its result and batches (or is lost), and no share waits for an agent.
  bool done() const { return merge_.complete() && reissue_.empty(); }
  void ack_results();

  // Whether the agent holds (or held) one of this phase's jobs.
  bool uses_agent(const std::string& agent_id) const;
  const std::string& endpoint() const { return spec_.endpoint(); }
  PhaseMerge& merge() { return merge_; }
  const PhaseMerge& merge() const { return merge_; }
  // The phase's jobs and queued shares, for the run's journal.
  void add_shares_to(v1::RunJournal& record) const;

 private:
  // Sends one share as a job; a non-zero start instant also starts it (re-issued shares).
  void dispatch(AgentRecord& agent, JobShare share, uint64_t start_at_unix_ns);
  void send_to_job_agent(size_t job, v1::Envelope& envelope);
  // Marks job i lost and, with handing_on, queues its unfinished attempts for another agent.
  void lose_job(size_t i, bool handing_on);

  RunHost& host_;
  const v1::RunRequest& request_;
  const v1::PhaseSpec& spec_;
  const uint32_t restarts_;
  PhaseMerge merge_;
  std::vector<std::string> job_agents_;  // the agent id holding each job ("": unknown yet)
  std::optional<std::string> refusal_;
  std::vector<JobShare> reissue_;  // lost agents' unfinished shares waiting for a free agent
  uint64_t reissued_ = 0;
  uint64_t phase_start_unix_ns_ = 0;
};

}  // namespace stampede::coordinator
