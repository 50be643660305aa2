// TLS served straight on a non-blocking socket's descriptor, as a Beast stream: OpenSSL reads
// and writes the socket itself, so a record is not copied through a BIO pair and asio's
// ssl::stream buffers on its way, and reads ahead, so one recv takes what has arrived rather
// than a record's header and then its body. The server session's TLS layer (MaybeTlsStream).
//
//   FdTlsStream s(std::move(socket), context);
//   s.async_handshake(ssl::stream_base::server, on_handshake);
//   http::async_read(s, buffer, parser, on_read);   // async_read_some / async_write_some
//
// Deadlines and closing act on next_layer(), as with ssl_stream: closing the socket ends the
// pending wait with operation_aborted. One operation of each kind at a time (Beast's own rule).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <string>
#include <type_traits>
#include <utility>

#include "common/tls_io.hpp"

namespace stampede::http_server {

class FdTlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using error_code = boost::system::error_code;

  FdTlsStream(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& ctx)
      : next_(std::move(socket)), ssl_(SSL_new(ctx.native_handle())) {
    error_code ignored;
    next_.socket().non_blocking(true, ignored);
    if (ssl_) {
      SSL_set_fd(ssl_, static_cast<int>(next_.socket().native_handle()));
      SSL_set_read_ahead(ssl_, 1);
    }
  }
  ~FdTlsStream() {
    if (ssl_) SSL_free(ssl_);
  }
  FdTlsStream(const FdTlsStream&) = delete;
  FdTlsStream& operator=(const FdTlsStream&) = delete;

  boost::beast::tcp_stream& next_layer() { return next_; }
  executor_type get_executor() { return next_.get_executor(); }
  SSL* native_handle() { return ssl_; }

  template <class Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    if (ssl_) {
      type == boost::asio::ssl::stream_base::server ? SSL_set_accept_state(ssl_)
                                                    : SSL_set_connect_state(ssl_);
    }
    step(
        [](SSL* ssl, size_t& n) {
          n = 0;
          return SSL_do_handshake(ssl);
        },
        [h = std::forward<Handler>(handler)](error_code ec, size_t) mutable { h(ec); }, true);
  }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    const boost::asio::mutable_buffer b = first_nonempty(buffers);
    step([b](SSL* ssl, size_t& n) { return SSL_read_ex(ssl, b.data(), b.size(), &n); },
         std::forward<Handler>(handler), true);
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    // A reply's head and body in one record and one write(2), as Beast's flat_stream does for
    // its ssl_stream: written one by one, each would be a record and a syscall of its own.
    boost::asio::const_buffer b;
    const size_t total = boost::asio::buffer_size(buffers);
    if (total <= kCoalesceLimit) {
      coalesced_.resize(total);
      boost::asio::buffer_copy(boost::asio::buffer(coalesced_), buffers);
      b = boost::asio::buffer(coalesced_);
    } else {
      b = first_nonempty(buffers);  // the caller's write loops over what is left
    }
    step([b](SSL* ssl, size_t& n) { return SSL_write_ex(ssl, b.data(), b.size(), &n); },
         std::forward<Handler>(handler), true);
  }

 private:
  // One buffer per call, as ssl_stream does; the first non-empty one, since asio's write of two
  // buffers passes the spent first one on, empty.
  template <class Buffers>
  static auto first_nonempty(const Buffers& buffers) {
    std::decay_t<decltype(*boost::asio::buffer_sequence_begin(buffers))> b;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && b.size() == 0; ++it) {
      b = *it;
    }
    return b;
  }

  // Runs call until it succeeds or fails, waiting for the socket whenever OpenSSL asks. The
  // first try runs inside the initiating function, whose handler must not run inline: posted.
  template <class Call, class Handler>
  void step(Call call, Handler&& handler, bool first) {
    size_t n = 0;
    error_code ec;
    unsigned long reason = 0;
    switch (ssl_ ? tls_outcome(ssl_, call(ssl_, n), &reason) : TlsIo::failed) {
      case TlsIo::done:
        break;
      case TlsIo::want_read:
      case TlsIo::want_write:
        next_.socket().async_wait(
            SSL_want_write(ssl_) ? boost::asio::socket_base::wait_write
                                 : boost::asio::socket_base::wait_read,
            [this, call, h = std::forward<Handler>(handler)](error_code wait_ec) mutable {
              if (wait_ec) return h(wait_ec, size_t{0});
              step(call, std::move(h), false);
            });
        return;
      case TlsIo::closed:
        ec = boost::asio::error::eof;
        break;
      case TlsIo::failed:
        if (!ssl_) {
          ec = boost::asio::error::no_memory;
        } else if (reason != 0) {
          ec = error_code(static_cast<int>(reason), boost::asio::error::get_ssl_category());
        } else {
          ec = boost::asio::ssl::error::stream_truncated;
        }
        break;
    }
    if (!first) return handler(ec, n);
    boost::asio::post(next_.get_executor(),
                      boost::beast::bind_handler(std::forward<Handler>(handler), ec, n));
  }

  static constexpr size_t kCoalesceLimit = 16 * 1024;  // one TLS record's worth

  boost::beast::tcp_stream next_;
  SSL* ssl_;
  std::string coalesced_;  // the write in flight, when gathered (OpenSSL retries with it)
};

}  // namespace stampede::http_server
