// One HTTP/1.1 server connection, shared by stampede-target and the coordinator's web console:
// read a request, hand it to the handler, write the reply, repeat while keep-alive holds.
// Requests on a connection are handled one at a time, so pipelined requests wait in the
// socket: the pipelining cap is one, and a client cannot queue work.
//
//   std::make_shared<HttpSession>(std::move(socket), handler, registry, limits)->start();
//
// Whatever a client sends, the session holds at most limits.header_limit plus a line's slack
// in its read buffer (a header, a chunk line with its extensions, a trailer must fit), and a
// body of at most limits.body_limit; a request framed any way but Content-Length or a lone
// `chunked` is refused with 400 and the connection closed, so no body can be read as a second
// request (RFC 9112 6.3).
//
// Every step is a do_x / on_x pair on the connection's own I/O loop (one thread, so no strand)
// and every read and write has a deadline. The deadline is a time the session moves, and one
// timer that wakes only when the time it was armed for comes: when the deadline has moved on
// since, it sleeps again, and when it has passed, it closes the socket. A timer set and
// cancelled around every read and write cost a sixth of a checkout's CPU. Not thread-safe
// except shutdown_gracefully(), which any thread may call.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "common/http_server/fd_tls_stream.hpp"
#include "common/http_server/reply.hpp"
#include "common/maybe_tls_stream.hpp"

namespace stampede::http_server {

class SessionRegistry;

struct SessionLimits {
  // The whole next request must arrive within this, so a slowloris client is cut off and an
  // idle keep-alive connection does not hold a socket for ever.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  uint32_t header_limit = 8 * 1024;
  uint64_t body_limit = 16 * 1024;
  // Connections a listener keeps open at once; one more is closed before a byte is read.
  // 0: no cap beyond the descriptor limit.
  size_t max_connections = 0;
};

// The largest single piece of a request the read buffer holds at once (a header block, a chunk
// line, a trailer section): the header limit and this much more. Kept well under Beast's 64 KiB
// field size, past which its parser throws instead of failing.
inline constexpr size_t kReadBufferSlack = 8 * 1024;

// Whether the request's framing is one this server reads safely, or the 4xx it gets.
// Transfer-Encoding must be absent or exactly `chunked`: any other coding would leave the body
// to be parsed as the next request.
std::optional<Response> framing_refusal(const Request& request);

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // handler and registry must outlive the session (the server owns both and outlives its
  // io_context's handlers).
  // tls: serve TLS with that context (which outlives the session); null: plain HTTP.
  HttpSession(boost::asio::ip::tcp::socket&& socket, const RequestHandler& handler,
              SessionRegistry& registry, const SessionLimits& limits,
              boost::asio::ssl::context* tls = nullptr);
  ~HttpSession();

  void start();
  // Finish the request in progress (if any), then close instead of reading another.
  void shutdown_gracefully();

 private:
  void do_handshake();
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void on_reply(Reply reply);

  void do_write(Response&& response);
  bool write_at_once();  // plain TCP: the whole reply written now, without blocking
  void on_write(boost::beast::error_code ec, size_t bytes);

  void do_write_stream_head(Reply&& reply);
  void on_write_stream_head(boost::beast::error_code ec, size_t bytes);
  void do_next_chunk();
  void on_chunk(Chunk chunk);
  void on_write_chunk(boost::beast::error_code ec, size_t bytes);
  void on_write_last_chunk(boost::beast::error_code ec, size_t bytes);

  // The read or write about to start must end within timeout; none while the handler works.
  void arm_deadline(std::chrono::milliseconds timeout);
  void disarm_deadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }
  void wait_for_deadline();
  static void on_deadline(const std::weak_ptr<HttpSession>& weak, boost::beast::error_code ec);

  void after_response();
  void reply_and_close(Response response);
  void do_close();
  void do_reset();

  BasicMaybeTlsStream<FdTlsStream> stream_;
  boost::asio::steady_timer deadline_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool deadline_timer_armed_ = false;
  boost::beast::flat_buffer buffer_;
  const RequestHandler& handler_;
  SessionRegistry& registry_;
  const SessionLimits limits_;

  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the reply being written: status line and headers, then its body
  std::string body_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::unique_ptr<ChunkSource> body_stream_;

  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool write_keep_alive_ = false;  // what the reply being written told the client
  bool reading_ = false;           // waiting for a request: nothing in progress to finish
  bool stopping_ = false;
  bool registered_ = false;
};

}  // namespace stampede::http_server
