// `stampede coordinator --ui-bind IP:PORT`: the live web console, assembled. It is a control-plane
// client like `stampede run` (a DEALER on its own thread) plus an HTTP server on its own thread,
// so the daemon's loop knows nothing of it.
//
//   auto options = ui::console_options(flags.ui);          // exit 2 with options.error()
//   std::optional<ui::WebConsole> console;
//   if (options->enabled) console.emplace(ctx, *options, coordinator.control_endpoint(), keys);
//   std::cout << console->url();
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "common/curve_keys.hpp"
#include "common/expected.hpp"
#include "coordinator/ui/console_api.hpp"
#include "coordinator/ui/console_server.hpp"
#include "coordinator/ui/console_state.hpp"
#include "coordinator/ui/coordinator_link.hpp"
#include "coordinator/ui/stock_watcher.hpp"

namespace stampede::coordinator::ui {

struct ConsoleFlags {
  std::string bind;        // --ui-bind IP:PORT; "": no console
  std::string token_file;  // --ui-token-file: required unless bind is a loopback address
  std::string target;      // --ui-target: the bundled target, the form's default
  std::string admin_url;   // --ui-admin-url and --ui-admin-token-file: stock resets
  std::string admin_token_file;
};

void add_console_flags(CLI::App& sub, ConsoleFlags& flags);

struct WebConsoleOptions {
  bool enabled = false;
  std::string bind;
  std::string token;  // "": none (loopback only)
  LaunchDefaults defaults;
};

// Checks the flags and reads the token: a usage error (exit 2) comes back as the error.
Expected<WebConsoleOptions> console_options(const ConsoleFlags& flags);

// The address the console's DEALER connects to for a bound control endpoint: a wildcard bind
// (tcp://0.0.0.0:P) is reached on loopback.
std::string connectable_endpoint(const std::string& bound);

class WebConsole {
 public:
  // ctx must outlive the console. coordinator_keys: the coordinator's own CURVE pair when it
  // runs with keys; the console then presents it as its client key (daemon_command adds its
  // public half to the authorized keys) and pins it as the server's. Binds at once: throws
  // boost::system::system_error on a busy or bad address (start-up only).
  WebConsole(zmq::context_t& ctx, const WebConsoleOptions& options,
             const std::string& control_endpoint,
             const std::optional<CurveKeyPair>& coordinator_keys);

  std::string url() const { return server_.url(); }

 private:
  // In this order: each part uses those above it, and they stop in reverse.
  ConsoleState state_;
  CoordinatorLink link_;
  StockWatcher stock_;
  ConsoleApi api_;
  ConsoleServer server_;
};

}  // namespace stampede::coordinator::ui
