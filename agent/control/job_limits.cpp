// Allowlist matching and caps. Every check names the flag that set the limit, so the operator
// who reads "job rejected" in the run's output knows which agent setting to change.
#include "agent/control/job_limits.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/url.hpp"

namespace stampede::agent {
namespace ip = boost::asio::ip;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_name_chars(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

// v4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address it carries.
ip::address canonical(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}

std::vector<unsigned char> address_bytes(const ip::address& a) {
  if (a.is_v4()) {
    const auto bytes = a.to_v4().to_bytes();
    return {bytes.begin(), bytes.end()};
  }
  const auto bytes = a.to_v6().to_bytes();
  return {bytes.begin(), bytes.end()};
}

bool in_network(const ip::address& address, const ip::address& network, unsigned prefix_len) {
  const ip::address a = canonical(address);
  if (a.is_v4() != network.is_v4()) return false;
  const auto lhs = address_bytes(a);
  const auto rhs = address_bytes(network);
  unsigned bits = prefix_len;
  for (size_t i = 0; i < lhs.size() && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((lhs[i] & mask) != (rhs[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

bool port_ok(const AllowedTarget& entry, uint16_t port) {
  return entry.port == 0 || entry.port == port;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Expected<uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value == 0 || value > 65535) {
    return unexpected("bad port '" + std::string(s) + "'");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Expected<AllowedTarget> parse_allowed_target(std::string_view text) {
  AllowedTarget entry;
  entry.text = std::string(text);
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return unexpected("'" + entry.text + "': missing ']'");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return unexpected("'" + entry.text + "': want [ADDRESS]:PORT");
      port = rest.substr(1);
    }
  } else if (const size_t colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);  // exactly one colon: HOST:PORT (more is bare IPv6)
    port = text.substr(colon + 1);
  }
  if (!port.empty() || (host.size() != text.size() && text.front() != '[')) {
    auto p = parse_port(port);
    if (!p) return unexpected("'" + entry.text + "': " + p.error());
    entry.port = *p;
  }
  if (host.empty()) return unexpected("empty --allow-target");

  std::string_view address_text = host;
  std::optional<unsigned> prefix;
  if (const size_t slash = host.find('/'); slash != std::string_view::npos) {
    address_text = host.substr(0, slash);
    unsigned len = 0;
    const auto digits = host.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) {
      return unexpected("'" + entry.text + "': bad prefix length");
    }
    prefix = len;
  }
  boost::system::error_code ec;
  const auto address = ip::make_address(std::string(address_text), ec);
  if (ec) {
    if (prefix) return unexpected("'" + entry.text + "': not a network (want e.g. 10.0.0.0/8)");
    if (!host_name_chars(host)) return unexpected("'" + entry.text + "': not a host or network");
    entry.host_name = lower(host);
    return entry;
  }
  const unsigned max_len = address.is_v4() ? 32 : 128;
  if (prefix && *prefix > max_len) {
    return unexpected("'" + entry.text + "': prefix longer than /" + std::to_string(max_len));
  }
  entry.network = canonical(address);
  entry.prefix_len = prefix ? *prefix : (entry.network->is_v4() ? 32 : 128);
  return entry;
}

std::vector<AllowedTarget> loopback_only() {
  return {*parse_allowed_target("127.0.0.0/8"), *parse_allowed_target("::1")};
}

JobLimits JobLimits::anywhere() {
  JobLimits limits;
  limits.allow = {*parse_allowed_target("0.0.0.0/0"), *parse_allowed_target("::/0")};
  return limits;
}

Expected<uint32_t> parse_limit_duration(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s" || unit.empty()) scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (ec != std::errc{} || scale == 0 || value == 0 || value > 86'400'000 / scale) {
    return unexpected("bad duration '" + std::string(text) + "' (want e.g. 90s, 10m; at most 24h)");
  }
  return static_cast<uint32_t>(value * scale);
}

std::string describe(const std::vector<AllowedTarget>& allow) {
  std::string out;
  for (const auto& entry : allow) out += (out.empty() ? "" : ", ") + entry.text;
  return out.empty() ? "nothing" : out;
}

std::optional<std::string> job_refusal(const v1::JobSpec& job, const JobLimits& limits,
                                       const std::vector<ip::address>& target_addresses) {
  auto url = HttpUrl::parse(job.request().target_url());
  if (!url) return "bad target URL: " + url.error();
  const std::string host = lower(url->host);
  bool named = false;
  for (const auto& entry : limits.allow) {
    if (!entry.network && entry.host_name == host && port_ok(entry, url->port)) named = true;
  }
  if (!named) {
    const std::string where = "target " + url->host_header();
    if (target_addresses.empty()) return where + " does not resolve to any address";
    for (const auto& address : target_addresses) {
      bool allowed = false;
      for (const auto& entry : limits.allow) {
        if (entry.network && port_ok(entry, url->port) &&
            in_network(address, *entry.network, entry.prefix_len)) {
          allowed = true;
        }
      }
      if (!allowed) {
        return where + " (" + canonical(address).to_string() +
               ") is outside this agent's --allow-target (" + describe(limits.allow) + ")";
      }
    }
  }
  if (!std::isfinite(job.rate_per_s()) || job.rate_per_s() < 0 || job.rate_per_s() > kMaxJobRate) {
    return "rate " + number(job.rate_per_s()) +
           " is not a number of requests per second from 0 to " + number(kMaxJobRate);
  }
  if (job.threads() > kMaxJobThreads) {
    return std::to_string(job.threads()) + " threads is over the " +
           std::to_string(kMaxJobThreads) + " an agent runs";
  }
  if (limits.max_rate_per_s > 0) {
    if (job.rate_per_s() <= 0) {
      return "a closed-loop job has no rate bound and this agent allows at most " +
             number(limits.max_rate_per_s) + " req/s (--max-rate): give the run --rate";
    }
    if (job.rate_per_s() > limits.max_rate_per_s) {
      return "rate " + number(job.rate_per_s()) + " req/s is over this agent's --max-rate " +
             number(limits.max_rate_per_s);
    }
  }
  if (limits.max_connections > 0 && job.users() > limits.max_connections) {
    if (limits.descriptor_limit != 0) {
      return std::to_string(job.users()) + " users (connections) is over the " +
             std::to_string(limits.max_connections) + " connections this agent's ulimit -n (" +
             std::to_string(limits.descriptor_limit) + ") leaves";
    }
    return std::to_string(job.users()) + " users (connections) is over this agent's " +
           "--max-connections " + std::to_string(limits.max_connections);
  }
  if (limits.max_duration_ms > 0 && job.duration_ms() > limits.max_duration_ms) {
    return "duration " + std::to_string(job.duration_ms()) + " ms is over this agent's " +
           "--max-duration " + std::to_string(limits.max_duration_ms) + " ms";
  }
  return std::nullopt;
}

std::optional<std::string> check_job(const v1::JobSpec& job, const JobLimits& limits) {
  auto url = HttpUrl::parse(job.request().target_url());
  if (!url) return "bad target URL: " + url.error();
  std::vector<ip::address> addresses;
  boost::system::error_code ec;
  const auto literal = ip::make_address(url->host, ec);
  if (!ec) {
    addresses.push_back(literal);
  } else {
    // The swarm resolves the name again for its connections; an answer that changes within
    // those milliseconds is the residual risk of allowing networks for a named target (allow
    // the name itself to trust it instead).
    boost::asio::io_context io;
    ip::tcp::resolver resolver(io);
    const auto results = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (!ec) {
      for (const auto& r : results) addresses.push_back(r.endpoint().address());
    }
  }
  return job_refusal(job, limits, addresses);
}

}  // namespace stampede::agent
