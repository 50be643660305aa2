// Blocking work (an HTTP call to the target, which carries its own deadline) run off the
// coordinator's loop, its result picked up by polling. Dropping a call that has not finished
// never waits: the work ends on its pool thread by its own deadline and its result is thrown
// away. std::async's future blocked in its destructor instead, so an aborted run whose target
// had gone silent held the loop, and `stampede agents` with it.
//
//   OffLoopCall<Expected<int64_t>> stock;
//   stock.start(pool, [probe] { return read_stock(probe); });
//   ... each tick: if (stock.ready()) use(stock.take());
//
// Not thread-safe: one owner on the loop thread; the pool thread touches only the shared state.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace stampede::coordinator {

template <class T>
class OffLoopCall {
 public:
  // Drops any call in flight. The pool must outlive the work (it joins its threads).
  void start(boost::asio::thread_pool& pool, std::function<T()> work) {
    auto state = std::make_shared<State>();
    state_ = state;
    boost::asio::post(pool, [state, work = std::move(work)] {
      T value = work();
      std::lock_guard lock(state->mutex);
      state->value.emplace(std::move(value));
    });
  }
  // Started and not yet taken.
  bool pending() const { return state_ != nullptr; }
  bool ready() const {
    if (!state_) return false;
    std::lock_guard lock(state_->mutex);
    return state_->value.has_value();
  }
  // Only once ready().
  T take() {
    auto state = std::move(state_);
    std::lock_guard lock(state->mutex);
    return std::move(*state->value);
  }
  void drop() { state_.reset(); }

 private:
  struct State {
    std::mutex mutex;  // guards value: written on a pool thread, read on the loop
    std::optional<T> value;
  };
  std::shared_ptr<State> state_;
};

}  // namespace stampede::coordinator
