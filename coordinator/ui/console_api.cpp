// ConsoleApi: access checks first (so a refused caller learns nothing about routes), then the
// routes. Nothing here blocks except what goes out as ConsoleReply::deferred.
#include "coordinator/ui/console_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <random>

#include "common/constant_time.hpp"
#include "common/http_client.hpp"
#include "common/token_file.hpp"
#include "common/url.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/report/summary_writers.hpp"
#include "coordinator/ui/web_assets.hpp"

namespace stampede::coordinator::ui {
namespace json = boost::json;

namespace {

// The page: its own scripts and styles only, nothing inline, nothing from elsewhere.
constexpr const char* kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// The HTML report: inline styles and SVG, no script at all.
constexpr const char* kReportPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

Response plain_response(http::status status, std::string_view content_type, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");  // a ?token= must not leak through a link
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(http::status status, const json::value& body) {
  return plain_response(status, "application/json", json::serialize(body));
}

Response method_not_allowed(std::string_view allowed) {
  Response res = json_error(http::status::method_not_allowed, "method_not_allowed",
                            "this route takes " + std::string(allowed));
  res.set(http::field::allow, allowed);
  return res;
}

template <class Name>
std::string_view header(const Request& request, Name name) {
  auto it = request.find(name);
  if (it == request.end()) return {};
  return {it->value().data(), it->value().size()};
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> cookie(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    const size_t semi = cookies.find(';');
    std::string_view pair = cookies.substr(0, semi);
    cookies = semi == std::string_view::npos ? std::string_view{} : cookies.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> bearer(std::string_view value) {
  constexpr std::string_view kScheme = "bearer ";  // the scheme name is case-insensitive
  if (value.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  return value.substr(kScheme.size());
}

// "127.0.0.1:8090", "localhost:8090", "[::1]:8090" (the port is optional).
bool loopback_host(std::string_view host) {
  if (host.starts_with("[::1]")) return host.size() == 5 || host[5] == ':';
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  if (!host.starts_with("127.")) return false;
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

std::string new_run_id() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "ui-%08x", static_cast<unsigned>(rd()));
  return buf;
}

Expected<json::object> json_body(const Request& request) {
  json::error_code ec;
  json::value v = json::parse(request.body(), ec);
  if (ec) return unexpected("the body is not valid JSON");
  if (!v.is_object()) return unexpected("the body must be a JSON object");
  return std::move(v.get_object());
}

}  // namespace

bool token_equal(std::string_view secret, std::string_view presented) {
  return constant_time_equal(secret, presented);
}

Response json_error(http::status status, std::string_view code, std::string_view detail) {
  return json_response(status, json::object{{"error", code}, {"detail", detail}});
}

ConsoleApi::ConsoleApi(std::string token, LaunchDefaults defaults, ConsoleState& state,
                       ConsoleCommands& commands)
    : token_(std::move(token)),
      defaults_(std::move(defaults)),
      state_(state),
      commands_(commands) {}

std::optional<Response> ConsoleApi::refuse(const Request& request, std::string_view query) const {
  const std::string_view host = header(request, http::field::host);
  if (host.empty()) return json_error(http::status::bad_request, "no_host", "send a Host header");
  if (!token_.empty()) {
    std::optional<std::string> presented;
    if (auto b = bearer(header(request, http::field::authorization))) {
      presented = std::string(*b);
    } else if (auto c = cookie(header(request, http::field::cookie), kCookie)) {
      presented = std::string(*c);
    } else {
      presented = query_param(query, "token");
    }
    if (!presented) {
      Response res = json_error(http::status::unauthorized, "unauthorized",
                                "send Authorization: Bearer <token>, or open the console at "
                                "/?token=<token> (the --ui-token-file's token)");
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    if (!token_equal(token_, *presented)) {
      return json_error(http::status::forbidden, "forbidden", "the token is not valid");
    }
  } else if (!loopback_host(host)) {
    return json_error(http::status::forbidden, "forbidden_host",
                      "without --ui-token-file the console answers only to a loopback Host "
                      "(127.0.0.1, localhost, [::1])");
  }
  if (request.method() == http::verb::post) {
    const std::string_view origin = header(request, http::field::origin);
    if (!origin.empty() && origin != "http://" + std::string(host)) {
      return json_error(http::status::forbidden, "cross_origin",
                        "the console takes commands only from its own page");
    }
    if (!header(request, http::field::content_type).starts_with("application/json")) {
      return json_error(http::status::unsupported_media_type, "unsupported_media_type",
                        "send the body as application/json");
    }
  }
  return std::nullopt;
}

ConsoleReply ConsoleApi::handle(const Request& request) const {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  ConsoleReply reply;
  if (auto refusal = refuse(request, query)) {
    reply.response = std::move(*refusal);
    return reply;
  }
  reply.response = route(request, path, reply);
  // A token that came on the URL becomes the page's cookie, so its scripts, EventSource and
  // report links authenticate without the token appearing in any later URL.
  if (!token_.empty() && query_param(query, "token") && reply.response.result_int() < 400) {
    reply.response.set(http::field::set_cookie,
                       std::string(kCookie) + "=" + token_ + "; Path=/; HttpOnly; SameSite=Strict");
  }
  return reply;
}

Response ConsoleApi::route(const Request& request, std::string_view path,
                           ConsoleReply& reply) const {
  const auto method = request.method();
  const bool get = method == http::verb::get;
  const bool post = method == http::verb::post;
  if (path == "/" || path.starts_with("/assets/")) {
    if (!get) return method_not_allowed("GET");
    const WebAsset* asset = find_web_asset(path == "/" ? "/index.html" : path);
    if (!asset) return json_error(http::status::not_found, "not_found", "no such asset");
    Response res =
        plain_response(http::status::ok, asset->content_type, std::string(asset->body()));
    res.set("Content-Security-Policy", kPagePolicy);
    return res;
  }
  if (path == "/api/state") {
    if (!get) return method_not_allowed("GET");
    return json_response(http::status::ok, state_json());
  }
  if (path == "/api/agents") {
    if (!get) return method_not_allowed("GET");
    json::object snap = state_.snapshot();
    return json_response(http::status::ok, json::object{{"agents", snap["agents"]}});
  }
  if (path == "/api/events") {
    if (!get) return method_not_allowed("GET");
    reply.event_stream = true;
    Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-store");
    return res;
  }
  if (path == "/api/runs") {
    if (get) return json_response(http::status::ok, json::object{{"runs", state_.runs()}});
    if (post) return launch(request);
    return method_not_allowed("GET, POST");
  }
  if (path.starts_with("/api/runs/")) {
    if (!get) return method_not_allowed("GET");
    return run_route(request, path.substr(10));
  }
  if (path == "/api/abort") {
    if (!post) return method_not_allowed("POST");
    return abort_run();
  }
  if (path == "/api/reset") {
    if (!post) return method_not_allowed("POST");
    ConsoleReply r = reset(request);
    reply.deferred = std::move(r.deferred);
    return std::move(r.response);
  }
  return json_error(http::status::not_found, "not_found", "no such route");
}

json::object ConsoleApi::state_json() const {
  json::object o = state_.snapshot();
  o["defaults"] = json::object{
      {"target", defaults_.target},
      {"admin_url", defaults_.admin_url},
      {"stock_reset", !defaults_.admin_url.empty() && !defaults_.admin_token_file.empty()}};
  return o;
}

Response ConsoleApi::launch(const Request& request) const {
  auto form = json_body(request);
  if (!form) return json_error(http::status::bad_request, "malformed_json", form.error());
  const std::string run_id = new_run_id();
  auto plan = run_request_from_form(*form, defaults_, state_.live_agents(), run_id);
  if (!plan) return json_error(http::status::bad_request, "invalid_form", plan.error());
  if (auto claimed = state_.begin_run(plan->request, plan->label, plan->target); !claimed) {
    return json_error(http::status::conflict, "busy", claimed.error());
  }
  commands_.launch(plan->request);
  return json_response(http::status::accepted,
                       json::object{{"run_id", run_id}, {"label", plan->label}});
}

Response ConsoleApi::abort_run() const {
  if (!state_.run_active()) {
    return json_error(http::status::conflict, "no_run", "no run is in progress");
  }
  commands_.abort("from the web console");
  return json_response(http::status::accepted, json::object{{"abort", "requested"}});
}

ConsoleReply ConsoleApi::reset(const Request& request) const {
  ConsoleReply reply;
  auto body = json_body(request);
  if (!body) {
    reply.response = json_error(http::status::bad_request, "malformed_json", body.error());
    return reply;
  }
  const json::value* stock = body->if_contains("stock");
  if (!stock || !stock->is_int64() || stock->get_int64() < 0 ||
      stock->get_int64() > (int64_t{1} << 40)) {
    reply.response =
        json_error(http::status::bad_request, "invalid_form", "stock must be a whole number >= 0");
    return reply;
  }
  if (defaults_.admin_url.empty() || defaults_.admin_token_file.empty()) {
    reply.response = json_error(http::status::conflict, "no_admin",
                                "the console was started without --ui-admin-url and "
                                "--ui-admin-token-file, so it cannot reset the target");
    return reply;
  }
  // Resetting under a run would change the stock the oracle reconciles against.
  if (state_.run_active()) {
    reply.response = json_error(http::status::conflict, "busy", "a run is in progress");
    return reply;
  }
  reply.deferred = [admin = defaults_.admin_url, token_file = defaults_.admin_token_file,
                    n = stock->get_int64()]() -> Response {
    auto url = HttpUrl::parse(admin);
    if (!url) return json_error(http::status::bad_gateway, "reset_failed", url.error());
    url->target = "/admin/reset";
    auto token = read_token_file(token_file);
    if (!token) {
      return json_error(http::status::bad_gateway, "reset_failed",
                        "the admin token: " + token.error());
    }
    HttpCallOptions options;
    options.body = json::serialize(json::object{{"product_id", 1}, {"stock", n}});
    options.headers.emplace_back("Authorization", "Bearer " + *token);
    options.timeout = std::chrono::seconds(5);
    options.body_limit = 64 * 1024;
    auto answer = http_call("POST", *url, options);
    if (!answer) return json_error(http::status::bad_gateway, "reset_failed", answer.error());
    if (answer->status != 200) {
      return json_error(http::status::bad_gateway, "reset_failed",
                        "the target answered " + std::to_string(answer->status) + ": " +
                            answer->body.substr(0, 200));
    }
    return plain_response(http::status::ok, "application/json", std::move(answer->body));
  };
  return reply;
}

Response ConsoleApi::run_route(const Request& request, std::string_view rest) const {
  const size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view what =
      slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  auto record = state_.run(id);
  if (!record) return json_error(http::status::not_found, "not_found", "no such run");
  if (what.empty()) return json_response(http::status::ok, ConsoleState::record_json(*record));
  if (what != "report.json" && what != "report.html") {
    return json_error(http::status::not_found, "not_found", "no such route");
  }
  if (!record->report) {
    return json_error(
        http::status::not_found, "no_report",
        record->verdict == "running" ? "the run is still going" : "the run ended without a report");
  }
  if (what == "report.json") return json_response(http::status::ok, to_json(*record->report));
  // The console sets no expectations beyond the default one, that integrity holds, so the page
  // names each violation instead of claiming that every expectation held.
  std::string html =
      render_html(*record->report, unmet_expectations(*record->report, Expectations{}));
  Response res = plain_response(http::status::ok, "text/html; charset=utf-8", std::move(html));
  res.set("Content-Security-Policy", kReportPolicy);
  return res;
}

EventCursor ConsoleApi::start_cursor(const Request& request) const {
  EventCursor cursor;
  cursor.finished = state_.finished_count();
  const std::string_view last = header(request, std::string_view("Last-Event-ID"));
  const size_t dot = last.find('.');
  uint64_t s = 0, f = 0;
  if (dot != std::string_view::npos &&
      std::from_chars(last.data(), last.data() + dot, s).ec == std::errc() &&
      std::from_chars(last.data() + dot + 1, last.data() + last.size(), f).ec == std::errc()) {
    cursor.sample_seq = s;
    cursor.finished = std::min(f, cursor.finished);
  }
  return cursor;
}

std::string ConsoleApi::events(EventCursor& cursor) const {
  json::object update = state_json();
  json::array samples = state_.samples_after(cursor.sample_seq);
  if (!samples.empty()) cursor.sample_seq = samples.back().at("seq").to_number<uint64_t>();
  update["samples"] = std::move(samples);
  const auto finished = state_.finished_after(cursor.finished);
  const std::string id =
      "id: " + std::to_string(cursor.sample_seq) + "." + std::to_string(cursor.finished) + "\n";
  std::string out = id + "event: update\ndata: " + json::serialize(update) + "\n\n";
  for (const auto& record : finished) {
    out +=
        id + "event: verdict\ndata: " + json::serialize(ConsoleState::record_json(record)) + "\n\n";
  }
  return out;
}

}  // namespace stampede::coordinator::ui
