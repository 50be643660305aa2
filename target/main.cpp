// stampede-target: parse flags, bind, print the start-up line, serve until SIGINT/SIGTERM.
// Exit codes (design.md's): 0 clean stop, 2 bad flag or value, 3 cannot bind or reach the store.
#include <exception>
#include <iostream>

#include "common/expected.hpp"
#include "target/app/options.hpp"
#include "target/app/target_server.hpp"
#include "target/store/store_factory.hpp"

namespace {
using namespace stampede::target;

// From checked options to a server that stopped cleanly, or what kept it from serving.
stampede::CommandResult serve(const TargetOptions& options) {
  auto store = open_store(options.store);
  if (!store) return stampede::unreachable(store.error());
  TargetServer server(options, std::move(*store));
  auto bound = server.open();
  if (!bound) return stampede::unreachable(bound.error());
  if (options.admin_token.empty()) {
    std::cerr << "stampede-target: warning: no admin token (--admin-token-file or "
                 "STAMPEDE_ADMIN_TOKEN); admin routes answer 403\n";
  }
  server.handle_signals();
  std::cout << startup_line(*bound) << std::endl;  // endl: scripts wait for this line
  server.start();
  server.wait();
  return stampede::ExitCode::ok;
}

}  // namespace

int main(int argc, char** argv) {
  ParsedOptions parsed = parse_target_options(argc, argv, std::cout, std::cerr);
  if (!parsed.options) return parsed.exit_code;
  try {
    return stampede::exit_status("stampede-target", serve(*parsed.options));
  } catch (const std::exception& e) {
    // Whatever start-up did not foresee (threads, memory): not the user's flags.
    return stampede::exit_status("stampede-target", stampede::unreachable(e.what()));
  }
}
