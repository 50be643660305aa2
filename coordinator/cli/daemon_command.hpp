// `stampede coordinator` (the daemon) and `stampede agents` (list who is connected).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/expected.hpp"
#include "coordinator/ui/web_console.hpp"

namespace stampede::coordinator {

struct DaemonFlags {
  std::string agents_bind = "tcp://127.0.0.1:5555";
  std::string control_bind = "tcp://127.0.0.1:5556";
  std::string metrics_bind = "127.0.0.1:9464";
  unsigned heartbeat_ms = 1000;
  unsigned heartbeat_timeout_ms = 5000;
  std::string curve_secret_file;  // with authorized_keys: CURVE on both sockets
  std::string authorized_keys;
  bool insecure_bind = false;  // allow a non-loopback bind without keys
  std::string state_dir;       // journal of the run in flight ("": none)
  ui::ConsoleFlags ui;         // --ui-bind and its settings: the live web console
};

void add_daemon_flags(CLI::App& sub, DaemonFlags& flags);
CommandResult daemon_command(const DaemonFlags& flags);

struct AgentsFlags {
  std::string coordinator = "tcp://127.0.0.1:5556";
};
void add_agents_flags(CLI::App& sub, AgentsFlags& flags);
CommandResult agents_command(const AgentsFlags& flags);
// `stampede status`: the run in progress, if any, and how many agents are live.
CommandResult status_command(const AgentsFlags& flags);
// `stampede abort`: stops the run in progress; its CLI gets exit 3 and the phases done.
CommandResult abort_command(const AgentsFlags& flags);

}  // namespace stampede::coordinator
