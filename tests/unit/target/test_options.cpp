// stampede-target's flags: defaults, environment variables and the exit code for mistakes.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "target/app/options.hpp"

using namespace stampede::target;

namespace {

ParsedOptions parse(std::vector<const char*> args, std::string* error = nullptr) {
  args.insert(args.begin(), "stampede-target");
  std::ostringstream out, err;
  ParsedOptions p = parse_target_options(static_cast<int>(args.size()), args.data(), out, err);
  if (error) *error = err.str();
  return p;
}

}  // namespace

TEST_CASE("target flags have the documented defaults", "[target]") {
  ParsedOptions p = parse({});
  REQUIRE(p.options.has_value());
  CHECK(p.options->listen.host == "127.0.0.1");
  CHECK(p.options->listen.port == 8080);
  CHECK(p.options->admin_listen.port == 8081);
  CHECK(p.options->strategy == MemoryStrategy::atomic_cas);
  CHECK(p.options->stock == 100);
  CHECK(p.options->race_window == std::chrono::milliseconds(2));
  CHECK(p.options->fault_rate == 0.05);
  CHECK(p.options->threads >= 1);
}

TEST_CASE("bad target flags and values exit 2 with one line", "[target]") {
  for (std::vector<const char*> args :
       std::vector<std::vector<const char*>>{{"--store", "redis://localhost:6379"},
                                             {"--store", "postgresql://db/x"},
                                             {"--store", "sqlite"},
                                             {"--strategy", "redis-lua"},
                                             {"--listen", "localhost:80"},
                                             {"--listen", "127.0.0.1"},
                                             {"--stock", "-1"},
                                             {"--fault-rate", "1.5"},
                                             {"--race-window-ms", "x"},
                                             {"--admin-token-file", "/nonexistent/token"},
                                             {"--bogus"}}) {
    std::string error;
    ParsedOptions p = parse(args, &error);
    INFO(args.front());
    CHECK_FALSE(p.options.has_value());
    CHECK(p.exit_code == 2);
    CHECK(std::count(error.begin(), error.end(), '\n') == 1);
  }
  std::string error;
  parse({"--store", "redis://localhost:6379"}, &error);
  CHECK(error.find("not supported yet") != std::string::npos);
}

TEST_CASE("target flags read STAMPEDE_<FLAG> and the admin token from STAMPEDE_ADMIN_TOKEN",
          "[target]") {
  ::setenv("STAMPEDE_STOCK", "42", 1);
  ::setenv("STAMPEDE_STRATEGY", "memory-mutex", 1);
  ::setenv("STAMPEDE_ADMIN_TOKEN", "tok", 1);
  ParsedOptions p = parse({"--listen", "0.0.0.0:0"});
  ::unsetenv("STAMPEDE_STOCK");
  ::unsetenv("STAMPEDE_STRATEGY");
  ::unsetenv("STAMPEDE_ADMIN_TOKEN");
  REQUIRE(p.options.has_value());
  CHECK(p.options->stock == 42);
  CHECK(p.options->strategy == MemoryStrategy::mutex);
  CHECK(p.options->admin_token == "tok");
  CHECK(p.options->listen.port == 0);
}
