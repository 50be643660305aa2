// CoordinatorLink's loop: send what is queued, ask for agents and status each second, and hand
// every answer to ConsoleState.
#include "coordinator/ui/coordinator_link.hpp"

#include "common/expected.hpp"
#include "common/framing.hpp"

namespace stampede::coordinator::ui {
using namespace std::chrono_literals;

CoordinatorLink::CoordinatorLink(zmq::context_t& ctx, std::string endpoint,
                                 std::optional<LinkKeys> keys, ConsoleState& state)
    : ctx_(ctx),
      endpoint_(std::move(endpoint)),
      keys_(std::move(keys)),
      state_(state),
      thread_([this](std::stop_token stop) { run(stop); }) {}

CoordinatorLink::~CoordinatorLink() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void CoordinatorLink::launch(const v1::RunRequest& request) {
  v1::Envelope env;
  *env.mutable_run_request() = request;
  std::lock_guard lock(mutex_);
  outbox_.push_back(std::move(env));
}

void CoordinatorLink::abort(const std::string& reason) {
  v1::Envelope env;
  env.mutable_abort_request()->set_reason(reason);
  std::lock_guard lock(mutex_);
  outbox_.push_back(std::move(env));
}

void CoordinatorLink::run(std::stop_token stop) {
  zmq::socket_t socket(ctx_, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  if (keys_) make_curve_client(socket, keys_->own, keys_->coordinator_public);
  socket.connect(endpoint_);
  auto next_poll = std::chrono::steady_clock::now();
  auto last_heard = next_poll;
  bool answering = false;
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    std::deque<v1::Envelope> outgoing;
    {
      std::lock_guard lock(mutex_);
      outgoing.swap(outbox_);
    }
    // A DEALER queues while the connection is down, so a send fails only at the high-water
    // mark, where the console's run is better refused at once than left hanging.
    for (auto& env : outgoing) {
      if (!send_envelope(socket, env) && env.has_run_request()) {
        v1::RunFinished refused;
        refused.set_exit_code(static_cast<int32_t>(ExitCode::infrastructure));
        refused.set_message("the coordinator's control socket is not taking messages");
        state_.on_finished(refused);
      }
    }
    if (now >= next_poll) {
      next_poll = now + 1s;
      v1::Envelope agents, status;
      agents.mutable_agents_request();
      status.mutable_status_request();
      send_envelope(socket, agents);
      send_envelope(socket, status);
      // Three polls without an answer: the page says the coordinator is not answering.
      if (answering && now - last_heard > 3s) {
        answering = false;
        state_.set_coordinator_answering(false);
      }
      if (state_.own_run_id() && now - state_.own_run_last_heard() > kSilenceLimit) {
        v1::RunFinished silent;
        silent.set_exit_code(static_cast<int32_t>(ExitCode::infrastructure));
        silent.set_message("the coordinator stopped answering (no word for 15 s)");
        state_.on_finished(silent);
      }
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    poll_interruptible(&item, 1, 100ms);
    // Bounded per wake-up, so queued commands and the once-a-second poll are never starved.
    for (int i = 0; i < 256; ++i) {
      auto in = receive_envelope(socket, false);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) continue;
      const auto at = std::chrono::steady_clock::now();
      last_heard = at;
      if (!answering) {
        answering = true;
        state_.set_coordinator_answering(true);
      }
      const auto& env = in.envelope;
      if (env.has_agents_reply()) {
        state_.set_agents(env.agents_reply());
      } else if (env.has_status_reply()) {
        state_.on_status(env.status_reply(), at);
      } else if (env.has_run_update()) {
        state_.on_update(env.run_update(), at);
      } else if (env.has_run_finished()) {
        state_.on_finished(env.run_finished());
      }
    }
  }
}

}  // namespace stampede::coordinator::ui
