// IoPool: see the header.
#include "target/server/io_pool.hpp"

#include <boost/asio/post.hpp>

namespace stampede::target {

namespace asio = boost::asio;

IoPool::IoPool(unsigned threads) {
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

void IoPool::start() {
  std::lock_guard lock(threads_mutex_);
  if (!threads_.empty()) return;
  for (size_t i = 0; i < contexts_.size(); ++i) {
    work_[i].emplace(contexts_[i]->get_executor());
    threads_.emplace_back([io = contexts_[i].get()] { io->run(); });
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

}  // namespace stampede::target
