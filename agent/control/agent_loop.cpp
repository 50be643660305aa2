// Agent control loop: one thread, one DEALER socket; it moves frames between the socket and the
// AgentSession and says what the socket cannot (a refused key, a coordinator not answering).
#include "agent/control/agent_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "agent/control/agent_session.hpp"
#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/version.hpp"

namespace stampede::agent {
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {
std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}
}  // namespace

AgentLoop::AgentLoop(zmq::context_t& ctx, AgentOptions options)
    : options_(std::move(options)), ctx_(ctx) {
  if (options_.name.empty()) options_.name = host_name() + "-" + std::to_string(getpid());
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
}

AgentLoop::~AgentLoop() = default;

AgentSessionOptions AgentLoop::session_options() const {
  AgentSessionOptions o;
  o.coordinator = options_.coordinator;
  o.name = options_.name;
  o.host = host_name();
  o.cores = std::max(1u, std::thread::hardware_concurrency());
  o.threads = options_.threads;
  o.version = kVersion;
  o.heartbeat_interval = options_.heartbeat_interval;
  o.coordinator_timeout = options_.coordinator_timeout;
  o.limits = options_.limits;
  o.make_job = swarm_factory();
  return o;
}

bool AgentLoop::run(const std::atomic<bool>& stop) {
  zmq::socket_t socket(ctx_, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  // Do not queue frames for a coordinator that is not there: a stale Register or result
  // arriving much later would confuse a restarted coordinator.
  socket.set(zmq::sockopt::immediate, 1);
  if (options_.curve) make_curve_client(socket, *options_.curve, options_.coordinator_public_key);
  // A refused key looks like silence on the socket: the monitor says what really happened.
  HandshakeWatch handshakes(ctx_, socket);
  socket.connect(options_.coordinator);

  auto say = [this](const std::string& line) {
    if (options_.log) std::cerr << "stampede-agent " << options_.name << ": " << line << std::endl;
  };
  SystemWallClock wall;
  AgentSession session(session_options(), wall, say);
  // A frame that cannot be queued is counted and said once in a while: order batches that never
  // left show up at the coordinator as missing batches, never as silently smaller results.
  uint64_t unsent = 0, malformed = 0;
  Steady::time_point next_complaint = Steady::now() + 3s;
  Steady::time_point next_refusal_said{};
  while (!stop.load() && !session.refused_for_good()) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    // Frames wake the loop at once; the tick only paces the session's timers.
    poll_interruptible(&item, 1, session.idle_tick());
    const auto now = Steady::now();
    for (int n = 0; n < 1000; ++n) {
      auto in = receive_envelope(socket, false);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) {
        if (++malformed % 1000 == 1) say("dropped a malformed frame: " + in.problem);
        continue;
      }
      session.on_frame(in.envelope, now);
    }
    if (auto refused = handshakes.poll(); refused && now >= next_refusal_said) {
      say(*refused + "; still trying");
      next_refusal_said = now + 10s;
      next_complaint = now + 5s;
    }
    const bool was_registered = session.registered();
    session.tick(now);
    if (!session.registered() && now >= next_complaint) {
      say(handshakes.last_failure()
              ? *handshakes.last_failure() + "; still trying"
              : "coordinator " + options_.coordinator + " is not answering; still trying");
      next_complaint = now + 5s;
    }
    if (was_registered && !session.registered()) next_complaint = now + 3s;
    for (const auto& bytes : session.take_outbox()) {
      if (!send_bytes(socket, bytes) && ++unsent % 1000 == 1) {
        say("could not queue a frame for the coordinator (" + std::to_string(unsent) + " so far)");
      }
    }
  }
  return !session.refused_for_good();
}

}  // namespace stampede::agent
