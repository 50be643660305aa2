// HttpSession: the read / handle / write loop, streamed bodies, and the protocol errors a
// hostile client can cause (oversized header, chunk line, trailer or body, smuggled framing,
// garbage, slowness).
#include "common/http_server/http_session.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "common/http_server/json_reply.hpp"
#include "common/http_server/response_head.hpp"
#include "common/http_server/session_registry.hpp"

namespace stampede::http_server {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::string kib(uint64_t bytes) {
  return std::to_string((bytes + 1023) / 1024) + " KiB";
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Response> framing_refusal(const Request& request) {
  size_t codings = 0;
  bool only_chunked = true;
  const auto [first, last] = request.base().equal_range(http::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    const auto value = field->value();
    std::string_view rest(value.data(), value.size());
    while (true) {
      const size_t comma = rest.find(',');
      const auto coding = trimmed(rest.substr(0, comma));
      if (!coding.empty()) {
        ++codings;
        only_chunked = only_chunked && beast::iequals(coding, "chunked");
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (codings == 0 || (codings == 1 && only_chunked)) return std::nullopt;
  return error_response(http::status::bad_request, "bad_transfer_encoding",
                        "Transfer-Encoding must be absent or exactly 'chunked'");
}

HttpSession::HttpSession(asio::ip::tcp::socket&& socket, const RequestHandler& handler,
                         SessionRegistry& registry, const SessionLimits& limits,
                         asio::ssl::context* tls)
    : stream_(std::move(socket), tls),
      deadline_timer_(stream_.get_executor()),
      buffer_(limits.header_limit + kReadBufferSlack),
      handler_(handler),
      registry_(registry),
      limits_(limits) {}

HttpSession::~HttpSession() {
  if (registered_) registry_.remove(this);
}

void HttpSession::start() {
  registered_ = registry_.add(shared_from_this());
  if (!registered_) return;  // shutting down: the socket closes with us
  if (!stream_.tls()) {
    beast::error_code ignored;
    stream_.tcp().socket().non_blocking(true, ignored);  // for write_at_once
  }
  asio::dispatch(
      stream_.get_executor(),
      beast::bind_front_handler(stream_.tls() ? &HttpSession::do_handshake : &HttpSession::do_read,
                                shared_from_this()));
}

void HttpSession::do_handshake() {
  // Under the read deadline, so a client that stalls its handshake is cut off like a slow one.
  arm_deadline(limits_.read_timeout);
  reading_ = true;
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      beast::bind_front_handler(&HttpSession::on_handshake, shared_from_this()));
}

void HttpSession::arm_deadline(std::chrono::milliseconds timeout) {
  deadline_ = std::chrono::steady_clock::now() + timeout;
  // An armed timer wakes at an earlier deadline and sleeps on to this one.
  if (!deadline_timer_armed_) wait_for_deadline();
}

void HttpSession::wait_for_deadline() {
  deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadline_);
  // Weak: the timer must not keep a finished connection alive until its deadline.
  deadline_timer_.async_wait(
      [weak = weak_from_this()](beast::error_code ec) { on_deadline(weak, ec); });
}

void HttpSession::on_deadline(const std::weak_ptr<HttpSession>& weak, beast::error_code ec) {
  const auto self = weak.lock();
  if (!self || ec == asio::error::operation_aborted) return;
  self->deadline_timer_armed_ = false;
  if (self->deadline_ == std::chrono::steady_clock::time_point::max()) return;
  if (std::chrono::steady_clock::now() < self->deadline_) {
    return self->wait_for_deadline();
  }
  // Past it: the pending read, write or handshake fails, and its handler closes up.
  self->disarm_deadline();
  beast::error_code ignored;
  self->stream_.tcp().socket().close(ignored);
}

void HttpSession::on_handshake(beast::error_code ec) {
  reading_ = false;
  if (ec) return do_close();  // not TLS, a certificate the client refused, a stall
  do_read();
}

void HttpSession::shutdown_gracefully() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->reading_) self->stream_.tcp().cancel();  // idle: on_read sees operation_aborted
  });
}

void HttpSession::do_read() {
  if (stopping_) return do_close();
  parser_.emplace();
  parser_->header_limit(limits_.header_limit);
  parser_->body_limit(limits_.body_limit);
  arm_deadline(limits_.read_timeout);
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, size_t /*bytes*/) {
  reading_ = false;
  disarm_deadline();  // the handler may take its time; the write has its own deadline
  if (ec == http::error::body_limit) {
    return reply_and_close(error_response(http::status::payload_too_large, "body_too_large",
                                          "the body is over " + kib(limits_.body_limit)));
  }
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return reply_and_close(error_response(
        http::status::request_header_fields_too_large, "headers_too_large",
        "the header, a chunk line or the trailer is over " + kib(limits_.header_limit)));
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return reply_and_close(error_response(http::status::bad_request, "bad_request",
                                          "the request is not valid HTTP/1.1"));
  }
  if (ec) return do_close();  // end of stream, timeout, reset, shutdown

  Request request = parser_->release();
  if (auto refusal = framing_refusal(request)) return reply_and_close(std::move(*refusal));
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  // The handler may answer inline or from another thread; either way on_reply runs on our own
  // loop. Capturing only the shared_ptr keeps the callback in std::function's inline storage.
  handler_(std::move(request), stream_.get_executor(), [self = shared_from_this()](Reply reply) {
    asio::dispatch(self->stream_.get_executor(), [self, reply = std::move(reply)]() mutable {
      self->on_reply(std::move(reply));
    });
  });
}

