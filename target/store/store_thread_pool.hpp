// A few threads, each owning one blocking connection to a network store (Redis, PostgreSQL), fed
// by one bounded queue, so store calls never block the threads that serve HTTP.
//
//   StoreThreadPool<RedisConnection> pool(std::move(connections), 4096);
//   if (!pool.submit([done](RedisConnection& c) { done(run(c)); })) done(store_error);
//
// Thread-safe. A job runs on one of the pool's threads with that thread's connection, which no
// other thread touches, so connections need no locking. Jobs still queued when the pool is
// destroyed are dropped unrun: that only happens after the server has drained its requests.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace stampede::target {

template <class Connection>
class StoreThreadPool {
 public:
  using Job = std::function<void(Connection&)>;

  StoreThreadPool(std::vector<std::unique_ptr<Connection>> connections, size_t queue_capacity)
      : connections_(std::move(connections)), capacity_(queue_capacity) {
    threads_.reserve(connections_.size());
    for (auto& connection : connections_) {
      threads_.emplace_back([this, c = connection.get()] { run(*c); });
    }
  }

  ~StoreThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  StoreThreadPool(const StoreThreadPool&) = delete;
  StoreThreadPool& operator=(const StoreThreadPool&) = delete;

  // False when the queue is full or the pool is stopping: the caller answers store_error at once
  // rather than queueing without bound behind a slow or dead store.
  bool submit(Job job) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || jobs_.size() >= capacity_) return false;
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
  }

 private:
  void run(Connection& connection) {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job(connection);
    }
  }

  std::vector<std::unique_ptr<Connection>> connections_;
  const size_t capacity_;
  std::mutex mutex_;  // guards jobs_ and stopping_
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started after everything they use exists
};

}  // namespace stampede::target
