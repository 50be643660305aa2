// stampede-agent: joins a coordinator and runs the purchase swarms it is given.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "agent/control/agent_flags.hpp"
#include "agent/control/agent_loop.hpp"
#include "common/cli_env.hpp"
#include "common/descriptor_budget.hpp"
#include "common/expected.hpp"
#include "common/printable.hpp"
#include "common/version.hpp"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

// The flags that need checking together before the options are whole.
struct RawFlags {
  std::vector<std::string> allow_targets;
  std::string max_duration, curve_secret_file;
  uint64_t max_connections = 0;
  unsigned heartbeat_ms = 1000;
};

// The options checked and completed, then the agent run until it is stopped.
stampede::CommandResult run_agent(stampede::agent::AgentOptions& options, const RawFlags& raw) {
  using stampede::unexpected;
  if (options.coordinator.rfind("tcp://", 0) != 0 && options.coordinator.rfind("ipc://", 0) != 0) {
    return unexpected("--coordinator must be tcp://HOST:PORT, got '" + options.coordinator + "'");
  }
  if (!options.name.empty() && !stampede::is_printable_name(options.name, 64)) {
    return unexpected("--name must be 1 to 64 printable characters without spaces");
  }
  if (auto problem = stampede::agent::apply_security_flags(
          options, raw.allow_targets, raw.max_duration, raw.curve_secret_file)) {
    return unexpected(*problem);
  }
  // Every user is a socket: the agent holds no more than its descriptors allow.
  const stampede::DescriptorBudget budget = stampede::raise_descriptor_limit();
  if (raw.max_connections > budget.connections) {
    return unexpected("--max-connections " + std::to_string(raw.max_connections) + ": " +
                      budget.explain(raw.max_connections));
  }
  options.limits.max_connections = raw.max_connections ? raw.max_connections : budget.connections;
  if (!raw.max_connections) options.limits.descriptor_limit = budget.limit;
  options.heartbeat_interval = std::chrono::milliseconds(raw.heartbeat_ms);
  options.coordinator_timeout = std::chrono::milliseconds(raw.heartbeat_ms * 5);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  zmq::context_t ctx;
  stampede::agent::AgentLoop agent(ctx, options);
  if (!agent.run(g_stop))
    return stampede::unreachable("the coordinator refused this agent for good (said above)");
  return stampede::ExitCode::ok;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stampede-agent: a load agent that joins a coordinator and runs its jobs"};
  stampede::agent::AgentOptions options;
  unsigned heartbeat_ms = 1000;
  app.add_option("--coordinator", options.coordinator,
                 "Coordinator's agents socket, tcp://HOST:PORT")
      ->capture_default_str();
  app.add_option("--name", options.name, "Agent name (default: hostname-pid)");
  app.add_option("--threads", options.threads, "Load threads (default: cores)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--heartbeat-ms", heartbeat_ms, "Heartbeat interval")
      ->check(CLI::Range(50u, 60000u))
      ->capture_default_str();
  std::vector<std::string> allow_targets;
  std::string max_duration;
  std::string curve_secret_file;
  app.add_option("--allow-target", allow_targets,
                 "Targets this agent may load: CIDR, address or host name, optionally :PORT "
                 "(repeatable or comma-separated; default 127.0.0.0/8 and ::1 only)")
      ->delimiter(',');
  app.add_option("--max-rate", options.limits.max_rate_per_s,
                 "Refuse jobs over this many requests per second (open loop only; 0: no cap)")
      ->check(CLI::NonNegativeNumber);
  uint64_t max_connections = 0;
  app.add_option("--max-connections", max_connections,
                 "Refuse jobs with more users (connections) than this (default: what ulimit -n "
                 "leaves after the agent's own descriptors)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  app.add_option("--max-duration", max_duration,
                 "Refuse longer jobs and stop any job after this long (90s, 10m)");
  app.add_option("--curve-secret-file", curve_secret_file,
                 "This agent's CURVE secret key (from `stampede keygen`)");
  app.add_option("--coordinator-public-key", options.coordinator_public_key,
                 "The coordinator's CURVE public key (Z85), pinned");
  app.set_version_flag("--version", stampede::kVersion);
  stampede::bind_env_names(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "stampede-agent: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    return stampede::exit_status("stampede-agent",
                                 run_agent(options, {allow_targets, max_duration, curve_secret_file,
                                                     max_connections, heartbeat_ms}));
  } catch (const zmq::error_t& e) {
    return stampede::exit_status(
        "stampede-agent",
        stampede::unexpected("cannot use " + options.coordinator + ": " + e.what()));
  }
}
