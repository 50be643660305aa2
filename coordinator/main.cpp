// stampede: the coordinator daemon and the CLI that talks to it.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/cli_env.hpp"
#include "common/version.hpp"
#include "coordinator/cli/client_security.hpp"
#include "coordinator/cli/compare_command.hpp"
#include "coordinator/cli/daemon_command.hpp"
#include "coordinator/cli/demo_command.hpp"
#include "coordinator/cli/keygen_command.hpp"
#include "coordinator/cli/run_command.hpp"

int main(int argc, char** argv) {
  namespace sc = stampede::coordinator;
  CLI::App app{"stampede: prove, or disprove, that a checkout never oversells"};
  app.set_version_flag("--version", stampede::kVersion);
  app.require_subcommand(1);

  sc::DaemonFlags daemon_flags;
  auto* daemon = app.add_subcommand("coordinator", "Run the coordinator daemon");
  sc::add_daemon_flags(*daemon, daemon_flags);

  sc::RunCommandFlags run_flags;
  auto* run = app.add_subcommand("run", "Run a stampede and report the oracle's verdict");
  sc::add_run_command_flags(*run, run_flags);
  sc::ClientSecurityFlags run_security;
  sc::add_client_security_flags(*run, run_security);

  sc::AgentsFlags agents_flags;
  auto* agents = app.add_subcommand("agents", "List the agents connected to a coordinator");
  sc::add_agents_flags(*agents, agents_flags);
  sc::ClientSecurityFlags agents_security;
  sc::add_client_security_flags(*agents, agents_security);

  // status and abort share agents' flags: where the coordinator is, and the client's keys.
  sc::AgentsFlags status_flags, abort_flags;
  sc::ClientSecurityFlags status_security, abort_security;
  auto* status = app.add_subcommand("status", "Show the run in progress and the agents' count");
  sc::add_agents_flags(*status, status_flags);
  sc::add_client_security_flags(*status, status_security);
  auto* abort_run = app.add_subcommand("abort", "Stop the run in progress");
  sc::add_agents_flags(*abort_run, abort_flags);
  sc::add_client_security_flags(*abort_run, abort_security);

  sc::CompareFlags compare_flags;
  auto* compare = app.add_subcommand("compare", "Show two runs' reports side by side");
  sc::add_compare_flags(*compare, compare_flags);

  sc::KeygenFlags keygen_flags;
  auto* keygen = app.add_subcommand("keygen", "Write a CURVE key pair for the control plane");
  sc::add_keygen_flags(*keygen, keygen_flags);

  sc::DemoFlags demo_flags;
  auto* demo =
      app.add_subcommand("demo", "Run the flash-sale lab locally: target, coordinator, 3 agents");
  sc::add_demo_flags(*demo, demo_flags);

  stampede::bind_env_names(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "stampede: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (*run || *agents || *status || *abort_run) {
    // Keys are loaded before any thread starts (client_security.hpp).
    if (auto problem = sc::install_client_security(*run      ? run_security
                                                   : *agents ? agents_security
                                                   : *status ? status_security
                                                             : abort_security)) {
      std::cerr << "stampede: " << *problem << "\n";
      return 2;
    }
  }
  try {
    if (*daemon) return sc::daemon_command(daemon_flags);
    if (*keygen) return sc::keygen_command(keygen_flags);
    if (*compare) return sc::compare_command(compare_flags);
    if (*run) {
      auto settings = sc::run_settings_from(run_flags);
      if (!settings) {
        std::cerr << "stampede run: " << settings.error() << "\n";
        return 2;
      }
      return sc::run_command(*settings);
    }
    if (*agents) return sc::agents_command(agents_flags);
    if (*status) return sc::status_command(status_flags);
    if (*abort_run) return sc::abort_command(abort_flags);
    if (*demo) return sc::demo_command(demo_flags, argv[0]);
  } catch (const std::exception& e) {
    std::cerr << "stampede: " << e.what() << "\n";
    return 3;
  }
  return 2;
}
