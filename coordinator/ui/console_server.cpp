// ConsoleServer and its sessions: read a request, answer it (now, after deferred work, or as an
// event stream), repeat while keep-alive holds. Every step is a do_x / on_x pair on the one
// I/O thread, and every read and write has a deadline.
#include "coordinator/ui/console_server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "common/url.hpp"

namespace stampede::coordinator::ui {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

class ConsoleSession : public std::enable_shared_from_this<ConsoleSession> {
 public:
  ConsoleSession(tcp::socket&& socket, ConsoleServer::Shared& shared)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), shared_(shared) {
    ++shared_.connections;
  }
  ~ConsoleSession() {
    --shared_.connections;
    if (streaming_) --shared_.streams;
  }

  void start() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(shared_.limits.header_limit);
    parser_->body_limit(shared_.limits.body_limit);
    stream_.expires_after(shared_.limits.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&ConsoleSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) {
      return reply_and_close(
          json_error(http::status::payload_too_large, "body_too_large", "the body is over 64 KiB"));
    }
    if (ec == http::error::header_limit) {
      return reply_and_close(json_error(http::status::request_header_fields_too_large,
                                        "headers_too_large", "the header is over 8 KiB"));
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return reply_and_close(json_error(http::status::bad_request, "bad_request",
                                        "the request is not valid HTTP/1.1"));
    }
    if (ec) return do_close();  // end of stream, timeout, reset, shutdown
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    ConsoleReply reply = shared_.api.handle(request);
    if (reply.deferred) {
      // Off the I/O thread, so a slow target stalls only this request, not every page.
      asio::post(shared_.workers, [self = shared_from_this(),
                                   work = std::move(reply.deferred)]() mutable {
        Response response = work();
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->do_write(std::move(response));
        });
      });
      return;
    }
    if (reply.event_stream) {
      if (shared_.streams >= shared_.limits.max_streams) {
        return reply_and_close(json_error(http::status::service_unavailable, "too_many_streams",
                                          "too many pages are open on this console"));
      }
      return start_stream(std::move(reply.response), shared_.api.start_cursor(request));
    }
    do_write(std::move(reply.response));
  }

  void reply_and_close(Response response) {
    keep_alive_ = false;
    do_write(std::move(response));
  }

  void do_write(Response response) {
    response_.emplace(std::move(response));
    response_->version(version_);
    response_->keep_alive(keep_alive_);
    response_->prepare_payload();
    stream_.expires_after(shared_.limits.write_timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&ConsoleSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    const bool again = !ec && response_ && response_->keep_alive();
    response_.reset();
    if (!again) return do_close();
    do_read();
  }

  // --- Server-Sent Events: the head once, then one chunk of events per interval ---
  void start_stream(Response head, EventCursor cursor) {
    streaming_ = true;
    ++shared_.streams;
    cursor_ = cursor;
    stream_head_.emplace(std::move(head.base()));
    stream_head_->version(version_);
    stream_head_->keep_alive(true);
    stream_head_->chunked(true);
    serializer_.emplace(*stream_head_);
    stream_.expires_after(shared_.limits.write_timeout);
    http::async_write_header(
        stream_, *serializer_,
        beast::bind_front_handler(&ConsoleSession::on_stream_head, shared_from_this()));
  }

  void on_stream_head(beast::error_code ec, size_t) {
    if (ec) return do_close();
    do_send_events();
  }

  void do_send_events() {
    events_ = shared_.api.events(cursor_);
    stream_.expires_after(shared_.limits.write_timeout);
    asio::async_write(
        stream_, http::make_chunk(asio::buffer(events_)),
        beast::bind_front_handler(&ConsoleSession::on_events_sent, shared_from_this()));
  }

  void on_events_sent(beast::error_code ec, size_t) {
    if (ec) return do_close();  // the page went away, or stopped reading
    stream_.expires_never();
    timer_.expires_after(shared_.limits.event_interval);
    timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->do_send_events();
    });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  ConsoleServer::Shared& shared_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  EventCursor cursor_;
  std::string events_;  // the chunk being written: must live until the write completes
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool streaming_ = false;
};

}  // namespace

ConsoleServer::ConsoleServer(const ConsoleApi& api, const std::string& bind_address,
                             ConsoleServerLimits limits)
    : shared_{api, limits, workers_}, acceptor_(ioc_) {
  auto hp = HostPort::parse(bind_address);
  if (!hp) {
    throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                      hp.error());
  }
  const tcp::endpoint endpoint(asio::ip::make_address(hp->host), hp->port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  const auto bound = acceptor_.local_endpoint();
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                   : bound.address().to_string();
  url_ = "http://" + host + ":" + std::to_string(bound.port()) + "/";
  do_accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

ConsoleServer::~ConsoleServer() {
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
  workers_.join();  // deferred work finishes; what it posts back dies with ioc_
}

std::string ConsoleServer::url() const {
  return url_;
}

void ConsoleServer::do_accept() {
  // One I/O thread: sessions need no strand.
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      if (shared_.connections >= shared_.limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the cap: refused before a byte is read
      } else {
        std::make_shared<ConsoleSession>(std::move(socket), shared_)->start();
      }
    }
    if (acceptor_.is_open()) do_accept();
  });
}

}  // namespace stampede::coordinator::ui
