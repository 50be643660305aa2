// The HTTP server session stampede-target and the web console share, fed arbitrary bytes over a
// real loopback connection: whatever arrives, the server answers or closes, never throws a
// handler's exception out of its loop, and keeps serving. Seeds: the attacks of issue "under
// attack" (oversized trailers and chunk extensions, smuggled framing) and ordinary requests.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "common/http_server/io_pool.hpp"
#include "common/http_server/json_reply.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"

namespace hs = stampede::http_server;

namespace {

// One server for the whole run, as in a daemon: answers every request with its body's length.
struct Server {
  hs::RequestHandler handler = [](hs::Request&& request, const hs::Executor&, hs::ReplyFn done) {
    done(hs::Reply{hs::json_response(hs::http::status::ok,
                                     std::to_string(request.body().size())),
                   nullptr, false});
  };
  hs::SessionRegistry registry;
  hs::IoPool pool{1, "fuzz_http_session"};
  std::shared_ptr<hs::Listener> listener;
  uint16_t port = 0;

  Server() {
    hs::SessionLimits limits;
    limits.read_timeout = std::chrono::milliseconds(500);
    auto l = hs::Listener::open(pool, {boost::asio::ip::make_address("127.0.0.1"), 0}, handler,
                                registry, limits);
    if (!l) std::abort();
    listener = *l;
    port = listener->local_endpoint().port();
    listener->start();
    pool.start();
  }
};

Server& server() {
  static Server* s = new Server;  // lives until exit: the fuzzer never tears it down
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Server& s = server();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    size_t sent = 0;
    while (sent < size) {
      const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server answered and closed: what it read was enough
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[16384];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  }
  ::close(fd);
  // A handler that threw would be counted here instead of ending the process.
  if (s.pool.handler_failures() != 0) std::abort();
  return 0;
}
