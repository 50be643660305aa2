// stampede-agent: joins a coordinator and runs the purchase swarms it is given.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "agent/control/agent_loop.hpp"
#include "common/cli_env.hpp"
#include "common/version.hpp"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
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
  app.set_version_flag("--version", stampede::kVersion);
  stampede::bind_env_names(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "stampede-agent: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (options.coordinator.rfind("tcp://", 0) != 0 && options.coordinator.rfind("ipc://", 0) != 0) {
    std::cerr << "stampede-agent: --coordinator must be tcp://HOST:PORT, got '"
              << options.coordinator << "'\n";
    return 2;
  }
  options.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  options.coordinator_timeout = std::chrono::milliseconds(heartbeat_ms * 5);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    zmq::context_t ctx;
    stampede::agent::AgentLoop agent(ctx, options);
    return agent.run(g_stop) ? 0 : 3;
  } catch (const zmq::error_t& e) {
    std::cerr << "stampede-agent: cannot use " << options.coordinator << ": " << e.what() << "\n";
    return 2;
  }
}
