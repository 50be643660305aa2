// The agent's TLS on a raw non-blocking socket (agent/engine/tls_channel.hpp) against the
// project's TLS server with test-made certificates: a handshake and an exchange driven only by
// want_read / want_write, a session resumed when offered and never when not (even after a
// clean end, which OpenSSL's SSL_clear would otherwise carry over), and an unknown CA refused.
#include <poll.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "agent/engine/tls_channel.hpp"
#include "common/tls_client.hpp"
#include "tests/unit/common/tls_test_support.hpp"

using namespace stampede;
using stampede::TlsIo;
using stampede::agent::TlsChannel;
using stampede::test::slurp;
using stampede::test::TestPki;
using stampede::test::TlsServer;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Runs step until it is no longer waiting, polling the descriptor as it asks; 5 s at most.
template <class Step>
TlsIo drive(int fd, Step step) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const TlsIo r = step();
    if (r != TlsIo::want_read && r != TlsIo::want_write) return r;
    if (std::chrono::steady_clock::now() > deadline) return TlsIo::failed;
    pollfd p{fd, static_cast<short>(r == TlsIo::want_read ? POLLIN : POLLOUT), 0};
    ::poll(&p, 1, 100);
  }
}

struct Client {
  asio::io_context io;
  tcp::socket socket{io};
  std::shared_ptr<asio::ssl::context> ctx;
  TlsChannel channel;

  explicit Client(std::shared_ptr<asio::ssl::context> c)
      : ctx(std::move(c)), channel(ctx->native_handle()) {}

  // A new connection to port and its handshake; the session offered may be null.
  TlsIo connect(uint16_t port, SSL_SESSION* resume) {
    boost::system::error_code ec;
    socket.close(ec);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket.non_blocking(true);
    REQUIRE(channel.begin(socket.native_handle(), "localhost", false, resume));
    return drive(socket.native_handle(), [&] { return channel.handshake(); });
  }

  // One GET, read until the JSON body's end.
  std::string exchange() {
    const std::string request = "GET /stock HTTP/1.1\r\nHost: localhost\r\n\r\n";
    size_t written = 0;
    REQUIRE(drive(socket.native_handle(), [&] {
              return channel.write(request.data(), request.size(), written);
            }) == TlsIo::done);
    std::string answer;
    while (answer.find("{\"stock\":7}") == std::string::npos) {
      char buffer[4096];
      size_t got = 0;
      const TlsIo r =
          drive(socket.native_handle(), [&] { return channel.read(buffer, sizeof(buffer), got); });
      if (r != TlsIo::done) break;
      answer.append(buffer, got);
    }
    return answer;
  }
};

std::shared_ptr<asio::ssl::context> trusting(const TestPki& pki, const std::string& ca,
                                             bool fresh) {
  TlsClientSettings s;
  s.ca_pem = slurp(pki.file(ca + ".pem"));
  s.fresh_sessions = fresh;
  auto ctx = client_tls_context(s);
  REQUIRE(ctx);
  return *ctx;
}

}  // namespace

TEST_CASE("a TLS channel shakes hands, exchanges and resumes only when offered a session",
          "[agent][tls]") {
  TestPki pki;
  TlsServer server(pki, "good");
  const uint16_t port = server.listener->local_endpoint().port();

  SECTION("reuse: the session of the last connection resumes") {
    Client c(trusting(pki, "ca", false));
    REQUIRE(c.connect(port, nullptr) == TlsIo::done);
    CHECK_FALSE(c.channel.session_reused());
    CHECK_THAT(c.exchange(), Catch::StartsWith("HTTP/1.1 200"));
    c.channel.end_cleanly();
    SSL_SESSION* session = c.channel.take_session();
    REQUIRE(session != nullptr);
    REQUIRE(c.connect(port, session) == TlsIo::done);
    CHECK(c.channel.session_reused());
    CHECK_THAT(c.exchange(), Catch::Contains("{\"stock\":7}"));
    SSL_SESSION_free(session);
  }
  SECTION("fresh: a clean end does not carry the session over") {
    Client c(trusting(pki, "ca", true));
    REQUIRE(c.connect(port, nullptr) == TlsIo::done);
    CHECK_THAT(c.exchange(), Catch::StartsWith("HTTP/1.1 200"));
    c.channel.end_cleanly();
    REQUIRE(c.connect(port, nullptr) == TlsIo::done);
    CHECK_FALSE(c.channel.session_reused());
    CHECK_THAT(c.exchange(), Catch::StartsWith("HTTP/1.1 200"));
  }
  SECTION("an unknown CA fails the handshake; the server goes on serving") {
    Client wrong(trusting(pki, "other", false));
    CHECK(wrong.connect(port, nullptr) == TlsIo::failed);
    Client right(trusting(pki, "ca", false));
    REQUIRE(right.connect(port, nullptr) == TlsIo::done);
    CHECK_THAT(right.exchange(), Catch::StartsWith("HTTP/1.1 200"));
  }
}

TEST_CASE("writing TLS to a peer that has gone fails instead of ending the process",
          "[agent][tls]") {
  TestPki pki;
  Client c(trusting(pki, "ca", false));  // its context makes OpenSSL's write(2) SIGPIPE-safe
  {
    TlsServer server(pki, "good");
    REQUIRE(c.connect(server.listener->local_endpoint().port(), nullptr) == TlsIo::done);
  }  // the server and its connections are gone
  const std::string request = "GET /stock HTTP/1.1\r\nHost: localhost\r\n\r\n";
  TlsIo r = TlsIo::done;
  // The first writes may still be taken by the socket; one soon meets the reset, then EPIPE.
  for (int i = 0; i < 50 && r == TlsIo::done; ++i) {
    size_t written = 0;
    r = drive(c.socket.native_handle(),
              [&] { return c.channel.write(request.data(), request.size(), written); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(r == TlsIo::failed);
}
