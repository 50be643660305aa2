// JSON in and out for handlers: replies with the {"error","detail"} shape every 4xx/5xx uses,
// string escaping for bodies built by hand, and a parser that keeps small bodies off the heap.
//
//   JsonDocument doc;
//   if (!doc.parse(req.body()) || !doc.object()) return done(error_reply(bad_request, ...));
//   auto quantity = integer_field(*doc.object(), "quantity");
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_server/json_reply.hpp"
#include "target/http.hpp"

namespace stampede::target {

inline constexpr size_t kMaxBodyBytes = 16 * 1024;

Reply json_reply(http::status status, std::string body);
Reply error_reply(http::status status, std::string_view error, std::string_view detail);

using http_server::append_json_string;

// "application/json", any case, parameters such as charset allowed.
bool is_json_content_type(std::string_view content_type);

// One parsed request body. Bodies up to a few KiB parse into an inline buffer; larger ones
// spill to the heap. Not copyable or movable: the value points into the buffer.
class JsonDocument {
 public:
  JsonDocument() = default;
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // False when text is not one well-formed JSON value.
  bool parse(std::string_view text);
  // The top-level object, or nullptr when the value is something else.
  const boost::json::object* object() const;

 private:
  alignas(16) unsigned char buffer_[4096];
  boost::json::monotonic_resource resource_{buffer_, sizeof buffer_};
  std::optional<boost::json::value> value_;  // after resource_: destroyed before it
};

// An integer field that fits int64_t; nullopt when missing or of another type (1.0 included).
std::optional<int64_t> integer_field(const boost::json::object& obj, std::string_view name);
// A string field; nullopt when missing or of another type. The view lives as long as obj.
std::optional<std::string_view> string_field(const boost::json::object& obj, std::string_view name);

}  // namespace stampede::target
