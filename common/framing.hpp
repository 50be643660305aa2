// Protobuf Envelopes over ZeroMQ: how every control-plane frame is sent and received.
// A ROUTER peer's frames are [routing id][envelope]; a DEALER's are [envelope]. Anything else
// (too many frames, bytes that do not parse, a foreign protocol version) is reported as
// malformed and dropped by the caller, never thrown.
//
//   stampede::send_envelope(dealer, env);                 // to the coordinator
//   auto in = stampede::receive_envelope(router, true);   // on the coordinator
//   if (in.status == RecvStatus::ok) handle(in.routing_id, in.envelope);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "stampede.pb.h"

namespace stampede {

constexpr int64_t kMaxFrameBytes = 64ll << 20;  // a ZMQ_MAXMSGSIZE for every control socket
// ZMQ_SNDHWM / ZMQ_RCVHWM of every control socket, in messages (see apply_control_socket_options).
constexpr int kControlHighWaterMark = 100'000;

enum class RecvStatus { ok, none, malformed };

struct Incoming {
  RecvStatus status = RecvStatus::none;
  std::string routing_id;  // set for ROUTER sockets
  v1::Envelope envelope;
  std::string problem;  // why it was malformed
};

// Returns false when the message could not be queued now (EAGAIN: no peer, or the high-water
// mark is reached); the caller decides whether to retry.
bool send_envelope(zmq::socket_t& socket, v1::Envelope& envelope,
                   const std::string* routing_id = nullptr);

// The same in two steps, for a frame the sender keeps to send again: serialize_envelope() stamps
// the protocol version and returns the bytes send_bytes() sends.
std::string serialize_envelope(v1::Envelope& envelope);
bool send_bytes(zmq::socket_t& socket, const std::string& bytes,
                const std::string* routing_id = nullptr);

// Non-blocking: status none when nothing is waiting.
Incoming receive_envelope(zmq::socket_t& socket, bool from_router);

// The payload check on its own, for callers that hold bytes rather than a socket (fuzzing):
// nullopt when data is an Envelope of the current protocol version, else why not.
std::optional<std::string> parse_envelope(const void* data, size_t size, v1::Envelope& out);

// Socket options every control socket gets: no linger on close, bounded messages.
void apply_control_socket_options(zmq::socket_t& socket);

// zmq::poll, except that a signal arriving mid-wait (EINTR) counts as "nothing ready": loops
// then see their stop flag instead of dying on "Interrupted system call".
int poll_interruptible(zmq::pollitem_t* items, size_t count, std::chrono::milliseconds timeout);

}  // namespace stampede
