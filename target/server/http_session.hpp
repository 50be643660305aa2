// One HTTP/1.1 connection: read a request, hand it to the handler, write the reply, repeat
// while keep-alive holds. Requests on a connection are handled one at a time, so pipelined
// requests wait in the socket: the pipelining cap is one, and a client cannot queue work.
//
//   std::make_shared<HttpSession>(std::move(socket), handler, registry, limits)->start();
//
// Every step is a do_x / on_x pair on the connection's own I/O loop (one thread, so no strand)
// and every read and write has a deadline. Not thread-safe except shutdown_gracefully(), which
// any thread may call.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "target/server/reply.hpp"

namespace stampede::target {

class SessionRegistry;

struct SessionLimits {
  // The whole next request must arrive within this, so a slowloris client is cut off and an
  // idle keep-alive connection does not hold a socket for ever.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  uint32_t header_limit = 8 * 1024;
  uint64_t body_limit = 16 * 1024;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // handler and registry must outlive the session (the server owns both and outlives its
  // io_context's handlers).
  HttpSession(boost::asio::ip::tcp::socket&& socket, const RequestHandler& handler,
              SessionRegistry& registry, const SessionLimits& limits);
  ~HttpSession();

  void start();
  // Finish the request in progress (if any), then close instead of reading another.
  void shutdown_gracefully();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void on_reply(Reply reply);

  void do_write(Response&& response);
  void on_write(boost::beast::error_code ec, size_t bytes);

  void do_write_stream_head(Reply&& reply);
  void on_write_stream_head(boost::beast::error_code ec, size_t bytes);
  void do_next_chunk();
  void on_chunk(Chunk chunk);
  void on_write_chunk(boost::beast::error_code ec, size_t bytes);
  void on_write_last_chunk(boost::beast::error_code ec, size_t bytes);

  void after_response();
  void reply_and_close(Reply reply);
  void do_close();
  void do_reset();

  boost::beast::tcp_stream stream_;
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

}  // namespace stampede::target
