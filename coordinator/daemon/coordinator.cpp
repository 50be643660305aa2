// The coordinator's event loop: poll both sockets, answer heartbeats, feed the run.
#include "coordinator/daemon/coordinator.hpp"

#include <iostream>
#include <random>

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/framing.hpp"
#include "common/version.hpp"
#include "common/zap_authenticator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"
#include "coordinator/spec/run_request.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

std::string random_run_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id = "r";
  for (int i = 0; i < 8; ++i) id += hex[rd() % 16];
  return id;
}

Coordinator::Coordinator(zmq::context_t& ctx, CoordinatorOptions options,
                         CoordinatorMetrics* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      agents_(ctx, zmq::socket_type::router),
      control_(ctx, zmq::socket_type::router),
      journal_(options_.state_dir),
      control_metrics_(metrics ? metrics->registry().get() : nullptr) {
  for (auto* s : {&agents_, &control_}) {
    apply_control_socket_options(*s);
    // Report an unroutable peer as an error instead of dropping the frame silently.
    s->set(zmq::sockopt::router_mandatory, 1);
  }
  if (options_.curve) {
    // The handler first: a context with no ZAP handler lets any CURVE client in.
    zap_ = std::make_unique<ZapAuthenticator>(ctx, options_.authorized_keys,
                                              [this](const ZapVerdict& v) { on_zap_verdict(v); });
    make_curve_server(agents_, *options_.curve, "agents");
    make_curve_server(control_, *options_.curve, "control");
  }
}

Coordinator::~Coordinator() = default;

void Coordinator::bind() {
  agents_.bind(options_.agents_bind);
  control_.bind(options_.control_bind);
}

std::string Coordinator::agents_endpoint() const {
  return agents_.get(zmq::sockopt::last_endpoint);
}
std::string Coordinator::control_endpoint() const {
  return control_.get(zmq::sockopt::last_endpoint);
}

void Coordinator::log(const std::string& line) const {
  if (options_.log) std::cerr << "stampede coordinator: " << line << std::endl;
}

bool Coordinator::send_to_agent(const AgentRecord& agent, v1::Envelope& envelope) {
  return send_envelope(agents_, envelope, &agent.routing_id);
}

void Coordinator::send_to_client(const std::string& client_id, v1::Envelope& envelope) {
  if (envelope.has_run_finished()) last_finished_ = envelope;
  if (client_id.empty()) return;  // a run taken over, whose CLI has not attached yet
  send_envelope(control_, envelope, &client_id);  // a vanished CLI is not the run's problem
}

void Coordinator::call_target(const TargetCall& call) {
  target_calls_.emplace_back();
  target_calls_.back().start(target_io_, [call] { return perform_target_call(call); });
}

void Coordinator::deliver_target_answers() {
  for (auto it = target_calls_.begin(); it != target_calls_.end();) {
    if (!it->ready()) {
      ++it;
      continue;
    }
    TargetAnswer answer = it->take();
    it = target_calls_.erase(it);
    if (run_) run_->on_target_answer(std::move(answer));
  }
}

void Coordinator::end_run() {
  run_.reset();
  target_calls_.clear();  // what they answer now belongs to no run: dropped, never waited on
  if (metrics_) metrics_->set_run_active(false);
}

void Coordinator::take_over_journaled_run(SteadyTime now) {
  std::string problem;
  auto record = journal_.load(problem);
  if (!problem.empty()) log(problem);
  if (!record) return;
  log("found run " + record->request().run_id() + " in " + journal_.path() +
      ", left by a coordinator that did not finish it");
  run_ = std::make_unique<RunSession>(static_cast<RunHost&>(*this), std::move(*record), now);
  if (metrics_) metrics_->set_run_active(true);
}

void Coordinator::drop_frame(const std::string& socket, const std::string& reason,
                             const std::string& detail) {
  // The first of each kind is worth a line; a flood of them is worth a line per thousand.
  const uint64_t n = control_metrics_.frame_dropped(socket, reason);
  if (n % 1000 == 1) {
    log("dropped a frame on the " + socket + " socket (" + reason + ", " + std::to_string(n) +
        " so far): " + detail);
  }
}

void Coordinator::on_zap_verdict(const ZapVerdict& v) {
  if (v.admitted) return;
  control_metrics_.auth_refused(v.domain);
  const auto now = std::chrono::steady_clock::now();
  // Bounded: a peer cycling through keys and addresses costs a log line at worst, not memory.
  if (refusals_logged_.size() >= 1024) refusals_logged_.clear();
  auto& [last, unlogged] = refusals_logged_[v.key_z85 + "@" + v.address];
  ++unlogged;
  if (unlogged > 1 && now - last < 10s) return;
  log("refused a connection to the " + v.domain + " socket from " + v.address + " with key " +
      (v.key_z85.empty() ? "(none)" : v.key_z85) + ": " + v.reason +
      (unlogged > 1 ? " (" + std::to_string(unlogged) + " attempts)" : ""));
  last = now;
  unlogged = 0;
}

void Coordinator::serve(const std::atomic<bool>& stop) {
  zmq::pollitem_t items[] = {{agents_.handle(), 0, ZMQ_POLLIN, 0},
                             {control_.handle(), 0, ZMQ_POLLIN, 0},
                             {zap_ ? zap_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  take_over_journaled_run(std::chrono::steady_clock::now());
  while (!stop.load()) {
    poll_interruptible(items, zap_ ? 3 : 2, run_ ? 20ms : 100ms);
    const auto now = std::chrono::steady_clock::now();
    // Handshakes wait on this answer; serving it first keeps connecting peers from stalling.
    if (zap_) zap_->serve_pending();
    // Bounded drains, so a flood on one socket cannot starve the other or the run.
    for (int i = 0; i < 1000; ++i) {
      auto in = receive_envelope(agents_, true);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) {
        drop_frame("agents", "malformed", in.problem);
        continue;
      }
      on_agent_frame(in.routing_id, in.envelope, now);
    }
    for (int i = 0; i < 100; ++i) {
      auto in = receive_envelope(control_, true);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) {
        drop_frame("control", "malformed", in.problem);
        continue;
      }
      on_control_frame(in.routing_id, in.envelope, now);
    }
    housekeeping(now);
    deliver_target_answers();
    if (run_ && run_->tick(now)) {
      log("run " + run_->run_id() + " finished");
      end_run();
    }
  }
}

void Coordinator::housekeeping(SteadyTime now) {
  if (now < next_housekeeping_) return;
  next_housekeeping_ = now + options_.heartbeat_interval / 2;
  for (const auto& id : registry_.expire(now, options_.heartbeat_timeout)) {
    log("agent " + id + " missing: no heartbeat for " +
        std::to_string(options_.heartbeat_timeout.count()) + " ms");
    if (run_) run_->on_agent_lost(id);
  }
  if (metrics_) metrics_->set_agents_connected(static_cast<double>(registry_.live().size()));
}

void Coordinator::on_register(const std::string& routing_id, const v1::Register& reg,
                              SteadyTime now) {
  v1::Envelope reply;
  std::string problem = registration_problem(reg);
  if (problem.empty() && reg.version() != kVersion) {
    problem = "agent version " + reg.version() + " does not match coordinator " + kVersion;
  }
  if (!problem.empty()) {
    reply.mutable_refused()->set_reason(problem);
    reply.mutable_refused()->set_fatal(true);
    log("refused an agent: " + problem);
    send_envelope(agents_, reply, &routing_id);
    return;
  }
  const AgentRecord* before = registry_.by_routing_id(routing_id);
  const bool was_missing = before && before->missing;
  AgentRecord* agent = registry_.register_agent(routing_id, reg, now);
  if (!agent) {
    // Not fatal: the agent asks again each second, and gets in once one of the others is gone.
    reply.mutable_refused()->set_reason("the coordinator already has " +
                                        std::to_string(AgentRegistry::kMaxAgents) + " live agents");
    drop_frame("agents", "registry_full", "agent " + reg.name());
    send_envelope(agents_, reply, &routing_id);
    return;
  }
  if (was_missing) {
    log("agent " + agent->agent_id + " is back: it registered again");
  } else {
    log("agent " + agent->agent_id + " joined from " + agent->host + " (" +
        std::to_string(agent->threads) + " threads)");
  }
  reply.mutable_registered()->set_agent_id(agent->agent_id);
  reply.mutable_registered()->set_heartbeat_interval_ms(
      static_cast<uint32_t>(options_.heartbeat_interval.count()));
  send_envelope(agents_, reply, &routing_id);
}

void Coordinator::on_agent_frame(const std::string& routing_id, v1::Envelope& env, SteadyTime now) {
  switch (env.body_case()) {
    case v1::Envelope::kRegister:
      return on_register(routing_id, env.register_(), now);
    case v1::Envelope::kHeartbeat:
    case v1::Envelope::kJobAccepted:
    case v1::Envelope::kJobRejected:
    case v1::Envelope::kProgress:
    case v1::Envelope::kOrders:
    case v1::Envelope::kResult:
      break;
    default:
      // Not an agent's message (or from a newer protocol): never handed to the run.
      drop_frame("agents", "unknown_type",
                 "body " + std::to_string(static_cast<int>(env.body_case())));
      return;
  }
  v1::Envelope reply;
  AgentRecord* agent = registry_.by_routing_id(routing_id);
  if (!agent) {
    // Typically after a coordinator restart: tell the agent to register again.
    reply.mutable_refused()->set_reason("unknown agent; register again");
    send_envelope(agents_, reply, &routing_id);
    return;
  }
  if (agent->missing) log("agent " + agent->agent_id + " is back");
  // Half the deadline: far above a loaded agent's heartbeat jitter, yet a partition that heals
  // in time still shows in the report.
  if (const auto silent =
          std::chrono::duration_cast<std::chrono::milliseconds>(now - agent->last_seen);
      run_ && !agent->missing && silent >= options_.heartbeat_timeout / 2) {
    log("agent " + agent->agent_id + " silent for " + std::to_string(silent.count()) + " ms");
    run_->on_agent_silent(agent->agent_id, silent, options_.heartbeat_timeout);
  }
  agent->last_seen = now;
  agent->missing = false;
  switch (env.body_case()) {
    case v1::Envelope::kHeartbeat:
      reply.mutable_heartbeat()->set_sent_unix_ns(now_unix_ns());
      reply.mutable_heartbeat()->set_echo_unix_ns(env.heartbeat().sent_unix_ns());
      send_envelope(agents_, reply, &routing_id);
      break;
    case v1::Envelope::kResult:
      // The run acknowledges its own jobs' results once they are safe; anything else is
      // acknowledged at once, or the agent would keep resending it.
      if (!run_ || !run_->on_agent_message(*agent, env)) {
        reply.mutable_result_ack()->set_job_id(env.result().job_id());
        send_envelope(agents_, reply, &routing_id);
      }
      break;
    default:
      if (run_) run_->on_agent_message(*agent, env);
      break;
  }
}

v1::Envelope Coordinator::agents_reply(SteadyTime now) const {
  v1::Envelope reply;
  auto* out = reply.mutable_agents_reply();
  for (const auto& a : registry_.all()) {
    auto* info = out->add_agents();
    info->set_agent_id(a.agent_id);
    info->set_name(a.name);
    info->set_host(a.host);
    info->set_cores(a.cores);
    info->set_threads(a.threads);
    info->set_state(a.missing ? "missing" : a.busy ? "busy" : "idle");
    info->set_last_seen_ms_ago(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - a.last_seen).count()));
  }
  return reply;
}

