// Builds and fills the pre-split request bytes; validation lives here so a bad spec is a
// create()-time error and never a malformed request on the wire.
#include "agent/engine/request_template.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace stampede::agent {
namespace {

constexpr std::string_view kUserIdSlot = "${user_id}";
constexpr std::string_view kKeySlot = "${key}";

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

RequestTemplate::SlottedText RequestTemplate::SlottedText::split(std::string_view text) {
  SlottedText out;
  size_t pos = 0;
  while (true) {
    const size_t user_at = text.find(kUserIdSlot, pos);
    const size_t key_at = text.find(kKeySlot, pos);
    const size_t at = std::min(user_at, key_at);
    if (at == std::string_view::npos) break;
    out.literals_.append(text.substr(pos, at - pos));
    const bool is_user = at == user_at;
    out.pieces_.push_back({out.literals_.size(), is_user ? Slot::user_id : Slot::key});
    (is_user ? out.user_id_slots_ : out.key_slots_)++;
    pos = at + (is_user ? kUserIdSlot.size() : kKeySlot.size());
  }
  out.literals_.append(text.substr(pos));
  out.pieces_.push_back({out.literals_.size(), Slot::none});
  return out;
}

size_t RequestTemplate::SlottedText::size(std::string_view user_id, std::string_view key) const {
  return literals_.size() + user_id_slots_ * user_id.size() + key_slots_ * key.size();
}

void RequestTemplate::SlottedText::append_to(std::string& out, std::string_view user_id,
                                             std::string_view key) const {
  size_t from = 0;
  for (const Piece& piece : pieces_) {
    out.append(literals_, from, piece.literal_end - from);
    from = piece.literal_end;
    if (piece.slot == Slot::user_id) out.append(user_id);
    if (piece.slot == Slot::key) out.append(key);
  }
}

Expected<RequestTemplate> RequestTemplate::create(const v1::HttpRequestSpec& spec,
                                                  const HttpUrl& url) {
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
  out.head_ = SlottedText::split(head);
  out.body_ = SlottedText::split(spec.body_template());
  return out;
}

void RequestTemplate::fill(std::string& out, std::string_view user_id, std::string_view key) const {
  out.clear();
  head_.append_to(out, user_id, key);
  char length[24];
  const auto end = std::to_chars(length, length + sizeof(length), body_.size(user_id, key)).ptr;
  out.append(length, end);
  out.append("\r\n\r\n");
  body_.append_to(out, user_id, key);
}

}  // namespace stampede::agent
