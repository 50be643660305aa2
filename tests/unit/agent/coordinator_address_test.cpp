// CoordinatorAddress: a name becomes an address off the caller's thread; an address or another
// transport passes through once; a name that does not resolve gives nothing.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "agent/control/coordinator_address.hpp"

using stampede::agent::CoordinatorAddress;
using namespace std::chrono_literals;

namespace {
// take() until a lookup has answered, or 10 s.
std::optional<CoordinatorAddress::Found> wait_take(CoordinatorAddress& a) {
  for (const auto end = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(5ms)) {
    if (auto found = a.take()) return found;
  }
  return std::nullopt;
}
}  // namespace

TEST_CASE("a name is looked up to its address", "[agent][address]") {
  CoordinatorAddress a("tcp://localhost:5555");
  CHECK_FALSE(a.take());  // nothing until a lookup was asked for
  a.look_up();
  auto found = wait_take(a);
  REQUIRE(found);
  CHECK((found->endpoint == "tcp://127.0.0.1:5555" || found->endpoint == "tcp://[::1]:5555"));
  CHECK_FALSE(a.take());  // each answer is taken once
}

TEST_CASE("an address or another transport passes through as given, once", "[agent][address]") {
  for (const char* given : {"tcp://127.0.0.1:5555", "ipc:///tmp/stampede.sock"}) {
    CoordinatorAddress a(given);
    a.look_up();
    auto found = a.take();
    REQUIRE(found);
    CHECK(found->endpoint == given);
    CHECK_FALSE(a.take());
  }
}

TEST_CASE("a name that does not resolve gives nothing", "[agent][address]") {
  // .invalid never resolves (RFC 6761), and with no hosts entry the resolver answers at once.
  CoordinatorAddress a("tcp://nobody.invalid:5555");
  a.look_up();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (a.looking_up() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(5ms);
  REQUIRE_FALSE(a.looking_up());
  CHECK_FALSE(a.take());
}
