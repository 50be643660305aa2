// The daemon's start-up (binds, metrics, signals) and the agents listing.
#include "coordinator/cli/daemon_command.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/framing.hpp"
#include "common/url.hpp"
#include "coordinator/daemon/coordinator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
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
}

int daemon_command(const DaemonFlags& f) {
  for (const auto* ep : {&f.agents_bind, &f.control_bind}) {
    if (ep->rfind("tcp://", 0) != 0 && ep->rfind("ipc://", 0) != 0) {
      std::cerr << "stampede coordinator: '" << *ep << "' is not tcp://IP:PORT\n";
      return 2;
    }
  }
  if (f.heartbeat_timeout_ms <= f.heartbeat_ms) {
    std::cerr << "stampede coordinator: --heartbeat-timeout-ms must exceed --heartbeat-ms\n";
    return 2;
  }
  CoordinatorMetrics metrics;
  std::string metrics_at = "off";
  if (!f.metrics_bind.empty()) {
    if (auto hp = HostPort::parse(f.metrics_bind); !hp) {
      std::cerr << "stampede coordinator: --metrics-bind: " << hp.error() << "\n";
      return 2;
    }
    try {
      metrics_at = metrics.serve(f.metrics_bind);
    } catch (const std::exception& e) {
      std::cerr << "stampede coordinator: cannot serve metrics on " << f.metrics_bind << ": "
                << e.what() << "\n";
      return 3;
    }
  }
  zmq::context_t ctx;
  CoordinatorOptions options;
  options.agents_bind = f.agents_bind;
  options.control_bind = f.control_bind;
  options.heartbeat_interval = std::chrono::milliseconds(f.heartbeat_ms);
  options.heartbeat_timeout = std::chrono::milliseconds(f.heartbeat_timeout_ms);
  Coordinator coordinator(ctx, options, &metrics);
  try {
    coordinator.bind();
  } catch (const zmq::error_t& e) {
    std::cerr << "stampede coordinator: cannot bind: " << e.what() << "\n";
    return 3;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("stampede coordinator listening: agents %s control %s metrics %s\n",
              coordinator.agents_endpoint().c_str(), coordinator.control_endpoint().c_str(),
              metrics_at.c_str());
  std::fflush(stdout);
  coordinator.serve(g_stop);
  return 0;
}

void add_agents_flags(CLI::App& sub, AgentsFlags& f) {
  sub.add_option("--coordinator", f.coordinator, "Coordinator's control socket")
      ->capture_default_str();
}

int agents_command(const AgentsFlags& f) {
  zmq::context_t ctx;
  zmq::socket_t socket(ctx, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  socket.connect(f.coordinator);
  v1::Envelope env;
  env.mutable_agents_request();
  send_envelope(socket, env);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 100ms);
    auto in = receive_envelope(socket, false);
    if (in.status != RecvStatus::ok || !in.envelope.has_agents_reply()) continue;
    std::printf("%-24s %-20s %6s %8s %-8s %s\n", "AGENT", "HOST", "CORES", "THREADS", "STATE",
                "LAST SEEN");
    for (const auto& a : in.envelope.agents_reply().agents()) {
      std::printf("%-24s %-20s %6u %8u %-8s %llums ago\n", a.agent_id().c_str(), a.host().c_str(),
                  a.cores(), a.threads(), a.state().c_str(),
                  static_cast<unsigned long long>(a.last_seen_ms_ago()));
    }
    return 0;
  }
  std::cerr << "stampede agents: coordinator " << f.coordinator << " not answering (5 s)\n";
  return 3;
}

}  // namespace stampede::coordinator