v1::Envelope Coordinator::status_reply() {
  v1::Envelope reply;
  auto* out = reply.mutable_status_reply();
  out->set_run_active(run_ != nullptr);
  out->set_agents_live(static_cast<uint32_t>(registry_.live().size()));
  out->set_agents_known(static_cast<uint32_t>(registry_.all().size()));
  if (run_) {
    out->set_run_id(run_->run_id());
    *out->mutable_progress() = run_->snapshot("");
  }
  return reply;
}

v1::Envelope Coordinator::abort_run(const std::string& reason) {
  v1::Envelope reply;
  auto* out = reply.mutable_abort_reply();
  out->set_aborted(run_ != nullptr);
  if (run_) {
    out->set_run_id(run_->run_id());
    const std::string why = reason.empty() ? "aborted" : reason;
    log("run " + run_->run_id() + " aborted: " + why);
    run_->abort("run aborted: " + why);
    end_run();
  }
  return reply;
}

void Coordinator::on_attach(const std::string& routing_id, const std::string& run_id) {
  if (run_ && run_->run_id() == run_id) {
    log("run " + run_id + ": its client attached again");
    run_->attach(routing_id);
    return;
  }
  v1::Envelope reply;
  if (last_finished_ && last_finished_->run_finished().run_id() == run_id) {
    reply = *last_finished_;
  } else {
    reply.mutable_run_finished()->set_run_id(run_id);
    reply.mutable_run_finished()->set_exit_code(static_cast<int32_t>(ExitCode::infrastructure));
    reply.mutable_run_finished()->set_message(
        "the coordinator has no record of run " + run_id +
        ": it was restarted and had no journal of the run (start it with --state-dir to keep "
        "runs across restarts)");
  }
  send_envelope(control_, reply, &routing_id);
}

