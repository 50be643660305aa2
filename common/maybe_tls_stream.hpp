// A byte stream that is plain TCP, or TLS over it, chosen at run time: the server session (per
// listener, with OpenSSL on the descriptor: http_server/fd_tls_stream.hpp) and the
// control-plane HTTP client (per URL, with Beast's ssl_stream) use it. Beast's HTTP reads and
// writes take it like any stream; deadlines and closing act on the TCP layer underneath.
//
//   MaybeTlsStream s(std::move(socket), tls_context_or_null);
//   if (s.tls()) s.async_handshake(ssl::stream_base::server, on_handshake);  // before a read
//   http::async_read(s, buffer, parser, on_read);
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <utility>
#include <variant>

namespace stampede {

// TlsLayer: built from (tcp::socket&&, ssl::context&), with next_layer(), native_handle(),
// async_handshake, async_read_some and async_write_some.
template <class TlsLayer>
class BasicMaybeTlsStream {
 public:
  using Tls = TlsLayer;
  using executor_type = boost::beast::tcp_stream::executor_type;

  // tls null: plain TCP. Otherwise the context (certificate and key) outlives the stream.
  BasicMaybeTlsStream(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls)
      : stream_(make(std::move(socket), tls)) {}

  bool tls() const { return std::holds_alternative<Tls>(stream_); }
  Tls* tls_stream() { return std::get_if<Tls>(&stream_); }
  boost::beast::tcp_stream& tcp() {
    if (auto* t = std::get_if<Tls>(&stream_)) return t->next_layer();
    return std::get<boost::beast::tcp_stream>(stream_);
  }
  executor_type get_executor() { return tcp().get_executor(); }

  template <class Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    std::get<Tls>(stream_).async_handshake(type, std::forward<Handler>(handler));
  }

  // Either layer reads and writes the same way: Beast's HTTP operations call these.
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { s.async_read_some(buffers, std::forward<Handler>(handler)); },
               stream_);
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { s.async_write_some(buffers, std::forward<Handler>(handler)); },
               stream_);
  }

 private:
  using Variant = std::variant<boost::beast::tcp_stream, Tls>;
  static Variant make(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls) {
    if (tls) return Variant(std::in_place_type<Tls>, std::move(socket), *tls);
    return Variant(std::in_place_type<boost::beast::tcp_stream>, std::move(socket));
  }

  Variant stream_;
};

using MaybeTlsStream = BasicMaybeTlsStream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace stampede
