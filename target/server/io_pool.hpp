// The target's I/O threads: one io_context per thread, each connection bound to one of them for
// its whole life, so a connection's handlers never run concurrently and need no strand (a strand
// costs a shared_ptr copy and a queue hop on every handler, a tenth of the checkout path).
//
//   IoPool pool(threads);
//   socket = tcp::socket(pool.next());   // round robin over the loops
//   pool.start(); ... pool.release(); pool.join();
//
// Thread-safe: next(), release() and stop() may be called from any thread; start() and join()
// from the owning thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace stampede::target {

class IoPool {
 public:
  using Executor = boost::asio::io_context::executor_type;

  explicit IoPool(unsigned threads);
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

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::optional<boost::asio::executor_work_guard<Executor>>> work_;
  std::atomic<size_t> next_{0};
  std::mutex threads_mutex_;  // guards threads_ and work_
  std::vector<std::thread> threads_;
};

}  // namespace stampede::target
