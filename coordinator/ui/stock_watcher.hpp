// Reads the stock left once a second from the target's product route (GET
// /api/v1/products/1 for the bundled target, or the run's --stock-url) and records it in
// ConsoleState, so the page can show it falling while a run goes.
//
//   StockWatcher watcher(state);   // starts its thread; the destructor stops and joins it
//
// Thread-safe by construction: it owns its thread and talks only to ConsoleState.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "coordinator/ui/console_state.hpp"

namespace stampede::coordinator::ui {

class StockWatcher {
 public:
  // state must outlive the watcher.
  explicit StockWatcher(ConsoleState& state);
  ~StockWatcher();
  StockWatcher(const StockWatcher&) = delete;
  StockWatcher& operator=(const StockWatcher&) = delete;

 private:
  void run(std::stop_token stop);

  ConsoleState& state_;
  std::mutex mutex_;
  std::condition_variable_any wake_;  // only to end the wait between reads early on stop
  std::jthread thread_;               // last: starts once everything above exists
};

// The integer field of a product route's JSON body, or why not.
Expected<int64_t> stock_from_body(const std::string& body, const std::string& field);

}  // namespace stampede::coordinator::ui
