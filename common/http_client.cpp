// Blocking Beast client: one connection per call, which is plenty for control traffic.
#include "common/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace stampede {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Expected<HttpReply> http_call(const std::string& method, const HttpUrl& url,
                              const HttpCallOptions& options) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) return unexpected("cannot resolve " + url.host + ": " + ec.message());

  stream.expires_after(options.timeout);
  stream.connect(endpoints, ec);
  if (ec) return unexpected("cannot connect to " + url.origin() + ": " + ec.message());

  http::request<http::string_body> req;
  req.method_string(method);
  req.target(url.target);
  req.version(11);
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, "stampede");
  for (const auto& [k, v] : options.headers) req.set(k, v);
  if (!options.body.empty() || method == "POST" || method == "PUT") {
    req.set(http::field::content_type, options.content_type);
    req.body() = options.body;
    req.prepare_payload();
  }
  stream.expires_after(options.timeout);
  http::write(stream, req, ec);
  if (ec) return unexpected("cannot send to " + url.origin() + ": " + ec.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.body_limit);
  stream.expires_after(options.timeout);
  http::read(stream, buffer, parser, ec);
  if (ec) return unexpected("no answer from " + url.origin() + url.target + ": " + ec.message());

  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  auto res = parser.release();
  return HttpReply{res.result_int(), std::move(res.body())};
}

}  // namespace stampede
