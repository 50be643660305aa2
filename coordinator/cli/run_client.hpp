// The CLI's side of a run on the control socket: sends the RunRequest, shows the live updates,
// asks for the run again while a coordinator restarts, and hands back how it ended.
//
//   RunClient client(ctx, "tcp://127.0.0.1:5556", settings.quiet);
//   auto finished = client.run(request);   // RunFinished, or why none came (exit 3)
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <zmq.hpp>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

class RunClient {
 public:
  // ctx must outlive the client; interrupted (nullable) ends the wait (exit 3) once set.
  RunClient(zmq::context_t& ctx, std::string endpoint, bool quiet,
            const std::atomic<bool>* interrupted = nullptr);

  // The run's RunFinished, or why none came: the coordinator silent, refusing or lost (3).
  Expected<v1::RunFinished> run(v1::RunRequest request);

 private:
  using Clock = std::chrono::steady_clock;
  // While nothing arrives: whether to give up (and why), and the attach requests to send.
  std::optional<Unexpected> on_silence(zmq::socket_t& socket, const std::string& run_id,
                                       Clock::time_point now);
  void show_update(const v1::RunUpdate& update) const;

  zmq::context_t& ctx_;
  const std::string endpoint_;
  const bool quiet_;
  const bool tty_;
  const std::atomic<bool>* interrupted_;
  bool heard_any_ = false;
  bool said_waiting_ = false;
  Clock::time_point last_heard_{};
  Clock::time_point next_attach_{};
};

}  // namespace stampede::coordinator
