// Parses the http:// and https:// URLs Stampede talks to (targets, stock and ledger routes,
// admin).
//
//   auto u = stampede::HttpUrl::parse("http://127.0.0.1:8080/api/v1/products/1");
//   u->host == "127.0.0.1"; u->port == 8080; u->target == "/api/v1/products/1";
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace stampede {

struct HttpUrl {
  std::string host;    // without brackets for IPv6
  uint16_t port = 80;  // 443 for https:// without one
  std::string target;  // path and query, "/" when empty
  bool tls = false;    // https://

  static Expected<HttpUrl> parse(std::string_view url);
  // "host:port" as a Host header wants it (brackets around IPv6).
  std::string host_header() const;
  // scheme://host:port, no path.
  std::string origin() const;
};

// Parses "IP:PORT" / "[IPv6]:PORT" as given to --listen style flags.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  static Expected<HostPort> parse(std::string_view s);
};

// A ZeroMQ "tcp://host:port" endpoint split in two: host without the brackets of IPv6 (or "*",
// or an interface name), port as written. Nothing for another transport or a missing port.
struct TcpEndpoint {
  std::string host;
  std::string port;
  static std::optional<TcpEndpoint> parse(std::string_view endpoint);
};

// Replaces every "${name}" in text with value.
std::string substitute(std::string_view text, std::string_view name, std::string_view value);

}  // namespace stampede
