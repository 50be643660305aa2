// RunClient: the control-socket conversation of `stampede run`.
#include "coordinator/cli/run_client.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/printable.hpp"
#include "coordinator/cli/client_security.hpp"
#include "coordinator/daemon/coordinator.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
// Updates come every second while a run lives. Silence before the first word means nobody is
// there; silence mid-run may be a coordinator restarting, which the client asks for its run
// every second until the longer limit.
constexpr auto kSilenceLimit = 15s;
constexpr auto kReattachAfter = 3s;
constexpr auto kLostLimit = 60s;
}  // namespace

RunClient::RunClient(zmq::context_t& ctx, std::string endpoint, bool quiet,
                     const std::atomic<bool>* interrupted)
    : ctx_(ctx),
      endpoint_(std::move(endpoint)),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) && !quiet),
      interrupted_(interrupted) {}

void RunClient::show_update(const v1::RunUpdate& u) const {
  if (quiet_) return;
  std::ostringstream line;
  if (!u.endpoint().empty()) {
    const auto& c = u.counts();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", u.rate_rps());
    line << "[" << u.phase() << "/" << u.phases() << " " << printable(u.endpoint(), 64)
         << "] attempts " << c.attempts() << "  ok " << c.ok() << "  fail " << c.fail() << "  info "
         << c.info() << "  " << rate << " req/s";
    if (u.window_attempts() != 0) {
      char lat[64];
      std::snprintf(lat, sizeof lat, "  p50 %.1f ms  p99 %.1f ms", u.window_p50_ms(),
                    u.window_p99_ms());
      line << lat;
    }
    if (u.has_stock_left()) line << "  stock left " << u.stock_left();
    line << "  agents " << u.agents();
  }
  if (!u.note().empty()) line << (line.tellp() > 0 ? "  " : "") << printable(u.note(), 512);
  if (line.tellp() == 0) return;
  if (tty_) {
    std::cerr << "\r\033[K" << line.str() << std::flush;
  } else {
    std::cerr << line.str() << "\n";
  }
}

std::optional<Unexpected> RunClient::on_silence(zmq::socket_t& socket, const std::string& run_id,
                                                Clock::time_point now) {
  if (!heard_any_ && now - last_heard_ > kSilenceLimit) {
    return unreachable("coordinator " + endpoint_ + " not answering (no word for 15 s)");
  }
  if (heard_any_ && now - last_heard_ > kLostLimit) {
    if (tty_) std::cerr << "\n";  // off the progress line
    return unreachable("lost the coordinator " + endpoint_ + " mid-run (no word for 60 s); run " +
                       run_id + " has no report");
  }
  if (heard_any_ && now - last_heard_ > kReattachAfter && now >= next_attach_) {
    if (!said_waiting_) {
      std::cerr << (tty_ ? "\n" : "") << "stampede: coordinator silent; asking for run " << run_id
                << " again until it answers (up to 60 s)\n";
      said_waiting_ = true;
    }
    v1::Envelope attach;
    attach.mutable_run_attach()->set_run_id(run_id);
    send_envelope(socket, attach);
    next_attach_ = now + 1s;
  }
  return std::nullopt;
}

Expected<v1::RunFinished> RunClient::run(v1::RunRequest request) {
  // Named here, so that this client can find its run again on a coordinator that restarted.
  if (request.run_id().empty()) request.set_run_id(random_run_id());
  zmq::socket_t socket(ctx_, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  apply_client_security(socket, endpoint_);  // CURVE keys from main, if given
  HandshakeWatch handshakes(ctx_, socket);
  socket.connect(endpoint_);
  v1::Envelope env;
  *env.mutable_run_request() = request;
  send_envelope(socket, env);  // DEALER queues it until the connection is up
  last_heard_ = next_attach_ = Clock::now();
  while (true) {
    if (interrupted_ && interrupted_->load()) {
      std::cerr << "\n";
      return unreachable("interrupted");
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    poll_interruptible(&item, 1, 200ms);
    auto in = receive_envelope(socket, false);
    const auto now = Clock::now();
    if (in.status == RecvStatus::none) {
      if (auto refused = handshakes.poll(); refused && !heard_any_) {
        // Refused before the run reached it: no run was started, and none will be.
        return unreachable(*refused);
      }
      if (auto gone = on_silence(socket, request.run_id(), now)) return std::move(*gone);
      continue;
    }
    if (in.status == RecvStatus::malformed) continue;
    last_heard_ = now;
    heard_any_ = true;
    said_waiting_ = false;
    if (in.envelope.has_run_update()) show_update(in.envelope.run_update());
    if (in.envelope.has_run_finished()) {
      if (tty_) std::cerr << "\n";
      return in.envelope.run_finished();
    }
  }
}

}  // namespace stampede::coordinator
