// The daemon's start-up (binds, metrics, signals) and the agents listing.
#include "coordinator/cli/daemon_command.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <optional>

#include "common/curve_keys.hpp"
#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/printable.hpp"
#include "common/url.hpp"
#include "coordinator/cli/client_security.hpp"
#include "coordinator/daemon/coordinator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

// The control plane's keys into options, or why the flags cannot run: CURVE takes both files,
// and without keys only loopback may be bound unless --insecure-bind says otherwise.
Expected<bool> take_keys(const DaemonFlags& f, bool console_enabled, CoordinatorOptions& options) {
  if (f.curve_secret_file.empty() != f.authorized_keys.empty()) {
    return unexpected("--curve-secret-file and --authorized-keys go together");
  }
  if (f.curve_secret_file.empty()) {
    for (const auto* ep : {&f.agents_bind, &f.control_bind}) {
      if (!endpoint_is_local(*ep) && !f.insecure_bind) {
        return unexpected("refusing to bind " + *ep +
                          " without CURVE keys (anyone who reaches it could steer the agents): "
                          "give --curve-secret-file and --authorized-keys, or --insecure-bind");
      }
    }
    return true;
  }
  if (!curve_available()) return unexpected("this libzmq has no CURVE support");
  auto own = load_secret_key_file(f.curve_secret_file);
  auto keys = load_authorized_keys(f.authorized_keys);
  if (!own) return own.failure("--curve-secret-file ");
  if (!keys) return keys.failure("--authorized-keys ");
  options.curve = std::move(*own);
  options.authorized_keys = std::move(*keys);
  // The web console is a control client inside this process: it presents the coordinator's
  // own key, which only someone holding the coordinator's secret could present anyway.
  if (console_enabled) options.authorized_keys.emplace(options.curve->public_z85, "web console");
  return true;
}

// One line on stderr saying how the control plane is guarded.
void say_guard(const DaemonFlags& f, const CoordinatorOptions& options) {
  if (options.curve) {
    std::fprintf(stderr, "stampede coordinator: CURVE on, %zu authorized key(s); public key %s\n",
                 options.authorized_keys.size(), options.curve->public_z85.c_str());
  } else if (f.insecure_bind &&
             !(endpoint_is_local(f.agents_bind) && endpoint_is_local(f.control_bind))) {
    std::fprintf(stderr,
                 "stampede coordinator: WARNING: no CURVE keys on a network address "
                 "(--insecure-bind): anyone who reaches it can steer the agents\n");
  } else {
    std::fprintf(stderr, "stampede coordinator: no CURVE keys: listening on loopback only\n");
  }
}
}  // namespace

void add_daemon_flags(CLI::App& sub, DaemonFlags& f) {
  sub.add_option("--agents-bind", f.agents_bind, "Socket agents join (tcp://IP:PORT)")
      ->capture_default_str();
  sub.add_option("--control-bind", f.control_bind, "Socket the CLI talks to")
      ->capture_default_str();
  sub.add_option("--metrics-bind", f.metrics_bind, "Serve /metrics on IP:PORT ('' to disable)")
      ->capture_default_str();
  sub.add_option("--heartbeat-ms", f.heartbeat_ms)
      ->check(CLI::Range(50u, 60000u))
      ->capture_default_str();
  sub.add_option("--heartbeat-timeout-ms", f.heartbeat_timeout_ms,
                 "Silence after which an agent is missing")
      ->check(CLI::Range(200u, 600000u))
      ->capture_default_str();
  sub.add_option("--curve-secret-file", f.curve_secret_file,
                 "The coordinator's CURVE secret key (from `stampede keygen`)");
  sub.add_option("--authorized-keys", f.authorized_keys,
                 "File of the CURVE public keys (agents, CLI clients) admitted, one a line");
  sub.add_option("--state-dir", f.state_dir,
                 "Folder for the journal of the run in flight: a coordinator restarted with the "
                 "same folder finishes the run (created if missing)");
  sub.add_flag(
      "--insecure-bind", f.insecure_bind,
      "Allow a non-loopback bind without CURVE keys (anyone reaching it steers the agents)");
  ui::add_console_flags(sub, f.ui);
}

