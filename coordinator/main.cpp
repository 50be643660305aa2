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

namespace {
namespace sc = stampede::coordinator;

// A subcommand that talks to a coordinator: where it is, and the client's CURVE keys.
struct ClientCommand {
  CLI::App* app = nullptr;
  sc::ClientSecurityFlags security;
};

// Every subcommand with its flags; CLI11 writes into them as it parses.
struct Commands {
  sc::DaemonFlags daemon_flags;
  sc::RunCommandFlags run_flags;
  sc::AgentsFlags agents_flags, status_flags, abort_flags;  // status and abort share agents'
  sc::CompareFlags compare_flags;
  sc::KeygenFlags keygen_flags;
  sc::DemoFlags demo_flags;
  CLI::App *daemon = nullptr, *compare = nullptr, *keygen = nullptr, *demo = nullptr;
  ClientCommand run, agents, status, abort_run;

  void add_to(CLI::App& app) {
    daemon = app.add_subcommand("coordinator", "Run the coordinator daemon");
    sc::add_daemon_flags(*daemon, daemon_flags);
    run.app = app.add_subcommand("run", "Run a stampede and report the oracle's verdict");
    sc::add_run_command_flags(*run.app, run_flags);
    agents.app = app.add_subcommand("agents", "List the agents connected to a coordinator");
    sc::add_agents_flags(*agents.app, agents_flags);
    status.app = app.add_subcommand("status", "Show the run in progress and the agents' count");
    sc::add_agents_flags(*status.app, status_flags);
    abort_run.app = app.add_subcommand("abort", "Stop the run in progress");
    sc::add_agents_flags(*abort_run.app, abort_flags);
    for (auto* c : {&run, &agents, &status, &abort_run}) {
      sc::add_client_security_flags(*c->app, c->security);
    }
    compare = app.add_subcommand("compare", "Show two runs' reports side by side");
    sc::add_compare_flags(*compare, compare_flags);
    keygen = app.add_subcommand("keygen", "Write a CURVE key pair for the control plane");
    sc::add_keygen_flags(*keygen, keygen_flags);
    demo =
        app.add_subcommand("demo", "Run the flash-sale lab locally: target, coordinator, 3 agents");
    sc::add_demo_flags(*demo, demo_flags);
  }

  // The chosen subcommand's name, for its messages: "stampede run: ...".
  std::string chosen(const CLI::App& app) const {
    const auto subs = app.get_subcommands();
    return subs.empty() ? "stampede" : "stampede " + subs.front()->get_name();
  }

  stampede::CommandResult dispatch(const char* argv0) {
    for (auto* c : {&run, &agents, &status, &abort_run}) {
      if (!*c->app) continue;
      // Keys are loaded before any thread starts (client_security.hpp).
      if (auto problem = sc::install_client_security(c->security)) {
        return stampede::unexpected(*problem);
      }
    }
    if (*daemon) return sc::daemon_command(daemon_flags);
    if (*keygen) return sc::keygen_command(keygen_flags);
    if (*compare) return sc::compare_command(compare_flags);
    if (*run.app) {
      auto settings = sc::run_settings_from(run_flags);
      if (!settings) return settings.failure();
      return sc::run_command(*settings);
    }
    if (*agents.app) return sc::agents_command(agents_flags);
    if (*status.app) return sc::status_command(status_flags);
    if (*abort_run.app) return sc::abort_command(abort_flags);
    if (*demo) return sc::demo_command(demo_flags, argv0);
    return stampede::unexpected("no command given");
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stampede: prove, or disprove, that a checkout never oversells"};
  app.set_version_flag("--version", stampede::kVersion);
  app.require_subcommand(1);
  Commands commands;
  commands.add_to(app);
  stampede::bind_env_names(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "stampede: " << e.what() << " (see --help)\n";
    return 2;
  }
  const std::string who = commands.chosen(app);
  try {
    return stampede::exit_status(who, commands.dispatch(argv[0]));
  } catch (const std::exception& e) {
    // Whatever the commands did not foresee (a socket refused, memory): the world's fault.
    return stampede::exit_status(who, stampede::unreachable(e.what()));
  }
}
