// The shared value checks; see the header.
#include "coordinator/spec/value_checks.hpp"

#include <algorithm>
#include <cctype>

namespace stampede::coordinator {

std::string quoted(std::string_view text) {
  std::string out = "'";
  out.append(text.substr(0, 64));
  if (text.size() > 64) out += "...";
  return out + "'";
}

std::string method_token(std::string_view s) {
  const bool ok =
      !s.empty() && s.size() <= 16 && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == s.npos;
  return ok ? "" : "want an upper-case HTTP method such as POST, not " + quoted(s);
}

std::string request_path(std::string_view s) {
  const bool ok = s.starts_with('/') && s.size() <= 2048 &&
                  s.find_first_of(" \t\r\n") == std::string_view::npos;
  return ok ? "" : "want a path from '/' of up to 2048 characters without spaces";
}

std::string header_line(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return "want K:V, not " + quoted(s);
  if (s.size() > 8192 || s.find_first_of("\r\n") != std::string_view::npos) {
    return "a header is one line of up to 8 KiB";
  }
  return "";
}

std::string json_field(std::string_view s) {
  const bool ok = !s.empty() && s.size() <= 128 && s.find_first_of("\r\n") == s.npos;
  return ok ? "" : "want a field name of 1 to 128 characters";
}

bool placeholder_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || std::isdigit(static_cast<unsigned char>(s.front()))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace stampede::coordinator
