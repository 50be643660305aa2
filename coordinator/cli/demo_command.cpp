// Spawns the lab's target as a child process (stopped by its pid on every exit path) and drives
// an embedded run against it: the flash sale, then the reserve-then-confirm sale.
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
  std::string start(const std::string& binary, int64_t stock,
                    const std::vector<std::string>& extra = {}) {
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
    args.insert(args.end(), extra.begin(), extra.end());
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
  const std::string& dir() const { return dir_; }

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

namespace {

// The journey of the second sale: reserve (stock held), then confirm (the purchase).
constexpr const char* kReserveThenConfirm = R"([
  {"name": "reserve", "method": "POST", "path": "/api/v1/reservations/${endpoint}",
   "headers": {"Content-Type": "application/json"},
   "body": "{\"product_id\": 1, \"user_id\": \"${user_id}\", \"quantity\": 1}",
   "capture": {"hold": "reservation_id"}, "takes_stock": true},
  {"name": "confirm", "method": "POST", "path": "/api/v1/reservations/${endpoint}/${hold}/confirm",
   "purchase": true}])";

// "out/r.json" -> "out/r.journeys.json": the second sale's report beside the first's.
std::string journeys_path(const std::string& report) {
  const fs::path p(report);
  return (p.parent_path() / (p.stem().string() + ".journeys" + p.extension().string())).string();
}

// A setting the demo chooses; the user's flags are laid over these.
void set(RunInput& input, const char* name, std::vector<std::string> values) {
  input.run[name] = SettingValues{std::move(values), std::string("the demo's ") + name};
}

// Buyers for the journey sale: fewer than the virtual users, so several act for one buyer at
// once (data_mode cycle) and a racy limit shows.
std::string buyers_csv(uint64_t buyers) {
  std::string csv = "user_id\n";
  for (uint64_t i = 0; i < buyers; ++i) {
    csv.append("buyer-").append(std::to_string(i)).append("\n");
  }
  return csv;
}

// One sale on its own freshly started target: the demo's settings, the user's flags over them,
// and, with users_per_buyer above 0, a data file of buyers that many virtual users act for.
CommandResult lab_sale(RunInput input, const DemoFlags& f, const char* argv0,
                       const std::vector<std::string>& target_flags, uint64_t users_per_buyer = 0) {
  auto checked = resolve(input);  // the flags, before anything starts
  if (!checked) return checked.failure();
  SpawnedTarget target;
  if (auto error =
          target.start(find_target_binary(f.target_bin, argv0), *checked->all.stock, target_flags);
      !error.empty()) {
    return unreachable(error);
  }
  set(input, "target", {"http://" + target.listen()});
  set(input, "admin_url", {"http://" + target.admin()});
  set(input, "admin_token_file", {target.token_file()});
  if (users_per_buyer > 0) {
    const std::string path = target.dir() + "/buyers.csv";
    std::ofstream(path) << buyers_csv(
        std::max<uint64_t>(1, checked->all.users.value_or(users_per_buyer) / users_per_buyer));
    set(input, "data", {path});
    set(input, "data_mode", {"cycle"});
  }
  auto settings = resolve(input);
  if (!settings) return settings.failure();
  return run_command(*settings);
}

}  // namespace

CommandResult demo_command(const DemoFlags& f, const char* argv0) {
  // The lab's runs, with what the user gave over the demo's own load.
  RunInput input;
  set(input, "embedded", {"3"});
  set(input, "agent_threads", {"1"});
  set(input, "endpoint", {"buggy", "unstable", "safe"});
  set(input, "expect_violated", {"buggy"});
  set(input, "stock", {"100"});
  set(input, "users", {"1000"});
  set(input, "requests", {"2000"});
  set(input, "run_id", {"demo"});
  input.overlay(given_flags(f.texts));
  std::cerr << "stampede demo: the flash sale, on a target of its own with three embedded "
               "agents\n";
  const CommandResult sale = lab_sale(input, f, argv0, {});
  if (!sale) return sale;

  // A real shop's sale: each buyer reserves, then confirms, and may buy one unit only; four
  // virtual users act for each buyer.
  set(input, "endpoint", {"buggy", "safe"});
  set(input, "flow", {kReserveThenConfirm});
  set(input, "per_user_limit", {"1"});
  set(input, "run_id", {"demo-journeys"});
  if (auto report = input.run.find("report"); report != input.run.end()) {
    set(input, "report", {journeys_path(report->second.values.at(0))});
  }
  std::cerr << "\nstampede demo: reserve then confirm, one unit a buyer, on a new target\n";
  const CommandResult journeys =
      lab_sale(input, f, argv0, {"--per-user-limit", "1"}, /*users_per_buyer=*/4);
  if (!journeys) return journeys;
  return std::max(*sale, *journeys);
}

}  // namespace stampede::coordinator
