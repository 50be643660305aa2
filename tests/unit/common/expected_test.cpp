// Expected and CommandResult: a failure keeps its exit code from where it happened to main().
#include <catch2/catch.hpp>
#include <iostream>
#include <sstream>

#include "common/expected.hpp"

namespace {
using namespace stampede;

Expected<int> parse_port(const std::string& text) {
  if (text == "80") return 80;
  return unexpected("'" + text + "' is not a port");
}

Expected<int> call_peer(bool answers) {
  if (answers) return 1;
  return unreachable("peer not answering (5 s)");
}

// A command that adds its context to each failure and passes the code on unchanged.
CommandResult command(const std::string& port, bool answers) {
  auto p = parse_port(port);
  if (!p) return p.failure("--port: ");
  auto reply = call_peer(answers);
  if (!reply) return reply.failure();
  return ExitCode::ok;
}

// exit_status's stderr line and exit code.
std::pair<std::string, int> at_main(const CommandResult& result) {
  std::ostringstream said;
  auto* old = std::cerr.rdbuf(said.rdbuf());
  const int code = exit_status("stampede run", result);
  std::cerr.rdbuf(old);
  return {said.str(), code};
}
}  // namespace

TEST_CASE("a usage error reaches main as exit 2 with its context", "[expected]") {
  auto [said, code] = at_main(command("eighty", true));
  CHECK(code == 2);
  CHECK(said == "stampede run: --port: 'eighty' is not a port\n");
}

TEST_CASE("a peer that does not answer reaches main as exit 3", "[expected]") {
  auto [said, code] = at_main(command("80", false));
  CHECK(code == 3);
  CHECK(said == "stampede run: peer not answering (5 s)\n");
}

TEST_CASE("a verdict is an exit code with nothing said", "[expected]") {
  CHECK(at_main(command("80", true)) == std::pair<std::string, int>{"", 0});
  CHECK(at_main(CommandResult(ExitCode::unmet)) == std::pair<std::string, int>{"", 1});
  // A failure whose reason was already shown (the FAILED lines) keeps its code, says nothing.
  CHECK(at_main(Unexpected{"", ExitCode::unmet}) == std::pair<std::string, int>{"", 1});
}
