// The control-plane HTTP client against peers that misbehave, on loopback ports chosen at run
// time: every call ends by its deadline with an error value, whatever the peer sends or withholds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "common/http_client.hpp"

using namespace stampede;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Accepts one connection, reads the request head, writes `answer`, then holds the connection
// open for `hold` (a silent peer) before closing.
class OneShotPeer {
 public:
  OneShotPeer(std::string answer, std::chrono::milliseconds hold)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, answer = std::move(answer), hold] {
      boost::system::error_code ec;
      asio::ip::tcp::socket sock(io_);
      acceptor_.accept(sock, ec);
      if (ec) return;
      std::string head;
      asio::read_until(sock, asio::dynamic_buffer(head), "\r\n\r\n", ec);
      asio::write(sock, asio::buffer(answer), ec);
      std::this_thread::sleep_for(hold);
    });
  }
  ~OneShotPeer() { thread_.join(); }
  HttpUrl url() const {
    return *HttpUrl::parse("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
                           "/stock");
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

HttpCallOptions quick() {
  HttpCallOptions o;
  o.timeout = 400ms;
  return o;
}

}  // namespace

TEST_CASE("a peer that accepts and never answers costs the call its deadline, no more",
          "[common][http_client]") {
  OneShotPeer peer("", 1500ms);
  const auto start = std::chrono::steady_clock::now();
  auto reply = http_call("GET", peer.url(), quick());
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(reply);
  CHECK(reply.error().find("no answer within 400 ms") != std::string::npos);
  CHECK(took < 1200ms);
}

TEST_CASE("a timeout names the name lookup when it ate a tenth of the deadline or more",
          "[common][http_client]") {
  CHECK(timeout_reason(10'000ms, 0ms) == "no answer within 10000 ms");
  CHECK(timeout_reason(10'000ms, 999ms) == "no answer within 10000 ms");
  CHECK(timeout_reason(10'000ms, 9'500ms) ==
        "no answer within 10000 ms (the name lookup took 9500 ms of them)");
}

TEST_CASE("a peer that stops halfway through its answer costs the call its deadline",
          "[common][http_client]") {
  OneShotPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"stock\":", 1500ms);
  const auto start = std::chrono::steady_clock::now();
  auto reply = http_call("GET", peer.url(), quick());
  REQUIRE_FALSE(reply);
  CHECK(std::chrono::steady_clock::now() - start < 1200ms);
}

TEST_CASE("a 70 KB trailer in an answer is an error value, not a crash", "[common][http_client]") {
  OneShotPeer peer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: " +
                       std::string(70'000, 'y') + "\r\n\r\n",
                   0ms);
  auto reply = http_call("GET", peer.url(), quick());
  REQUIRE_FALSE(reply);
  CHECK(reply.error().find("its trailer is over 16 KiB") != std::string::npos);
}

TEST_CASE("oversized headers and bodies are refused", "[common][http_client]") {
  {
    OneShotPeer peer("HTTP/1.1 200 OK\r\nX-Big: " + std::string(40'000, 'a') + "\r\n\r\n", 0ms);
    CHECK_FALSE(http_call("GET", peer.url(), quick()));
  }
  {
    OneShotPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n", 0ms);
    HttpCallOptions o = quick();
    o.body_limit = 64 * 1024;
    CHECK_FALSE(http_call("GET", peer.url(), o));
  }
}

TEST_CASE("a well-formed answer comes back whole", "[common][http_client]") {
  OneShotPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"stock\": 41}", 0ms);
  auto reply = http_call("GET", peer.url(), quick());
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == R"({"stock": 41})");
}

TEST_CASE("a refused connection is an error naming the peer", "[common][http_client]") {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  auto reply =
      http_call("GET", *HttpUrl::parse("http://127.0.0.1:" + std::to_string(port) + "/"), quick());
  REQUIRE_FALSE(reply);
  CHECK(reply.error().find("cannot connect to http://127.0.0.1:") != std::string::npos);
}
