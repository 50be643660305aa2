// The agent's side of the control plane, without I/O: registration and heartbeats, the clock
// offset to the coordinator, and one job's life as an explicit state machine:
//
//   idle -> assigned -> running -> reporting -> acknowledged (-> assigned for the next job)
//   assigned:  accepted, waiting for its StartJob
//   running:   the engine makes attempts; progress and order batches go out twice a second
//   reporting: the result went out, and goes again every 2 s until the coordinator acks it
//
// Frames from the coordinator go in through on_frame(), time through tick(now) and the wall
// clock it is given; the frames to send come out of take_outbox() as bytes, since every order
// batch is kept serialized until the result's ack (a coordinator that restarts gets them again).
// The engine is a JobRunner from the factory, so tests give a fake one and a fake clock.
//
//   AgentSession session(options, wall_clock, say);
//   on each frame: session.on_frame(envelope, now);
//   each turn:     session.tick(now); for (auto& bytes : session.take_outbox()) send(bytes);
//
// Not thread-safe: one control thread owns it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/control/job_limits.hpp"
#include "agent/engine/job_runner.hpp"
#include "common/clock.hpp"
#include "common/clock_offset.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

enum class JobState { idle, assigned, running, reporting, acknowledged };
const char* job_state_name(JobState state);

struct AgentSessionOptions {
  std::string coordinator;  // where it registers, for the log
  std::string name;
  std::string host;
  unsigned cores = 1;
  unsigned threads = 1;
  std::string version;
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds coordinator_timeout{5000};  // silence after which we re-register
  JobLimits limits;
  JobFactory make_job;
  // Why this agent refuses a job under its limits (default: check_job, which resolves the
  // target's name).
  std::function<std::optional<std::string>(const v1::JobSpec&, const JobLimits&)> check = check_job;
};

class AgentSession {
 public:
  using Steady = std::chrono::steady_clock;
  using Say = std::function<void(const std::string&)>;

  // wall must outlive the session; say takes the log lines.
  AgentSession(AgentSessionOptions options, const WallClock& wall, Say say);
  ~AgentSession();

  void on_frame(const v1::Envelope& envelope, Steady::time_point now);
  void tick(Steady::time_point now);
  std::vector<std::string> take_outbox();

  bool registered() const { return registered_; }
  // Refused for good (a version the coordinator does not speak): the agent should stop.
  const std::optional<std::string>& refused_for_good() const { return fatal_; }
  JobState job_state() const { return state_; }
  // How long the caller may wait for a frame before the next tick is due.
  std::chrono::milliseconds idle_tick() const;

 private:
  struct Job;
  void send(v1::Envelope& envelope);
  void send_register();
  void on_job(const v1::JobSpec& spec);
  void on_start(const v1::StartJob& start, Steady::time_point now);
  // Starts the engine once the start instant is within kEngineLead.
  void start_engine_when_due(Steady::time_point now);
  // Heartbeats go every few ms: right after registering, and from a job's assignment to its
  // engine's start, so its start instant is converted with a well-measured offset.
  bool probing(Steady::time_point now) const;
  void replay_job();
  void tick_job(Steady::time_point now);
  void send_progress();
  void send_result(Steady::time_point now);
  void flush_orders(OrderDrain& drain);
  uint64_t to_coordinator_clock(uint64_t local_ns) const;

  AgentSessionOptions options_;
  const WallClock& wall_;
  Say say_;
  std::vector<std::string> outbox_;
  bool registered_ = false;
  std::optional<std::string> fatal_;
  Steady::time_point last_heard_{};
  Steady::time_point next_register_{};
  Steady::time_point next_heartbeat_{};
  Steady::time_point last_probe_{};
  Steady::time_point probe_until_{};
  ClockOffsetEstimator clock_offset_;  // reset with each registration: a new coordinator
  JobState state_ = JobState::idle;
  std::unique_ptr<Job> job_;
  uint64_t dropped_ = 0;  // frames of a type agents do not take
};

}  // namespace stampede::agent
