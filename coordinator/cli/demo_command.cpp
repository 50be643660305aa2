// Spawns the lab's target as a child process (stopped by its pid on every exit path) and drives
// an embedded run against it.
#include "coordinator/cli/demo_command.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "coordinator/cli/run_command.hpp"

extern char** environ;

namespace stampede::coordinator {
namespace fs = std::filesystem;

namespace {

std::string find_target_binary(const std::string& given, const char* argv0) {
  if (!given.empty()) return given;
  std::error_code ec;
  const fs::path self = fs::canonical("/proc/self/exe", ec);
  const fs::path here = ec ? fs::path(argv0).parent_path() : self.parent_path();
  for (const auto& p : {here / "stampede-target", here / ".." / "target" / "stampede-target"}) {
    if (fs::exists(p, ec)) return p.string();
  }
  return "stampede-target";  // posix_spawnp searches PATH
}

// Owns the spawned target: kills it (by pid) and removes the temp folder when it goes.
class SpawnedTarget {
 public:
  ~SpawnedTarget() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // Starts it on loopback port 0 and reads the ports it prints. Empty string on success.
  std::string start(const std::string& binary, int64_t stock) {
    char tmpl[] = "/tmp/stampede-demo.XXXXXX";
    if (!mkdtemp(tmpl)) return "cannot create a temporary folder";
    dir_ = tmpl;
    token_file_ = dir_ + "/admin-token";
    std::random_device rd;
    std::ostringstream token;
    for (int i = 0; i < 4; ++i) token << std::hex << rd();
    std::ofstream(token_file_) << token.str() << "\n";
    fs::permissions(token_file_, fs::perms::owner_read | fs::perms::owner_write);

    int out[2];
    if (pipe(out) != 0) return "cannot create a pipe";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string stock_text = std::to_string(stock);
    std::vector<std::string> args{binary,           "--listen",    "127.0.0.1:0",
                                  "--admin-listen", "127.0.0.1:0", "--admin-token-file",
                                  token_file_,      "--stock",     stock_text};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      pid_ = -1;
      return "cannot start " + binary + ": " + std::strerror(rc) + " (give --target-bin)";
    }
    // The first line names the ports; a target that dies or says nothing ends the pipe.
    FILE* f = fdopen(out[0], "r");
    char line[512] = {};
    const bool got = fgets(line, sizeof line, f) != nullptr;
    fclose(f);
    char listen[128] = {}, admin[128] = {};
    if (!got ||
        std::sscanf(line, "stampede-target listening on %127s admin %127s", listen, admin) != 2) {
      return binary + " did not report its ports";
    }
    listen_ = listen;
    admin_ = admin;
    return "";
  }

  const std::string& listen() const { return listen_; }
  const std::string& admin() const { return admin_; }
  const std::string& token_file() const { return token_file_; }

 private:
  pid_t pid_ = -1;
  std::string dir_, token_file_, listen_, admin_;
};

}  // namespace

void add_demo_flags(CLI::App& sub, DemoFlags& f) {
  sub.add_option("--target-bin", f.target_bin,
                 "stampede-target to start (default: found beside stampede)");
  add_run_flags(sub, f.texts, {"users", "requests", "stock", "report"});
}

CommandResult demo_command(const DemoFlags& f, const char* argv0) {
  // The lab's run, with what the user gave over the demo's own load.
  RunInput input;
  auto set = [&](const char* name, std::vector<std::string> values) {
    input.run[name] = SettingValues{std::move(values), std::string("the demo's ") + name};
  };
  set("embedded", {"3"});
  set("agent_threads", {"1"});
  set("endpoint", {"buggy", "unstable", "safe"});
  set("expect_violated", {"buggy"});
  set("stock", {"100"});
  set("users", {"1000"});
  set("requests", {"2000"});
  set("run_id", {"demo"});
  input.overlay(given_flags(f.texts));
  auto checked = resolve(input);  // the flags, before anything starts
  if (!checked) return checked.failure();
  SpawnedTarget target;
  if (auto error = target.start(find_target_binary(f.target_bin, argv0), *checked->all.stock);
      !error.empty()) {
    return unreachable(error);
  }
  std::cerr << "stampede demo: target http://" << target.listen() << ", three embedded agents\n";
  set("target", {"http://" + target.listen()});
  set("admin_url", {"http://" + target.admin()});
  set("admin_token_file", {target.token_file()});
  auto settings = resolve(input);
  if (!settings) return settings.failure();
  return run_command(*settings);
}

}  // namespace stampede::coordinator
