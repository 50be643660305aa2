// Test support: a real redis-server and a real PostgreSQL 15 on loopback ports chosen at run
// time, each in a fresh temporary folder, started once per test process and stopped (by pid,
// folder removed) when the process exits, even after failed tests.
//
//   RedisServer& redis = shared_redis();        // FAILs the test if redis-server is missing
//   PostgresServer& pg = shared_postgres();     // initdb + postgres, as `postgres` when root
//   open_store(redis_settings(redis.port(), RedisStrategy::lua));
//
// Children get PR_SET_PDEATHSIG, so a test process that crashes does not leave servers behind.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace stampede::target::testing {

inline constexpr const char* kPostgresBin = "/usr/lib/postgresql/15/bin";

// A port the kernel just handed out and we released; good enough on a test machine.
inline uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline std::string find_binary(const std::string& name, const std::string& fallback_dir) {
  const std::string fallback = fallback_dir + "/" + name;
  if (::access(fallback.c_str(), X_OK) == 0) return fallback;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return {};
}

// Forks and execs argv with output to log; as `as_user` when given (and we are root).
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log,
                   const passwd* as_user) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const pid_t pid = ::fork();
  if (pid != 0) {
    ::close(out);
    return pid;
  }
  // Child: only async-signal-safe calls from here to exec.
  if (as_user != nullptr) {
    if (::setgid(as_user->pw_gid) != 0 || ::setuid(as_user->pw_uid) != 0) ::_exit(126);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setuid, which clears it
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::execv(args[0], args.data());
  ::_exit(127);
}

inline void stop(pid_t& pid, int signal) {
  if (pid <= 0) return;
  ::kill(pid, signal);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  pid = -1;
}

inline std::string make_scratch_dir(const char* tag) {
  std::string pattern = (std::filesystem::temp_directory_path() / tag).string() + "-XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

class RedisServer {
 public:
  RedisServer() : dir_(make_scratch_dir("stampede-redis")), port_(free_port()) {}
  ~RedisServer() {
    halt();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    halt();
    const std::string binary = find_binary("redis-server", "/usr/bin");
    if (binary.empty()) FAIL("redis-server not found: install redis-server (scripts/test does)");
    pid_ = spawn({binary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "no", "--dir", dir_},
                 dir_ + "/redis.log", nullptr);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      redisContext* c = redisConnect("127.0.0.1", port_);
      const bool up = c != nullptr && c->err == 0;
      if (c != nullptr) redisFree(c);
      if (up) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("redis-server did not accept connections within 10 s; see " << dir_ << "/redis.log");
  }
  void halt() { stop(pid_, SIGTERM); }
  // SIGSTOP / SIGCONT: a Redis that stalls without closing anything.
  void pause() { send_signal(SIGSTOP); }
  void resume() { send_signal(SIGCONT); }
  uint16_t port() const { return port_; }

 private:
  void send_signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

class PostgresServer {
 public:
  PostgresServer() : dir_(make_scratch_dir("stampede-pg")), port_(free_port()) {}
  ~PostgresServer() {
    stop(pid_, SIGINT);  // fast shutdown
    std::filesystem::remove_all(dir_);
  }

  void start() {
    stop(pid_, SIGINT);
    std::filesystem::remove_all(dir_ + "/data");
    const std::string initdb = find_binary("initdb", kPostgresBin);
    const std::string postgres = find_binary("postgres", kPostgresBin);
    if (initdb.empty() || postgres.empty()) {
      FAIL("PostgreSQL 15 not found in " << kPostgresBin
                                         << ": install postgresql (scripts/test "
                                            "does)");
    }
    // PostgreSQL refuses to run as root: hand the folder to `postgres` and run as it.
    const passwd* user = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
    if (::geteuid() == 0 && user == nullptr) FAIL("running as root but no `postgres` user");
    if (user != nullptr) REQUIRE(::chown(dir_.c_str(), user->pw_uid, user->pw_gid) == 0);
    const std::string data = dir_ + "/data";
    const std::string log = dir_ + "/postgres.log";
    pid_t init = spawn(
        {initdb, "-D", data, "-U", "stampede", "--auth=trust", "-N", "-E", "UTF8", "--locale=C"},
        log, user);
    int status = 0;
    ::waitpid(init, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) FAIL("initdb failed; see " << log);
    pid_ = spawn({postgres, "-D", data, "-p", std::to_string(port_), "-k", dir_, "-c",
                  "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=200"},
                 log, user);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(url().c_str()) == PQPING_OK) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("postgres did not accept connections within 30 s; see " << log);
  }
  std::string url() const {
    return "postgresql://stampede@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

 private:
  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

// One of each per test process: started on first use, stopped when the process exits.
inline RedisServer& shared_redis() {
  static RedisServer server;
  static const bool started = (server.start(), true);  // a failed start is retried next time
  (void)started;
  return server;
}

inline PostgresServer& shared_postgres() {
  static PostgresServer server;
  static const bool started = (server.start(), true);
  (void)started;
  return server;
}

}  // namespace stampede::target::testing
