// A server's I/O threads: one io_context per thread, each connection bound to one of them for
// its whole life, so a connection's handlers never run concurrently and need no strand (a strand
// costs a shared_ptr copy and a queue hop on every handler, a tenth of the target's checkout).
//
//   IoPool pool(threads, "stampede-target");
//   socket = tcp::socket(pool.next());   // round robin over the loops
//   pool.start(); ... pool.release(); pool.join();
//
// An exception that escapes a handler (a library that throws where it should fail, a bug) ends
// only that handler: the connection it belonged to is released and closed, the failure is
// counted and logged, and the loop runs on. No peer can end the process by what it sends.
//
// Thread-safe: next(), release(), stop() and handler_failures() may be called from any thread;
// start() and join() from the owning thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stampede::http_server {

class IoPool {
 public:
  using Executor = boost::asio::io_context::executor_type;

  // log_name prefixes the line logged when a handler throws ("stampede-target: ...").
  IoPool(unsigned threads, std::string log_name);
  ~IoPool();  // stops and joins
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // The loop that owns the listeners, signals and shutdown timers.
  boost::asio::io_context& main() { return *contexts_.front(); }
  // The loop for the next new connection.
  Executor next();

  // Runs every loop on its own thread. Each keeps running while idle (a request may be waiting
  // on a network store with no asio operation pending) until release() or stop().
  void start();
  // Lets each loop return once it has no work left.
  void release();
  // Returns from every loop now, abandoning what is queued.
  void stop();
  void join();

  // Handlers that threw instead of returning, since start.
  uint64_t handler_failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void run_loop(boost::asio::io_context& io);
  void count_failure(const char* what);

  const std::string log_name_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::optional<boost::asio::executor_work_guard<Executor>>> work_;
  std::atomic<size_t> next_{0};
  std::atomic<uint64_t> failures_{0};
  std::mutex threads_mutex_;  // guards threads_ and work_
  std::vector<std::thread> threads_;
};

}  // namespace stampede::http_server
