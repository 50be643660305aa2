// format_response_head: see the header.
#include "common/http_server/response_head.hpp"

#include <charconv>

namespace stampede::http_server {
namespace {

void append_number(std::string& out, uint64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

bool framing_field(http::field name) {
  return name == http::field::content_length || name == http::field::connection ||
         name == http::field::transfer_encoding;
}

}  // namespace

void format_response_head(const Response& response, unsigned version, bool keep_alive,
                          std::string& out) {
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  const unsigned code = response.result_int();
  append_number(out, code);
  out += ' ';
  const auto reason = response.reason();
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : response) {
    if (framing_field(field.name())) continue;
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  // RFC 9110 8.6: no Content-Length on 1xx and 204; a 304 would describe another body.
  if (code >= 200 && code != 204 && code != 304) {
    out += "Content-Length: ";
    append_number(out, response.body().size());
    out += "\r\n";
  }
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

}  // namespace stampede::http_server
