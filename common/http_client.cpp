// A Beast client on its own io_context: one connection per call, which is plenty for control
// traffic. Every step is asynchronous under one deadline (the stream's timer covers connect,
// write and read; run_until bounds name resolution), because a blocking Beast read ignores the
// stream's timeout and would wait on a silent peer for ever.
#include "common/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>

#include "common/maybe_tls_stream.hpp"

namespace stampede {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A response header bigger than this is no control answer; the read buffer holds at most this
// and a line's slack, so no header, chunk line or trailer can grow it further (and none reaches
// the 64 KiB field size past which Beast's parser throws).
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadBufferLimit = kHeaderLimit + 8 * 1024;

class Call {
 public:
  Call(const std::string& method, const HttpUrl& url, const HttpCallOptions& options)
      : url_(url), options_(options), resolver_(io_), buffer_(kReadBufferLimit) {
    request_.method_string(method);
    request_.target(url.target);
    request_.version(11);
    request_.set(http::field::host, url.host_header());
    request_.set(http::field::user_agent, "stampede");
    for (const auto& [k, v] : options.headers) request_.set(k, v);
    if (!options.body.empty() || method == "POST" || method == "PUT") {
      request_.set(http::field::content_type, options.content_type);
      request_.body() = options.body;
      request_.prepare_payload();
    }
    parser_.header_limit(kHeaderLimit);
    parser_.body_limit(options.body_limit);
    if (method == "HEAD") parser_.skip(true);  // its answer says a length but carries no body
  }

  Expected<HttpReply> run() {
    if (url_.tls) {
      auto ctx = client_tls_context(options_.tls);
      if (!ctx) return unexpected(url_.origin() + ": " + ctx.error());
      tls_ = *ctx;
    }
    stream_.emplace(tcp::socket(io_), tls_.get());
    if (auto* tls = stream_->tls_stream()) {
      prepare_client_stream(tls->native_handle(), url_.host, options_.tls.insecure);
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    stream_->tcp().expires_at(deadline);
    boost::system::error_code ec;
    const auto literal = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      do_connect(tcp::resolver::results_type::create(tcp::endpoint(literal, url_.port), url_.host,
                                                     std::to_string(url_.port)));
    } else {
      const auto asked = std::chrono::steady_clock::now();
      resolver_.async_resolve(
          url_.host, std::to_string(url_.port),
          [this, asked](beast::error_code rec, tcp::resolver::results_type results) {
            lookup_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - asked);
            if (rec) return fail("cannot resolve " + url_.host, rec);
            do_connect(results);
          });
    }
    io_.run_until(deadline + std::chrono::milliseconds(100));
    if (!result_) {
      // Only name resolution runs outside the stream's timer.
      return unexpected("cannot resolve " + url_.host + ": no answer within " +
                        std::to_string(options_.timeout.count()) + " ms");
    }
    return std::move(*result_);
  }

 private:
  void do_connect(const tcp::resolver::results_type& endpoints) {
    stream_->tcp().async_connect(endpoints, [this](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return fail("cannot connect to " + url_.origin(), ec);
      if (!stream_->tls()) return do_exchange();
      stream_->async_handshake(asio::ssl::stream_base::client, [this](beast::error_code hec) {
        if (hec) {
          result_ = unexpected(url_.origin() + ": " +
                               handshake_failure(stream_->tls_stream()->native_handle(), hec));
          return;
        }
        do_exchange();
      });
    });
  }

  void do_exchange() {
    http::async_write(*stream_, request_, [this](beast::error_code wec, size_t) {
      if (wec) return fail("cannot send to " + url_.origin(), wec);
      http::async_read(*stream_, buffer_, parser_, [this](beast::error_code rec, size_t) {
        if (rec) return fail("no answer from " + url_.origin() + url_.target, rec);
        beast::error_code ignored;
        stream_->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
        auto res = parser_.release();
        result_ = HttpReply{res.result_int(), std::move(res.body())};
      });
    });
  }

  void fail(const std::string& what, beast::error_code ec) {
    std::string why = ec.message();
    if (ec == beast::error::timeout) {
      why = timeout_reason(options_.timeout, lookup_);
    } else if (ec == http::error::buffer_overflow || ec == http::error::header_limit) {
      why = "its header, a chunk line or its trailer is over " +
            std::to_string(kHeaderLimit / 1024) + " KiB";
    } else if (ec == http::error::body_limit) {
      why = "its body is over " + std::to_string(options_.body_limit) + " bytes";
    }
    result_ = unexpected(what + ": " + why);
  }

  const HttpUrl& url_;
  const HttpCallOptions& options_;
  asio::io_context io_;
  std::shared_ptr<asio::ssl::context> tls_;  // https:// only; outlives stream_
  std::optional<MaybeTlsStream> stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
  std::optional<Expected<HttpReply>> result_;
  std::chrono::milliseconds lookup_{0};  // what the name lookup took of the deadline
};

}  // namespace

std::string timeout_reason(std::chrono::milliseconds timeout, std::chrono::milliseconds lookup) {
  std::string why = "no answer within " + std::to_string(timeout.count()) + " ms";
  if (lookup.count() > 0 && lookup * 10 >= timeout) {
    why += " (the name lookup took " + std::to_string(lookup.count()) + " ms of them)";
  }
  return why;
}

Expected<HttpReply> http_call(const std::string& method, const HttpUrl& url,
                              const HttpCallOptions& options) {
  // Whatever a peer sends comes back as an error value: this runs inside daemons.
  try {
    Call call(method, url, options);
    return call.run();
  } catch (const std::exception& e) {
    return unexpected("talking to " + url.origin() + ": " + e.what());
  }
}

}  // namespace stampede
