// JSON answers built by hand: they are on the target's hot path, where a boost::json tree per
// answer would cost more than the purchase.
#include "common/http_server/json_reply.hpp"

#include <boost/beast/http/field.hpp>

namespace stampede::http_server {

Response json_response(http::status status, std::string body) {
  Response response;
  response.result(status);
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

Response error_response(http::status status, std::string_view error, std::string_view detail) {
  std::string body;
  body.reserve(32 + error.size() + detail.size());
  body += "{\"error\":";
  append_json_string(body, error);
  body += ",\"detail\":";
  append_json_string(body, detail);
  body += '}';
  return json_response(status, std::move(body));
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace stampede::http_server