CommandResult daemon_command(const DaemonFlags& f) {
  for (const auto* ep : {&f.agents_bind, &f.control_bind}) {
    if (ep->rfind("tcp://", 0) != 0 && ep->rfind("ipc://", 0) != 0) {
      return unexpected("'" + *ep + "' is not tcp://IP:PORT");
    }
  }
  if (f.heartbeat_timeout_ms <= f.heartbeat_ms) {
    return unexpected("--heartbeat-timeout-ms must exceed --heartbeat-ms");
  }
  auto console_options = ui::console_options(f.ui);
  if (!console_options) return console_options.failure();
  CoordinatorOptions options;
  if (auto keys = take_keys(f, console_options->enabled, options); !keys) return keys.failure();
  CoordinatorMetrics metrics;
  std::string metrics_at = "off";
  if (!f.metrics_bind.empty()) {
    if (auto hp = HostPort::parse(f.metrics_bind); !hp) return hp.failure("--metrics-bind: ");
    try {
      metrics_at = metrics.serve(f.metrics_bind);
    } catch (const std::exception& e) {
      return unreachable("cannot serve metrics on " + f.metrics_bind + ": " + e.what());
    }
  }
  zmq::context_t ctx;
  options.agents_bind = f.agents_bind;
  options.control_bind = f.control_bind;
  options.heartbeat_interval = std::chrono::milliseconds(f.heartbeat_ms);
  options.heartbeat_timeout = std::chrono::milliseconds(f.heartbeat_timeout_ms);
  if (!f.state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(f.state_dir, ec);
    if (ec || !std::filesystem::is_directory(f.state_dir)) {
      return unexpected("--state-dir " + f.state_dir + ": " + (ec ? ec.message() : "not a folder"));
    }
    options.state_dir = f.state_dir;
  }
  std::optional<Coordinator> coordinator_slot;
  try {
    // Constructing it binds the ZAP handler when there are keys.
    coordinator_slot.emplace(ctx, options, &metrics);
    coordinator_slot->bind();
  } catch (const zmq::error_t& e) {
    return unreachable(std::string("cannot bind: ") + e.what());
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  Coordinator& coordinator = *coordinator_slot;
  say_guard(f, options);
  std::optional<ui::WebConsole> console;
  if (console_options->enabled) {
    try {
      console.emplace(ctx, *console_options, coordinator.control_endpoint(), options.curve);
    } catch (const std::exception& e) {
      return unreachable("cannot serve the web console on " + f.ui.bind + ": " + e.what());
    }
    std::printf("stampede coordinator web console: %s\n", console->url().c_str());
  }
  std::printf("stampede coordinator listening: agents %s control %s metrics %s\n",
              coordinator.agents_endpoint().c_str(), coordinator.control_endpoint().c_str(),
              metrics_at.c_str());
  std::fflush(stdout);
  coordinator.serve(g_stop);
  return ExitCode::ok;
}

void add_agents_flags(CLI::App& sub, AgentsFlags& f) {
  sub.add_option("--coordinator", f.coordinator, "Coordinator's control socket")
      ->capture_default_str();
}

namespace {

// One request on the control socket and its answer; else nothing, with why_not set when the
// coordinator refused the handshake (at once) rather than staying silent for 5 s.
std::optional<v1::Envelope> ask_coordinator(const std::string& endpoint, v1::Envelope request,
                                            v1::Envelope::BodyCase answer, std::string& why_not) {
  zmq::context_t ctx;
  zmq::socket_t socket(ctx, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  apply_client_security(socket, endpoint);
  HandshakeWatch handshakes(ctx, socket);
  socket.connect(endpoint);
  send_envelope(socket, request);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    poll_interruptible(&item, 1, 100ms);
    auto in = receive_envelope(socket, false);
    if (in.status == RecvStatus::ok && in.envelope.body_case() == answer) return in.envelope;
    if (auto refused = handshakes.poll()) {
      why_not = *refused;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Unexpected not_answering(const std::string& endpoint, const std::string& why_not) {
  if (!why_not.empty()) return unreachable(why_not);
  return unreachable("coordinator " + endpoint + " not answering (5 s)");
}

}  // namespace

CommandResult agents_command(const AgentsFlags& f) {
  v1::Envelope env;
  env.mutable_agents_request();
  std::string why_not;
  auto reply = ask_coordinator(f.coordinator, env, v1::Envelope::kAgentsReply, why_not);
  if (!reply) return not_answering(f.coordinator, why_not);
  std::printf("%-24s %-20s %6s %8s %-8s %s\n", "AGENT", "HOST", "CORES", "THREADS", "STATE",
              "LAST SEEN");
  // Escaped and cut: the names come from the agents, through a coordinator this CLI may not run.
  for (const auto& a : reply->agents_reply().agents()) {
    std::printf("%-24s %-20s %6u %8u %-8s %llums ago\n", printable(a.agent_id(), 72).c_str(),
                printable(a.host(), 72).c_str(), a.cores(), a.threads(),
                printable(a.state(), 16).c_str(),
                static_cast<unsigned long long>(a.last_seen_ms_ago()));
  }
  return ExitCode::ok;
}

CommandResult status_command(const AgentsFlags& f) {
  v1::Envelope env;
  env.mutable_status_request();
  std::string why_not;
  auto reply = ask_coordinator(f.coordinator, env, v1::Envelope::kStatusReply, why_not);
  if (!reply) return not_answering(f.coordinator, why_not);
  const auto& s = reply->status_reply();
  std::printf("agents: %u live, %u known\n", s.agents_live(), s.agents_known());
  if (!s.run_active()) {
    std::printf("run: none\n");
    return ExitCode::ok;
  }
  const auto& p = s.progress();
  std::printf("run: %s, phase %u/%u %s: attempts %llu, ok %llu, fail %llu, info %llu, %.0f req/s\n",
              printable(s.run_id(), 64).c_str(), p.phase(), p.phases(),
              printable(p.endpoint(), 64).c_str(),
              static_cast<unsigned long long>(p.counts().attempts()),
              static_cast<unsigned long long>(p.counts().ok()),
              static_cast<unsigned long long>(p.counts().fail()),
              static_cast<unsigned long long>(p.counts().info()), p.rate_rps());
  return ExitCode::ok;
}

CommandResult abort_command(const AgentsFlags& f) {
  v1::Envelope env;
  env.mutable_abort_request()->set_reason("stampede abort");
  std::string why_not;
  auto reply = ask_coordinator(f.coordinator, env, v1::Envelope::kAbortReply, why_not);
  if (!reply) return not_answering(f.coordinator, why_not);
  if (!reply->abort_reply().aborted()) {
    std::printf("no run to abort\n");
    return ExitCode::ok;
  }
  std::printf("run %s aborted; its CLI gets the report of the phases done and exit 3\n",
              printable(reply->abort_reply().run_id(), 64).c_str());
  return ExitCode::ok;
}

}  // namespace stampede::coordinator