void Coordinator::on_run_request(const std::string& routing_id, v1::RunRequest request,
                                 SteadyTime now) {
  v1::Envelope reply;
  if (run_) {
    reply.mutable_run_finished()->set_exit_code(static_cast<int32_t>(ExitCode::infrastructure));
    reply.mutable_run_finished()->set_message("the coordinator is busy with run " + run_->run_id());
    send_envelope(control_, reply, &routing_id);
    return;
  }
  // Whoever sent it, it meets the bounds `stampede run` checks before sending one.
  if (auto problem = check_run_request(request)) {
    reply.mutable_run_finished()->set_run_id(request.run_id());
    reply.mutable_run_finished()->set_exit_code(static_cast<int32_t>(ExitCode::usage));
    reply.mutable_run_finished()->set_message("refused run: " + *problem);
    log("refused a run request: " + *problem);
    send_envelope(control_, reply, &routing_id);
    return;
  }
  if (request.run_id().empty()) request.set_run_id(random_run_id());
  log("run " + request.run_id() + " requested");
  run_ = std::make_unique<RunSession>(static_cast<RunHost&>(*this), std::move(request), routing_id,
                                      now);
  if (metrics_) metrics_->set_run_active(true);
}

void Coordinator::on_control_frame(const std::string& routing_id, const v1::Envelope& env,
                                   SteadyTime now) {
  v1::Envelope reply;
  switch (env.body_case()) {
    case v1::Envelope::kAgentsRequest:
      reply = agents_reply(now);
      break;
    case v1::Envelope::kStatusRequest:
      reply = status_reply();
      break;
    case v1::Envelope::kAbortRequest:
      reply = abort_run(env.abort_request().reason());
      break;
    case v1::Envelope::kRunAttach:
      return on_attach(routing_id, env.run_attach().run_id());
    case v1::Envelope::kRunRequest:
      return on_run_request(routing_id, env.run_request(), now);
    default:
      drop_frame("control", "unknown_type",
                 "body " + std::to_string(static_cast<int>(env.body_case())));
      return;
  }
  send_envelope(control_, reply, &routing_id);
}

}  // namespace stampede::coordinator
