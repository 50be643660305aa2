// Agent control loop: one thread, one DEALER socket; it moves frames between the socket and the
// AgentSession, says what the socket cannot (a refused key, a coordinator not answering), and
// follows the coordinator to a new address.
#include "agent/control/agent_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "agent/control/agent_session.hpp"
#include "agent/control/coordinator_address.hpp"
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

// The DEALER to the coordinator and the monitor that says why a handshake failed, made whole
// again when the coordinator turns up at a new address.
struct AgentLoop::Link {
  Link(zmq::context_t& ctx, const AgentOptions& options, const CoordinatorAddress::Found& found)
      : socket(ctx, zmq::socket_type::dealer), at(found.endpoint) {
    apply_control_socket_options(socket);
    // Do not queue frames for a coordinator that is not there: a stale Register or result
    // arriving much later would confuse a restarted coordinator.
    socket.set(zmq::sockopt::immediate, 1);
    if (found.ipv6) socket.set(zmq::sockopt::ipv6, 1);
    if (options.curve) make_curve_client(socket, *options.curve, options.coordinator_public_key);
    // A refused key looks like silence on the socket: the monitor says what really happened.
    handshakes = std::make_unique<HandshakeWatch>(ctx, socket);
    socket.connect(at);
  }
  zmq::socket_t socket;
  std::unique_ptr<HandshakeWatch> handshakes;  // declared after socket: stops before it closes
  std::string at;
};

bool AgentLoop::run(const std::atomic<bool>& stop) {
  CoordinatorAddress address(options_.coordinator);
  address.look_up();
  // By address when the lookup answers within a moment; else by name as given, which ZeroMQ
  // looks up itself, until a later lookup moves the link to the address.
  std::optional<CoordinatorAddress::Found> first = address.take();
  for (const auto give_up = Steady::now() + 2s;
       !first && Steady::now() < give_up && !stop.load();) {
    std::this_thread::sleep_for(10ms);
    first = address.take();
  }
  auto link = std::make_unique<Link>(
      ctx_, options_, first.value_or(CoordinatorAddress::Found{options_.coordinator}));

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
    zmq::pollitem_t item{link->socket.handle(), 0, ZMQ_POLLIN, 0};
    // Frames wake the loop at once; the tick only paces the session's timers.
    poll_interruptible(&item, 1, session.idle_tick());
    const auto now = Steady::now();
    for (int n = 0; n < 1000; ++n) {
      auto in = receive_envelope(link->socket, false);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) {
        if (++malformed % 1000 == 1) say("dropped a malformed frame: " + in.problem);
        continue;
      }
      session.on_frame(in.envelope, now);
    }
    if (auto refused = link->handshakes->poll(); refused && now >= next_refusal_said) {
      say(*refused + "; still trying");
      next_refusal_said = now + 10s;
      next_complaint = now + 5s;
    }
    const bool was_registered = session.registered();
    session.tick(now);
    if (!session.registered() && now >= next_complaint) {
      say(link->handshakes->last_failure()
              ? *link->handshakes->last_failure() + "; still trying"
              : "coordinator " + options_.coordinator + " is not answering; still trying");
      next_complaint = now + 5s;
      address.look_up();  // still nobody there: perhaps it is somewhere else now
    }
    if (was_registered && !session.registered()) {
      next_complaint = now + 3s;
      address.look_up();
    }
    // A registered link stays as it is: a late answer to an old lookup must not cut it.
    if (auto found = address.take();
        found && found->endpoint != link->at && !session.registered()) {
      say("coordinator " + options_.coordinator + " is at " + found->endpoint + " now");
      link = std::make_unique<Link>(ctx_, options_, *found);
    }
    for (const auto& bytes : session.take_outbox()) {
      if (!send_bytes(link->socket, bytes) && ++unsent % 1000 == 1) {
        say("could not queue a frame for the coordinator (" + std::to_string(unsent) + " so far)");
      }
    }
  }
  return !session.refused_for_good();
}

}  // namespace stampede::agent
