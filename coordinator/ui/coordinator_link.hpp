// The console's control-plane client: one DEALER on its own thread, connected to the daemon's
// control socket exactly as `stampede run` is (RunRequest -> RunUpdate... -> RunFinished,
// AgentsRequest and StatusRequest once a second, AbortRequest), feeding ConsoleState.
//
//   CoordinatorLink link(ctx, "tcp://127.0.0.1:5556", keys, state);  // starts its thread
//   link.launch(request);   // any thread: queued, sent by the link's thread
//
// Thread-safe: launch() and abort() queue under a mutex; the socket lives on the link's thread.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "common/curve_keys.hpp"
#include "coordinator/ui/console_api.hpp"
#include "coordinator/ui/console_state.hpp"

namespace stampede::coordinator::ui {

// The CURVE client side: the key the link presents, and the coordinator's key it pins.
struct LinkKeys {
  CurveKeyPair own;
  std::string coordinator_public;
};

class CoordinatorLink final : public ConsoleCommands {
 public:
  // ctx and state must outlive the link; the destructor stops and joins its thread.
  CoordinatorLink(zmq::context_t& ctx, std::string endpoint, std::optional<LinkKeys> keys,
                  ConsoleState& state);
  ~CoordinatorLink() override;
  CoordinatorLink(const CoordinatorLink&) = delete;
  CoordinatorLink& operator=(const CoordinatorLink&) = delete;

  void launch(const v1::RunRequest& request) override;
  void abort(const std::string& reason) override;

  // The coordinator's updates come every second while a run lives; this much silence means it
  // is gone, and the console's run ends as an error (the CLI uses the same limit).
  static constexpr std::chrono::seconds kSilenceLimit{15};

 private:
  void run(std::stop_token stop);

  zmq::context_t& ctx_;
  const std::string endpoint_;
  const std::optional<LinkKeys> keys_;
  ConsoleState& state_;
  std::mutex mutex_;
  std::deque<v1::Envelope> outbox_;  // guarded by mutex_
  std::jthread thread_;              // last: starts once everything above exists
};

}  // namespace stampede::coordinator::ui
