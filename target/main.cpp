// stampede-target: parse flags, bind, print the start-up line, serve until SIGINT/SIGTERM.
// Exit codes: 0 clean stop, 2 bad flag or value, 3 cannot bind or reach the store, 1 anything
// else at start-up.
#include <exception>
#include <iostream>

#include "target/app/options.hpp"
#include "target/app/target_server.hpp"
#include "target/store/store_factory.hpp"

int main(int argc, char** argv) {
  using namespace stampede::target;
  ParsedOptions parsed = parse_target_options(argc, argv, std::cout, std::cerr);
  if (!parsed.options) return parsed.exit_code;
  try {
    auto store = open_store(parsed.options->store);
    if (!store) {
      std::cerr << "stampede-target: " << store.error() << "\n";
      return 3;
    }
    TargetServer server(*parsed.options, std::move(*store));
    auto bound = server.open();
    if (!bound) {
      std::cerr << "stampede-target: " << bound.error() << "\n";
      return 3;
    }
    if (parsed.options->admin_token.empty()) {
      std::cerr << "stampede-target: warning: no admin token (--admin-token-file or "
                   "STAMPEDE_ADMIN_TOKEN); admin routes answer 403\n";
    }
    server.handle_signals();
    std::cout << startup_line(*bound) << std::endl;  // endl: scripts wait for this line
    server.start();
    server.wait();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "stampede-target: " << e.what() << "\n";
    return 1;
  }
}
