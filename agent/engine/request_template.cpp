// Builds and fills the pre-split request bytes; validation lives here so a bad spec is a
// create()-time error and never a malformed request on the wire.
#include "agent/engine/request_template.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace stampede::agent {
namespace {

bool is_token(std::string_view s) {
  // RFC 9110 tchar.
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

}  // namespace

RequestTemplate::SlottedText RequestTemplate::SlottedText::split(
    std::string_view text, const std::vector<std::string>& columns) {
  auto slot_of = [&](std::string_view name) -> uint32_t {
    if (name == "user_id") return kUserIdValue;
    if (name == "key") return kKeyValue;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] == name) return static_cast<uint32_t>(kFirstColumnValue + c);
    }
    return kNoSlot;
  };
  SlottedText out;
  size_t pos = 0;
  for (size_t at = text.find("${"); at != std::string_view::npos; at = text.find("${", at + 2)) {
    const size_t close = text.find('}', at + 2);
    if (close == std::string_view::npos) break;
    const uint32_t slot = slot_of(text.substr(at + 2, close - at - 2));
    if (slot == kNoSlot) continue;  // not ours: the text stays as it is
    out.literals_.append(text.substr(pos, at - pos));
    out.pieces_.push_back({out.literals_.size(), slot});
    pos = close + 1;
    at = close - 1;
  }
  out.literals_.append(text.substr(pos));
  out.pieces_.push_back({out.literals_.size(), kNoSlot});
  return out;
}

size_t RequestTemplate::SlottedText::size(std::span<const std::string_view> values) const {
  size_t n = literals_.size();
  for (const Piece& piece : pieces_) {
    if (piece.slot < values.size()) n += values[piece.slot].size();
  }
  return n;
}

void RequestTemplate::SlottedText::append_to(std::string& out,
                                             std::span<const std::string_view> values) const {
  size_t from = 0;
  for (const Piece& piece : pieces_) {
    out.append(literals_, from, piece.literal_end - from);
    from = piece.literal_end;
    if (piece.slot < values.size()) out.append(values[piece.slot]);
  }
}

Expected<RequestTemplate> RequestTemplate::create(const v1::HttpRequestSpec& spec,
                                                  const HttpUrl& url,
                                                  const std::vector<std::string>& columns) {
  const std::string method = spec.method().empty() ? "POST" : spec.method();
  if (!is_token(method)) return unexpected("bad HTTP method '" + method + "'");
  const std::string path = spec.path().empty() ? url.target : spec.path();
  if (path.front() != '/' || path.find_first_of(" \t\r\n") != std::string::npos) {
    return unexpected("bad request path '" + path + "' (want /..., no spaces)");
  }
  std::optional<std::string> host;
  std::optional<std::string> content_type;
  std::string extra_headers;
  bool connection_header = false;
  for (const auto& h : spec.headers()) {
    if (!is_token(h.name())) return unexpected("bad header name '" + h.name() + "'");
    if (has_line_break(h.value())) {
      return unexpected("header '" + h.name() + "' has a line break in its value");
    }
    if (iequals(h.name(), "Content-Length") || iequals(h.name(), "Transfer-Encoding")) {
      return unexpected("header '" + h.name() + "' is set by the engine, not the request spec");
    }
    if (iequals(h.name(), "Host")) {
      host = h.value();
    } else if (iequals(h.name(), "Content-Type")) {
      content_type = h.value();
    } else {
      connection_header = connection_header || iequals(h.name(), "Connection");
      extra_headers += h.name() + ": " + h.value() + "\r\n";
    }
  }
  // A client that will close after this request says so (RFC 9112 9.6): the server then
  // closes first, and the TIME_WAIT of a connection per buyer stays on its side, not in the
  // agent's ephemeral ports.
  if (spec.connection_per_attempt() && !connection_header) extra_headers += "Connection: close\r\n";

  std::string head = method + " " + path + " HTTP/1.1\r\n";
  head += "Host: " + host.value_or(url.host_header()) + "\r\n";
  head += "Content-Type: " + content_type.value_or("application/json") + "\r\n";
  head += extra_headers;
  head += "Content-Length: ";

  RequestTemplate out;
  out.head_ = SlottedText::split(head, columns);
  out.body_ = SlottedText::split(spec.body_template(), columns);
  return out;
}

void RequestTemplate::fill(std::string& out, std::span<const std::string_view> values) const {
  out.clear();
  head_.append_to(out, values);
  char length[24];
  const auto end = std::to_chars(length, length + sizeof(length), body_.size(values)).ptr;
  out.append(length, end);
  out.append("\r\n\r\n");
  body_.append_to(out, values);
}

}  // namespace stampede::agent
