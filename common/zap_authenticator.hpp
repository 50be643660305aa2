// The coordinator's ZAP handler (ZeroMQ RFC 27): admits a CURVE client only when its public key
// is in the authorized-keys list, and reports every refusal. libzmq asks it about each new
// connection to a socket that is a CURVE server, over inproc://zeromq.zap.01 in that socket's
// context; until it answers, the handshake waits.
//
// Thread-safety: not thread-safe. The REP socket belongs to the thread that calls
// serve_pending() (the coordinator's loop thread, which polls socket() beside its own
// sockets); libzmq's I/O threads reach it only through inproc messages. There is one ZAP
// endpoint per context, so one ZapAuthenticator per zmq::context_t, and it must be created
// before a CURVE server socket binds: a context without a handler admits every valid key.
//
//   ZapAuthenticator zap(ctx, keys, [](const ZapVerdict& v) { log(v); });
//   poll {zap.socket(), ...}; zap.serve_pending();
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.hpp"

namespace stampede {

struct ZapVerdict {
  bool admitted = false;
  std::string request_id;
  std::string status_code;  // "200" admitted, "400" refused, "500" malformed request
  std::string reason;       // why, for the log and the ZAP reply's status text
  std::string domain;       // the socket's ZAP domain ("agents", "control")
  std::string address;      // the peer's IP
  std::string key_z85;      // the client's public key, when the request carried one
  std::string label;        // the authorized-keys label of an admitted key
};

// The decision, as a pure function of a ZAP request's frames: version "1.0", request id,
// domain, address, routing id, mechanism, credentials...
ZapVerdict zap_verdict(const std::vector<std::string>& frames, const AuthorizedKeys& keys);

class ZapAuthenticator {
 public:
  using Observer = std::function<void(const ZapVerdict&)>;

  // Binds inproc://zeromq.zap.01 in ctx; throws zmq::error_t if another handler holds it.
  ZapAuthenticator(zmq::context_t& ctx, AuthorizedKeys keys, Observer observer);

  zmq::socket_t& socket() { return socket_; }
  // Answers the requests waiting now (non-blocking, bounded).
  void serve_pending();
  uint64_t admitted() const { return admitted_; }
  uint64_t refused() const { return refused_; }

 private:
  zmq::socket_t socket_;
  AuthorizedKeys keys_;
  Observer observer_;
  uint64_t admitted_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace stampede
