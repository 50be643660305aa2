// The coordinator daemon: one loop thread owns the agents' ROUTER and the CLI's control
// ROUTER, keeps the agent registry and heartbeats, and drives at most one RunSession.
//
//   zmq::context_t ctx;
//   Coordinator c(ctx, options, &metrics);
//   c.bind();                  // throws zmq::error_t on a bad or busy address (start-up)
//   c.serve(stop_flag);        // returns once stop_flag is set
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <zmq.hpp>

#include <map>
#include <optional>

#include "common/clock.hpp"
#include "common/curve_keys.hpp"
#include "coordinator/daemon/agent_registry.hpp"
#include "coordinator/daemon/control_plane_metrics.hpp"
#include "coordinator/daemon/off_loop_call.hpp"
#include "coordinator/daemon/run_journal.hpp"
#include "coordinator/daemon/run_session.hpp"

namespace stampede {
class ZapAuthenticator;
struct ZapVerdict;
}  // namespace stampede

namespace stampede::coordinator {

// "r" and 8 hex digits: a run's id when its request names none.
std::string random_run_id();

struct CoordinatorOptions {
  std::string agents_bind = "tcp://127.0.0.1:5555";
  std::string control_bind = "tcp://127.0.0.1:5556";
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds heartbeat_timeout{5000};
  bool log = true;  // one line per agent join/loss on stderr
  // CURVE on both sockets: the coordinator's own key pair, and the public keys (agents and CLI
  // clients) its ZAP handler admits. Unset: plain sockets (loopback or inproc only; the daemon
  // command enforces that).
  std::optional<CurveKeyPair> curve;
  AuthorizedKeys authorized_keys;
  // Where the run in flight is journaled, so a restarted coordinator finishes it ("": nowhere).
  std::string state_dir;
};

class Coordinator final : private RunHost {
 public:
  // ctx and metrics (nullable) must outlive the coordinator.
  Coordinator(zmq::context_t& ctx, CoordinatorOptions options, CoordinatorMetrics* metrics);
  ~Coordinator() override;

  void bind();
  std::string agents_endpoint() const;  // the bound address (port 0 resolved)
  std::string control_endpoint() const;
  void serve(const std::atomic<bool>& stop);

 private:
  void on_agent_frame(const std::string& routing_id, v1::Envelope& env, SteadyTime now);
  void on_register(const std::string& routing_id, const v1::Register& reg, SteadyTime now);
  void on_control_frame(const std::string& routing_id, const v1::Envelope& env, SteadyTime now);
  v1::Envelope agents_reply(SteadyTime now) const;
  v1::Envelope status_reply();
  v1::Envelope abort_run(const std::string& reason);
  void on_attach(const std::string& routing_id, const std::string& run_id);
  void on_run_request(const std::string& routing_id, v1::RunRequest request, SteadyTime now);
  void housekeeping(SteadyTime now);
  void drop_frame(const std::string& socket, const std::string& reason, const std::string& detail);
  void on_zap_verdict(const ZapVerdict& verdict);
  void log(const std::string& line) const;

  std::vector<AgentRecord*> live_agents() override { return registry_.live(); }
  bool send_to_agent(const AgentRecord& agent, v1::Envelope& envelope) override;
  void send_to_client(const std::string& client_id, v1::Envelope& envelope) override;
  // Runs the call on target_io_; serve() hands its answer to the run when it comes.
  void call_target(const TargetCall& call) override;
  uint64_t now_unix_ns() override { return wall_clock_.now_unix_ns(); }
  CoordinatorMetrics* metrics() override { return metrics_; }
  RunJournal* journal() override { return &journal_; }
  void say(const std::string& line) override { log(line); }
  void deliver_target_answers();
  void end_run();
  // A run left in the journal by a coordinator that died: taken over on the loop's first turn.
  void take_over_journaled_run(SteadyTime now);

  CoordinatorOptions options_;
  CoordinatorMetrics* metrics_;
  zmq::socket_t agents_;
  zmq::socket_t control_;
  AgentRegistry registry_;
  // Before run_ and the calls: a run dropped mid-call leaves its call to finish here by its own
  // deadline, and the pool joins those threads only after every run is gone.
  boost::asio::thread_pool target_io_{4};
  std::vector<OffLoopCall<TargetAnswer>> target_calls_;  // the run's calls in flight
  SystemWallClock wall_clock_;
  std::unique_ptr<RunSession> run_;
  RunJournal journal_;
  // The end of the last run, for a CLI that reattaches after missing it.
  std::optional<v1::Envelope> last_finished_;
  SteadyTime next_housekeeping_{};
  ControlPlaneMetrics control_metrics_;
  // Created before the sockets bind when options_.curve is set; served on the loop thread.
  std::unique_ptr<ZapAuthenticator> zap_;
  // Refusals logged per key and address: the first at once, then a summary at most every 10 s,
  // since a refused peer reconnects every 100 ms.
  std::map<std::string, std::pair<SteadyTime, uint64_t>> refusals_logged_;
};

}  // namespace stampede::coordinator
