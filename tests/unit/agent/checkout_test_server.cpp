// The test server's sessions: Beast async reads, one scripted reply per request.
#include "tests/unit/agent/checkout_test_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/clock.hpp"

namespace stampede::agent::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

ScriptedReply create_order_for_key(const SeenRequest& request) {
  return ScriptedReply::created("o-" + request.idempotency_key);
}

class CheckoutTestServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(CheckoutTestServer& server, tcp::socket socket, uint64_t connection)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        connection_(connection) {}

  void do_read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
  }

 private:
  void on_read(error_code ec) {
    if (ec) return;  // the client closed or sent garbage: end the session
    SeenRequest seen;
    seen.index = server_.requests_.fetch_add(1);
    seen.connection = connection_;
    seen.arrived_unix_ns = unix_now_ns();
    seen.method = std::string(request_.method_string());
    seen.target = std::string(request_.target());
    seen.idempotency_key = std::string(request_["Idempotency-Key"]);
    seen.user_header = std::string(request_["X-User"]);
    seen.content_type = std::string(request_[http::field::content_type]);
    seen.body = request_.body();
    ScriptedReply reply = server_.script_(seen);
    {
      std::lock_guard lock(server_.seen_mutex_);
      server_.seen_.push_back(std::move(seen));
    }
    if (reply.kind != ScriptedReply::Kind::respond) {
      if (reply.kind == ScriptedReply::Kind::reset) {
        socket_.set_option(asio::socket_base::linger(true, 0), ec);
      }
      socket_.close(ec);
      return;
    }
    response_ = {};
    response_.version(11);
    response_.result(reply.status);
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(request_.keep_alive() && !reply.close_after && !reply.until_close);
    response_.body() = std::move(reply.body);
    if (!reply.until_close) response_.prepare_payload();
    if (reply.delay.count() == 0) return do_write();
    timer_.expires_after(reply.delay);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->do_write();
    });
  }

  void do_write() {
    http::async_write(socket_, response_,
                      [self = shared_from_this()](error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (ec) return;
    if (!response_.keep_alive()) {
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    do_read();
  }

  CheckoutTestServer& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  const uint64_t connection_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

CheckoutTestServer::CheckoutTestServer(Script script)
    : script_(std::move(script)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  do_accept();
  thread_ = std::thread([this] { io_.run(); });
}

CheckoutTestServer::~CheckoutTestServer() {
  io_.stop();
  thread_.join();
}

std::string CheckoutTestServer::url() const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

std::vector<SeenRequest> CheckoutTestServer::seen() const {
  std::lock_guard lock(seen_mutex_);
  return seen_;
}

void CheckoutTestServer::do_accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) return;
    const uint64_t connection = connections_.fetch_add(1);
    std::make_shared<Session>(*this, std::move(socket), connection)->do_read();
    do_accept();
  });
}

uint16_t closed_loopback_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace stampede::agent::testing
