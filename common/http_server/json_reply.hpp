// The JSON answers every HTTP server here shares: a body with its Content-Type, and the
// {"error": "...", "detail": "..."} shape of every 4xx and 5xx.
//
//   Response r = error_response(http::status::bad_request, "bad_request", "not JSON");
#pragma once

#include <string>
#include <string_view>

#include "common/http_server/reply.hpp"

namespace stampede::http_server {

Response json_response(http::status status, std::string body);
Response error_response(http::status status, std::string_view error, std::string_view detail);

// Appends s as a quoted JSON string, control characters escaped. s must be valid UTF-8 for the
// result to be valid JSON (anything that came through a JSON parser is).
void append_json_string(std::string& out, std::string_view s);

}  // namespace stampede::http_server