void HttpSession::on_reply(Reply reply) {
  if (reply.drop_connection) return do_reset();
  if (reply.body_stream) return do_write_stream_head(std::move(reply));
  do_write(std::move(reply.message));
}

void HttpSession::do_write(Response&& response) {
  write_keep_alive_ = keep_alive_ && !stopping_;
  format_response_head(response, version_, write_keep_alive_, head_);
  body_ = std::move(response.body());
  if (!stream_.tls() && write_at_once()) return on_write({}, head_.size() + body_.size());
  arm_deadline(limits_.write_timeout);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
  asio::async_write(stream_, buffers,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
}

bool HttpSession::write_at_once() {
  // A reply is small, so the (non-blocking) socket nearly always takes it whole, and the next
  // read starts without a completion's trip through the loop. What it does not take is left in
  // head_ and body_ for the asynchronous write.
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
  beast::error_code ec;
  size_t sent = stream_.tcp().socket().write_some(buffers, ec);
  if (ec) return false;  // would block, or a broken connection the async write will report
  if (sent == head_.size() + body_.size()) return true;
  const size_t from_head = std::min(sent, head_.size());
  head_.erase(0, from_head);
  body_.erase(0, sent - from_head);
  return false;
}

void HttpSession::on_write(beast::error_code ec, size_t /*bytes*/) {
  if (ec || !write_keep_alive_) return do_close();
  after_response();
}

void HttpSession::do_write_stream_head(Reply&& reply) {
  body_stream_ = std::move(reply.body_stream);
  stream_head_.emplace(std::move(reply.message.base()));
  stream_head_->version(version_);
  stream_head_->keep_alive(keep_alive_ && !stopping_);
  stream_head_->chunked(true);
  stream_serializer_.emplace(*stream_head_);
  arm_deadline(limits_.write_timeout);
  http::async_write_header(
      stream_, *stream_serializer_,
      beast::bind_front_handler(&HttpSession::on_write_stream_head, shared_from_this()));
}

void HttpSession::on_write_stream_head(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return do_close();
  do_next_chunk();
}

void HttpSession::do_next_chunk() {
  disarm_deadline();  // the source may take its time; each chunk's write has its own deadline
  body_stream_->next([self = shared_from_this()](Chunk chunk) {
    asio::dispatch(self->stream_.get_executor(), [self, chunk] { self->on_chunk(chunk); });
  });
}

void HttpSession::on_chunk(Chunk chunk) {
  // A failed source means the body cannot be completed; cutting the connection mid-body is the
  // only honest signal left once the 200 header is out.
  if (!chunk.ok) return do_reset();
  arm_deadline(limits_.write_timeout);
  if (chunk.data.empty()) {
    return asio::async_write(
        stream_, http::make_chunk_last(),
        beast::bind_front_handler(&HttpSession::on_write_last_chunk, shared_from_this()));
  }
  asio::async_write(stream_, http::make_chunk(asio::buffer(chunk.data.data(), chunk.data.size())),
                    beast::bind_front_handler(&HttpSession::on_write_chunk, shared_from_this()));
}

void HttpSession::on_write_chunk(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return do_close();
  do_next_chunk();
}

void HttpSession::on_write_last_chunk(beast::error_code ec, size_t /*bytes*/) {
  const bool keep_alive = stream_head_ && stream_head_->keep_alive();
  stream_serializer_.reset();
  stream_head_.reset();
  body_stream_.reset();
  if (ec || !keep_alive) return do_close();
  after_response();
}

void HttpSession::after_response() {
  if (stopping_) return do_close();
  do_read();
}

void HttpSession::reply_and_close(Response response) {
  keep_alive_ = false;
  do_write(std::move(response));
}

void HttpSession::do_close() {
  beast::error_code ec;
  stream_.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  // The socket closes when the last handler releases this session.
}

void HttpSession::do_reset() {
  beast::error_code ec;
  // Linger 0 turns close into a TCP reset, which is what the fault is meant to look like.
  stream_.tcp().socket().set_option(asio::socket_base::linger(true, 0), ec);
  stream_.tcp().socket().close(ec);
}

}  // namespace stampede::http_server
