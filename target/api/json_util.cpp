// JSON helpers shared by the public and admin routes.
#include "target/api/json_util.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <limits>

namespace stampede::target {

Reply json_reply(http::status status, std::string body) {
  Reply reply;
  reply.message.result(status);
  reply.message.set(http::field::content_type, "application/json");
  reply.message.body() = std::move(body);
  return reply;
}

Reply error_reply(http::status status, std::string_view error, std::string_view detail) {
  std::string body;
  body.reserve(32 + error.size() + detail.size());
  body += "{\"error\":";
  append_json_string(body, error);
  body += ",\"detail\":";
  append_json_string(body, detail);
  body += '}';
  return json_reply(status, std::move(body));
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

bool is_json_content_type(std::string_view content_type) {
  constexpr std::string_view kJson = "application/json";
  const auto semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    const char c = media[i] >= 'A' && media[i] <= 'Z' ? static_cast<char>(media[i] + 32) : media[i];
    if (c != kJson[i]) return false;
  }
  return true;
}

bool JsonDocument::parse(std::string_view text) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, &resource_);
  if (ec) return false;
  value_.emplace(std::move(v));  // a move keeps the monotonic storage
  return true;
}

const boost::json::object* JsonDocument::object() const {
  return value_ ? value_->if_object() : nullptr;
}

std::optional<int64_t> integer_field(const boost::json::object& obj, std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<std::string_view> string_field(const boost::json::object& obj,
                                             std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

}  // namespace stampede::target
