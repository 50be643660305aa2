// The HTTP server stampede-target and the web console share, on a loopback port chosen at run
// time: what a hostile client can send (oversized trailers, chunk lines, smuggled framing) and
// a handler that throws, each answered or closed while the server keeps serving.
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include "common/http_client.hpp"
#include "common/http_server/io_pool.hpp"
#include "common/http_server/json_reply.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"

using namespace stampede;
using namespace stampede::http_server;
namespace asio = boost::asio;

namespace {

// A server on 127.0.0.1:0 whose handler answers 200 "ok", or throws for /throw.
struct EchoServer {
  RequestHandler handler = [this](Request&& request, const Executor&, ReplyFn done) {
    ++requests;
    if (request.target() == "/throw") throw std::length_error("field value too large");
    done(Reply{json_response(http::status::ok, R"({"ok":true})"), nullptr, false});
  };
  SessionRegistry registry;
  IoPool pool{1, "test server"};
  std::shared_ptr<Listener> listener;
  std::atomic<int> requests{0};

  explicit EchoServer(SessionLimits limits = {}) {
    auto l =
        Listener::open(pool, {asio::ip::make_address("127.0.0.1"), 0}, handler, registry, limits);
    REQUIRE(l);
    listener = *l;
    listener->start();
    pool.start();
  }
  ~EchoServer() {
    listener->stop();
    pool.stop();
    pool.join();
  }
  uint16_t port() const { return listener->local_endpoint().port(); }
  HttpUrl url(const std::string& path) const {
    return *HttpUrl::parse("http://127.0.0.1:" + std::to_string(port()) + path);
  }
  // The server notices a client's close on its own loop: wait for it, with a deadline.
  bool wait_for_sessions(size_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (registry.size() != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return registry.size() == n;
  }
  bool healthy() const {
    auto r = http_call("GET", url("/"), {});
    return r && r->status == 200;
  }
};

// Sends raw bytes (stopping early if the server closes) and reads until the server closes.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{5, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(bytes), ec);  // a server that has answered may stop reading
  std::string out;
  asio::read(sock, asio::dynamic_buffer(out), ec);
  return out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::string kChunkedHead =
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("a 70 KB chunked trailer is 431, not a crash, and the server keeps serving",
          "[common][http_server]") {
  EchoServer s;
  const std::string out = raw_exchange(
      s.port(), kChunkedHead + "2\r\n{}\r\n0\r\nX-T: " + std::string(70'000, 'y') + "\r\n\r\n");
  CHECK(out.starts_with("HTTP/1.1 431"));
  CHECK(s.pool.handler_failures() == 0);
  CHECK(s.healthy());
}

TEST_CASE("a chunk extension that never ends is refused once it passes the line limit",
          "[common][http_server]") {
  EchoServer s;
  // 100 KB of extension: the session holds at most the header limit and a line's slack of it.
  const std::string out = raw_exchange(s.port(), kChunkedHead + "2;" + std::string(100'000, 'e'));
  CHECK(out.starts_with("HTTP/1.1 431"));
  CHECK(s.requests == 0);
  CHECK(s.healthy());
}

TEST_CASE("Transfer-Encoding other than a lone chunked is 400 and the body is never a request",
          "[common][http_server]") {
  EchoServer s;
  for (const std::string coding : {"gzip", "identity", "gzip, chunked", "chunked, gzip"}) {
    INFO(coding);
    const std::string out =
        raw_exchange(s.port(),
                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: " +
                         coding + "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(out.starts_with("HTTP/1.1 400"));
    CHECK(count(out, "HTTP/1.1 ") == 1);
    // "gzip, chunked" is chunked framing to Beast, and the body is no chunk: a parse error.
    if (coding != "gzip, chunked") CHECK(out.find("bad_transfer_encoding") != std::string::npos);
  }
  CHECK(s.requests == 0);
  // A lone chunked, in any case, is ordinary HTTP/1.1.
  CHECK(raw_exchange(s.port(),
                     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                     "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
            .starts_with("HTTP/1.1 200"));
}

TEST_CASE("a handler that throws closes only its connection, and is counted",
          "[common][http_server]") {
  EchoServer s;
  const std::string out = raw_exchange(s.port(), "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(out.empty());  // closed unanswered: the session went with its handler
  // Counted once the exception has left the handler, just after the socket closed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (s.pool.handler_failures() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(s.pool.handler_failures() == 1);
  CHECK(s.healthy());
  CHECK(s.wait_for_sessions(0));
}

TEST_CASE("connections past the cap are closed before a byte is read", "[common][http_server]") {
  SessionLimits limits;
  limits.max_connections = 2;
  EchoServer s(limits);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> held;
  for (int i = 0; i < 2; ++i) {
    held.emplace_back(io);
    held.back().connect({asio::ip::make_address("127.0.0.1"), s.port()});
  }
  // Wait until the server holds both, so the third is over the cap when it is accepted.
  REQUIRE(s.wait_for_sessions(2));
  CHECK(raw_exchange(s.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").empty());
  held.clear();
  REQUIRE(s.wait_for_sessions(0));
  CHECK(s.healthy());
}

// The deadline is one timer that sleeps on while the deadline moves (http_session.hpp): a busy
// connection is served for many times the read timeout, an idle one is closed, and a slow one
// cannot stretch its request's deadline by trickling bytes.
TEST_CASE("the read deadline moves with each request and is not stretched by a trickle",
          "[common][http_server]") {
  SessionLimits limits;
  limits.read_timeout = std::chrono::milliseconds(300);
  EchoServer s(limits);
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), s.port()});
  timeval tv{5, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  int answered = 0;
  // 1.2 s of requests 100 ms apart: four read timeouts, each request inside its own.
  while (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1200)) {
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(request), ec);
    REQUIRE_FALSE(ec);
    std::string answer;
    asio::read_until(sock, asio::dynamic_buffer(answer), "{\"ok\":true}", ec);
    REQUIRE_FALSE(ec);
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(answered >= 8);
  // Idle now: closed once the deadline passes.
  REQUIRE(s.wait_for_sessions(0));

  // A header sent a byte every 50 ms for up to 3 s is cut off at its deadline, unanswered.
  asio::ip::tcp::socket slow(io);
  slow.connect({asio::ip::make_address("127.0.0.1"), s.port()});
  const std::string endless = "GET / HTTP/1.1\r\nX-Slow: " + std::string(60, 'a');
  const auto slow_started = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  for (size_t i = 0; i < endless.size() && !ec; ++i) {
    asio::write(slow, asio::buffer(&endless[i], 1), ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (i > 20) {  // past the deadline by now: the server has closed, and a read sees it
      slow.non_blocking(true);
      char byte;
      slow.read_some(asio::buffer(&byte, 1), ec);
      if (ec == asio::error::would_block) ec = {};
    }
  }
  CHECK(ec);  // eof or reset: the server closed it
  CHECK(std::chrono::steady_clock::now() - slow_started < std::chrono::seconds(3));
  CHECK(s.requests.load() == answered);
}
