// JSON helpers shared by the public and admin routes.
#include "target/api/json_util.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <limits>

#include "common/http_server/json_reply.hpp"
#include "common/json_number.hpp"

namespace stampede::target {

Reply json_reply(http::status status, std::string body) {
  return Reply{http_server::json_response(status, std::move(body)), nullptr, false};
}

Reply error_reply(http::status status, std::string_view error, std::string_view detail) {
  return Reply{http_server::error_response(status, error, detail), nullptr, false};
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
  return v ? json_int64(*v) : std::nullopt;
}

std::optional<std::string_view> string_field(const boost::json::object& obj,
                                             std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

}  // namespace stampede::target
