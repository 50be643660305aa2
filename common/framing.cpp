// Bounded multipart reads: at most two frames are taken per message; extras are drained and
// the message is reported malformed.
#include "common/framing.hpp"

namespace stampede {

bool send_envelope(zmq::socket_t& socket, v1::Envelope& envelope, const std::string* routing_id) {
  envelope.set_protocol_version(v1::PROTOCOL_VERSION_CURRENT);
  std::string bytes;
  envelope.SerializeToString(&bytes);
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
  if (!in.envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    in.problem = "frame is not a stampede.v1.Envelope";
    return in;
  }
  if (in.envelope.protocol_version() != v1::PROTOCOL_VERSION_CURRENT) {
    in.problem = "protocol version " + std::to_string(in.envelope.protocol_version()) + ", want " +
                 std::to_string(v1::PROTOCOL_VERSION_CURRENT);
    return in;
  }
  in.status = RecvStatus::ok;
  return in;
}

void apply_control_socket_options(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, kMaxFrameBytes);
}

}  // namespace stampede
