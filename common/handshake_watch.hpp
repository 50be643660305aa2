// Says why a CURVE client's handshakes fail. libzmq retries a refused connection in silence, so
// without this an agent or CLI whose key the coordinator does not admit only looks like a
// coordinator that is "not answering".
//
//   zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
//   HandshakeWatch watch(ctx, dealer);          // before connect; destroyed before dealer
//   dealer.connect(endpoint);
//   if (auto why = watch.poll()) say(*why);     // the latest failure, in words, if any
//
// Not thread-safe: use it on the thread that owns the watched socket.
#pragma once

#include <optional>
#include <string>
#include <zmq.hpp>

namespace stampede {

class HandshakeWatch {
 public:
  HandshakeWatch(zmq::context_t& ctx, zmq::socket_t& watched);
  ~HandshakeWatch();
  HandshakeWatch(const HandshakeWatch&) = delete;
  HandshakeWatch& operator=(const HandshakeWatch&) = delete;

  // Reads the events that arrived since the last call: the latest failure in words (nullopt
  // when none failed). Once a handshake succeeds, earlier failures are forgotten.
  std::optional<std::string> poll();
  // The last failure seen by poll(), until a handshake succeeds.
  const std::optional<std::string>& last_failure() const { return last_failure_; }

 private:
  void* watched_;  // the monitored socket's handle, to stop the monitor before it closes
  zmq::socket_t events_;
  std::optional<std::string> last_failure_;
};

}  // namespace stampede
