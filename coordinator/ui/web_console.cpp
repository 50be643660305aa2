// The console's flags, their start-up checks (the control plane's rule: no network bind without
// a credential), and the assembly of its parts.
#include "coordinator/ui/web_console.hpp"

#include <boost/asio/ip/address.hpp>

#include "common/token_file.hpp"
#include "common/url.hpp"

namespace stampede::coordinator::ui {

namespace {

constexpr size_t kMinTokenChars = 16;

std::optional<LinkKeys> link_keys(const std::optional<CurveKeyPair>& coordinator) {
  if (!coordinator) return std::nullopt;
  return LinkKeys{*coordinator, coordinator->public_z85};
}

Expected<std::string> first_line(const std::string& path, const char* flag) {
  auto token = read_token_file(path);
  if (!token) return unexpected(std::string(flag) + ": " + token.error());
  return *token;
}

}  // namespace

void add_console_flags(CLI::App& sub, ConsoleFlags& f) {
  sub.add_option("--ui-bind", f.bind,
                 "Serve the live web console on IP:PORT (off by default; port 0 picks one)");
  sub.add_option("--ui-token-file", f.token_file,
                 "File whose first line is the console's access token (required off loopback)");
  sub.add_option("--ui-target", f.target,
                 "The bundled target's URL: the console form's default and its stock reading");
  sub.add_option("--ui-admin-url", f.admin_url,
                 "The bundled target's admin listener, for the console's stock resets");
  sub.add_option("--ui-admin-token-file", f.admin_token_file,
                 "File holding that admin listener's bearer token");
}

Expected<WebConsoleOptions> console_options(const ConsoleFlags& f) {
  WebConsoleOptions o;
  if (f.bind.empty()) {
    for (const auto* given : {&f.token_file, &f.target, &f.admin_url, &f.admin_token_file}) {
      if (!given->empty()) return unexpected("the --ui-* flags need --ui-bind IP:PORT");
    }
    return o;
  }
  o.enabled = true;
  o.bind = f.bind;
  auto hp = HostPort::parse(f.bind);
  boost::system::error_code ec;
  const auto address =
      hp ? boost::asio::ip::make_address(hp->host, ec) : boost::asio::ip::address{};
  if (!hp || ec) return unexpected("--ui-bind '" + f.bind + "': want IP:PORT");
  if (!f.token_file.empty()) {
    auto token = first_line(f.token_file, "--ui-token-file");
    if (!token) return unexpected(token.error());
    if (token->size() < kMinTokenChars) {
      return unexpected("--ui-token-file: the token must be at least 16 characters");
    }
    o.token = *token;
  } else if (!address.is_loopback()) {
    return unexpected("refusing to serve the web console on " + f.bind +
                      " without --ui-token-file (anyone who reaches it could launch runs)");
  }
  if (!f.target.empty()) {
    auto target = HttpUrl::parse(f.target);
    if (!target) return unexpected("--ui-target: " + target.error());
    o.defaults.target = target->origin();
  }
  if (f.admin_url.empty() != f.admin_token_file.empty()) {
    return unexpected("--ui-admin-url and --ui-admin-token-file go together");
  }
  if (!f.admin_url.empty()) {
    if (f.target.empty()) return unexpected("--ui-admin-url belongs to a --ui-target");
    if (auto admin = HttpUrl::parse(f.admin_url); !admin) {
      return unexpected("--ui-admin-url: " + admin.error());
    }
    if (auto token = first_line(f.admin_token_file, "--ui-admin-token-file"); !token) {
      return unexpected(token.error());
    }
    o.defaults.admin_url = f.admin_url;
    o.defaults.admin_token_file = f.admin_token_file;
  }
  return o;
}

std::string connectable_endpoint(const std::string& bound) {
  constexpr std::string_view kWildcard = "tcp://0.0.0.0:";
  if (bound.starts_with(kWildcard)) return "tcp://127.0.0.1:" + bound.substr(kWildcard.size());
  return bound;
}

WebConsole::WebConsole(zmq::context_t& ctx, const WebConsoleOptions& options,
                       const std::string& control_endpoint,
                       const std::optional<CurveKeyPair>& coordinator_keys)
    : state_(),
      link_(ctx, connectable_endpoint(control_endpoint), link_keys(coordinator_keys), state_),
      stock_(state_),
      api_(options.token, options.defaults, state_, link_),
      server_(api_, options.bind) {
  if (!options.defaults.target.empty()) {
    state_.set_idle_stock_source(
        StockSource{options.defaults.target + "/api/v1/products/1", "stock"});
  }
}

}  // namespace stampede::coordinator::ui
