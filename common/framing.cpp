// Bounded multipart reads: at most two frames are taken per message; extras are drained and
// the message is reported malformed.
#include "common/framing.hpp"

#include <cerrno>

#include "common/order_batch.hpp"

namespace stampede {

std::string serialize_envelope(v1::Envelope& envelope) {
  envelope.set_protocol_version(v1::PROTOCOL_VERSION_CURRENT);
  std::string bytes;
  envelope.SerializeToString(&bytes);
  return bytes;
}

bool send_envelope(zmq::socket_t& socket, v1::Envelope& envelope, const std::string* routing_id) {
  return send_bytes(socket, serialize_envelope(envelope), routing_id);
}

bool send_bytes(zmq::socket_t& socket, const std::string& bytes, const std::string* routing_id) {
  try {
    if (routing_id) {
      if (!socket.send(zmq::buffer(*routing_id),
                       zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        return false;
      }
    }
    // ZeroMQ sends multipart messages atomically: once the first part is queued the rest is.
    return socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    // EHOSTUNREACH from a ROUTER with ZMQ_ROUTER_MANDATORY: the peer is gone.
    return false;
  }
}

Incoming receive_envelope(zmq::socket_t& socket, bool from_router) {
  Incoming in;
  zmq::message_t frames[2];
  size_t count = 0;
  bool more = true;
  bool overflow = false;
  while (more) {
    zmq::message_t part;
    auto got = socket.recv(part, count == 0 ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got) return in;  // nothing waiting (only possible on the first part)
    more = part.more();
    if (count < 2) {
      frames[count] = std::move(part);
    } else {
      overflow = true;
    }
    ++count;
  }
  const size_t want = from_router ? 2 : 1;
  in.status = RecvStatus::malformed;
  if (from_router && count >= 1) in.routing_id = frames[0].to_string();
  if (overflow || count != want) {
    in.problem = "expected " + std::to_string(want) + " frame(s), got " + std::to_string(count);
    return in;
  }
  const zmq::message_t& payload = frames[want - 1];
  if (auto problem = parse_envelope(payload.data(), payload.size(), in.envelope)) {
    in.problem = std::move(*problem);
    return in;
  }
  in.status = RecvStatus::ok;
  return in;
}

std::optional<std::string> parse_envelope(const void* data, size_t size, v1::Envelope& out) {
  if (size > static_cast<size_t>(kMaxFrameBytes)) return "frame over the size limit";
  if (!out.ParseFromArray(data, static_cast<int>(size))) {
    return "frame is not a stampede.v1.Envelope";
  }
  if (out.protocol_version() != v1::PROTOCOL_VERSION_CURRENT) {
    return "protocol version " + std::to_string(out.protocol_version()) + ", want " +
           std::to_string(v1::PROTOCOL_VERSION_CURRENT);
  }
  // Checked here, once, so no reader of a batch can walk past its ids.
  if (out.has_orders()) {
    if (auto problem = packed_orders_problem(out.orders())) return "order batch: " + *problem;
  }
  return std::nullopt;
}

void apply_control_socket_options(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, kMaxFrameBytes);
  // A ROUTER drops frames for a peer whose queue is at the high-water mark, and a DEALER's
  // non-blocking send fails there; the default (1000 messages) is within reach of a busy run's
  // order batches and progress. Results must not be lost to a slow peer, so the marks are
  // raised well past any run's traffic while still bounding a misbehaving peer's memory.
  socket.set(zmq::sockopt::sndhwm, kControlHighWaterMark);
  socket.set(zmq::sockopt::rcvhwm, kControlHighWaterMark);
}

int poll_interruptible(zmq::pollitem_t* items, size_t count, std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, count, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return 0;
    throw;
  }
}

}  // namespace stampede
