// A ZeroMQ socket monitor reduced to the handshake outcomes a user can act on.
#include "common/handshake_watch.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace stampede {
namespace {
constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

std::string mismatch(const std::string& peer) {
  return "the security handshake with " + peer +
         " failed: the coordinator wants CURVE keys (--curve-secret-file and "
         "--coordinator-public-key) or has none while this client has some, or the pinned "
         "public key is not the coordinator's";
}

std::string describe(uint16_t event, uint32_t value, const std::string& peer) {
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return "the coordinator at " + peer + " refused this key (ZAP status " +
             std::to_string(value) +
             "): add this client's public key to the coordinator's --authorized-keys";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) return mismatch(peer);
      {
        char code[16];
        std::snprintf(code, sizeof code, "0x%08x", value);
        return "the security handshake with " + peer + " failed (ZMTP protocol error " + code +
               "): check that --coordinator-public-key is the coordinator's public key";
      }
    default:
      // libzmq reports a mechanism mismatch either way, depending on which side noticed first.
      return mismatch(peer);
  }
}
}  // namespace

HandshakeWatch::HandshakeWatch(zmq::context_t& ctx, zmq::socket_t& watched)
    : watched_(watched.handle()), events_(ctx, zmq::socket_type::pair) {
  static std::atomic<uint64_t> next{0};
  const std::string endpoint = "inproc://stampede-handshake-watch-" + std::to_string(++next);
  if (zmq_socket_monitor(watched_, endpoint.c_str(), kEvents) != 0) {
    throw zmq::error_t();  // start-up only: a socket that cannot be monitored is a bug here
  }
  events_.connect(endpoint);
}

HandshakeWatch::~HandshakeWatch() {
  zmq_socket_monitor(watched_, nullptr, 0);
}

std::optional<std::string> HandshakeWatch::poll() {
  std::optional<std::string> latest;
  for (int n = 0; n < 100; ++n) {
    zmq::message_t head, peer;
    if (!events_.recv(head, zmq::recv_flags::dontwait)) break;
    // Two frames: 6 bytes (event id, value), then the peer's endpoint.
    if (head.more()) (void)events_.recv(peer, zmq::recv_flags::dontwait);
    if (head.size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, head.data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, sizeof value);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      latest.reset();
      last_failure_.reset();
      continue;
    }
    latest = describe(event, value, peer.to_string());
    last_failure_ = latest;
  }
  return latest;
}

}  // namespace stampede
