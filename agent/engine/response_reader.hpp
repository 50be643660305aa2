// An HTTP/1.1 response parser that keeps only what classification reads: the status, whether
// the connection stays open, and the body, in a buffer the virtual user reuses. Beast's
// response_parser<string_body> stores every header field as a heap node and the body in a new
// string, a handful of allocations per response that this one avoids.
//
//   std::string body;                                  // kept across responses
//   std::optional<ResponseReader> reader;
//   reader.emplace(body, 64 * 1024);                   // one per response
//   http::async_read(stream, buffer, *reader, handler);
//   classify_response(reader->status(), body, rules); reader->keep_alive();
//
// Not thread-safe: one per virtual user, on its io thread.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>

namespace stampede::agent {

class ResponseReader final : public boost::beast::http::basic_parser<false> {
 public:
  // body is cleared (its capacity kept) and receives the response's body.
  ResponseReader(std::string& body, uint64_t body_limit) : body_(body) {
    body_.clear();
    this->body_limit(body_limit);
  }

  unsigned status() const { return status_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  // Connection, Content-Length and Transfer-Encoding are read by basic_parser itself.
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  // basic_parser has already refused a Content-Length over the body limit.
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) body_.reserve(static_cast<size_t>(*length));
  }
  std::size_t on_body_impl(string_view part, error_code&) override {
    body_.append(part.data(), part.size());
    return part.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view part, error_code& ec) override {
    return on_body_impl(part, ec);
  }
  void on_finish_impl(error_code&) override {}

  std::string& body_;
  unsigned status_ = 0;
};

}  // namespace stampede::agent
