// IoPool: see the header.
#include "common/http_server/io_pool.hpp"

#include <boost/asio/post.hpp>
#include <exception>
#include <iostream>

namespace stampede::http_server {

namespace asio = boost::asio;

IoPool::IoPool(unsigned threads, std::string log_name) : log_name_(std::move(log_name)) {
  const unsigned n = threads == 0 ? 1 : threads;
  for (unsigned i = 0; i < n; ++i) {
    // Hint 1: each loop is run by exactly one thread.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
  work_.resize(n);
}

IoPool::~IoPool() {
  stop();
  join();
}

IoPool::Executor IoPool::next() {
  return contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()]
      ->get_executor();
}

void IoPool::count_failure(const char* what) {
  const uint64_t n = failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  // The first, then one line per thousand: a peer repeating the attack cannot flood the log.
  if (n % 1000 == 1) {
    std::cerr << log_name_ << ": a connection's handler failed (" << what << ", " << n
              << " so far); closed it and carried on" << std::endl;
  }
}

void IoPool::run_loop(asio::io_context& io) {
  // Asio lets a handler's exception out of run() with the handler already destroyed, and run()
  // may be called again: the connection whose handler threw has lost its last reference.
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      count_failure(e.what());
    } catch (...) {
      count_failure("an exception of unknown type");
    }
  }
}

void IoPool::start() {
  std::lock_guard lock(threads_mutex_);
  if (!threads_.empty()) return;
  for (size_t i = 0; i < contexts_.size(); ++i) {
    work_[i].emplace(contexts_[i]->get_executor());
    threads_.emplace_back([this, io = contexts_[i].get()] { run_loop(*io); });
  }
}

void IoPool::release() {
  std::lock_guard lock(threads_mutex_);
  for (auto& guard : work_) guard.reset();
}

void IoPool::stop() {
  for (auto& io : contexts_) io->stop();
}

void IoPool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(threads_mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

}  // namespace stampede::http_server
