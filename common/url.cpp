// URL and host:port parsing for flags; strict, so a typo is a clear error and not a hang.
#include "common/url.hpp"

#include <charconv>

namespace stampede {
namespace {

Expected<uint16_t> parse_port(std::string_view s, std::string_view whole) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v > 65535) {
    return unexpected("bad port in '" + std::string(whole) + "'");
  }
  return static_cast<uint16_t>(v);
}

// Splits "host:port" or "[v6]:port"; port_required says whether a missing port is an error.
Expected<HostPort> split_host_port(std::string_view hp, std::string_view whole, bool port_required,
                                   uint16_t default_port) {
  HostPort out;
  std::string_view port_part;
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos)
      return unexpected("unclosed '[' in '" + std::string(whole) + "'");
    out.host = std::string(hp.substr(1, close - 1));
    auto rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return unexpected("junk after ']' in '" + std::string(whole) + "'");
      port_part = rest.substr(1);
    }
  } else {
    auto colon = hp.rfind(':');
    if (colon == std::string_view::npos) {
      out.host = std::string(hp);
    } else {
      out.host = std::string(hp.substr(0, colon));
      port_part = hp.substr(colon + 1);
    }
  }
  if (out.host.empty()) return unexpected("no host in '" + std::string(whole) + "'");
  if (port_part.empty()) {
    if (port_required) return unexpected("no port in '" + std::string(whole) + "' (want IP:PORT)");
    out.port = default_port;
    return out;
  }
  auto port = parse_port(port_part, whole);
  if (!port) return unexpected(port.error());
  out.port = *port;
  return out;
}

}  // namespace

Expected<HttpUrl> HttpUrl::parse(std::string_view url) {
  const bool tls = url.substr(0, 8) == "https://";
  if (!tls && url.substr(0, 7) != "http://") {
    return unexpected(std::string("'").append(url).append("' is not an http:// or https:// URL"));
  }
  auto rest = url.substr(tls ? 8 : 7);
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  auto hp = split_host_port(authority, url, false, tls ? 443 : 80);
  if (!hp) return unexpected(hp.error());
  HttpUrl out;
  out.tls = tls;
  out.host = hp->host;
  out.port = hp->port;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  return out;
}

std::string HttpUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpUrl::origin() const {
  return (tls ? "https://" : "http://") + host_header();
}

Expected<HostPort> HostPort::parse(std::string_view s) {
  return split_host_port(s, s, true, 0);
}

std::optional<TcpEndpoint> TcpEndpoint::parse(std::string_view endpoint) {
  constexpr std::string_view kScheme = "tcp://";
  if (endpoint.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  const std::string_view rest = endpoint.substr(kScheme.size());
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == rest.size()) return std::nullopt;
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return TcpEndpoint{std::string(host), std::string(rest.substr(colon + 1))};
}

std::string substitute(std::string_view text, std::string_view name, std::string_view value) {
  const std::string needle = "${" + std::string(name) + "}";
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    auto hit = text.find(needle, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(value);
    pos = hit + needle.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace stampede
