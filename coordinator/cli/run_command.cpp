// The run client: validation, the control-socket conversation, progress, report and exit code.
#include "coordinator/cli/run_command.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "agent/control/agent_loop.hpp"
#include "common/atomic_file.hpp"
#include "common/descriptor_budget.hpp"
#include "common/duration.hpp"
#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/printable.hpp"
#include "common/token_file.hpp"
#include "common/url.hpp"
#include "coordinator/cli/client_security.hpp"
#include "coordinator/daemon/coordinator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"
#include "coordinator/metrics/pushgateway.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/report/report.hpp"
#include "coordinator/report/summary_writers.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
std::atomic<bool> g_interrupted{false};
void on_interrupt(int) {
  g_interrupted.store(true);
}

void show_update(const v1::RunUpdate& u, bool tty) {
  std::ostringstream line;
  if (!u.endpoint().empty()) {
    const auto& c = u.counts();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", u.rate_rps());
    line << "[" << u.phase() << "/" << u.phases() << " " << printable(u.endpoint(), 64)
         << "] attempts " << c.attempts() << "  ok " << c.ok() << "  fail " << c.fail() << "  info "
         << c.info() << "  " << rate << " req/s";
    if (u.window_attempts() != 0) {
      char lat[64];
      std::snprintf(lat, sizeof lat, "  p50 %.1f ms  p99 %.1f ms", u.window_p50_ms(),
                    u.window_p99_ms());
      line << lat;
    }
    if (u.has_stock_left()) line << "  stock left " << u.stock_left();
    line << "  agents " << u.agents();
  }
  if (!u.note().empty()) line << (line.tellp() > 0 ? "  " : "") << printable(u.note(), 512);
  if (line.tellp() == 0) return;
  if (tty) {
    std::cerr << "\r\033[K" << line.str() << std::flush;
  } else {
    std::cerr << line.str() << "\n";
  }
}

// Sends the request and waits for RunFinished, showing updates. Returns the exit code.
int converse(zmq::context_t& ctx, const std::string& endpoint, v1::RunRequest request,
             const RunFlags& flags) {
  // Named here, so that this CLI can find its run again on a coordinator that restarted.
  if (request.run_id().empty()) request.set_run_id(random_run_id());
  zmq::socket_t socket(ctx, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  apply_client_security(socket, endpoint);  // CURVE keys from main, if given
  HandshakeWatch handshakes(ctx, socket);
  socket.connect(endpoint);
  v1::Envelope env;
  *env.mutable_run_request() = request;
  send_envelope(socket, env);  // DEALER queues it until the connection is up

  const bool tty = isatty(STDERR_FILENO) && !flags.quiet;
  // Updates come every second while a run lives. Silence before the first word means nobody is
  // there; silence mid-run may be a coordinator restarting, which this CLI asks for its run
  // every second until the longer limit.
  const auto silence_limit = 15s;
  const auto reattach_after = 3s;
  const auto lost_limit = 60s;
  bool heard_any = false, said_waiting = false;
  auto last_heard = std::chrono::steady_clock::now();
  auto next_attach = last_heard;
  while (true) {
    if (g_interrupted.load()) {
      std::cerr << "\nstampede: interrupted\n";
      return 3;
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    poll_interruptible(&item, 1, 200ms);
    auto in = receive_envelope(socket, false);
    const auto now = std::chrono::steady_clock::now();
    if (in.status == RecvStatus::none) {
      if (auto refused = handshakes.poll(); refused && !heard_any) {
        // Refused before the run reached it: no run was started, and none will be.
        std::cerr << "stampede: " << *refused << "\n";
        return 3;
      }
      if (!heard_any && now - last_heard > silence_limit) {
        std::cerr << "stampede: coordinator " << endpoint << " not answering (no word for 15 s)\n";
        return 3;
      }
      if (heard_any && now - last_heard > lost_limit) {
        std::cerr << (tty ? "\n" : "") << "stampede: lost the coordinator " << endpoint
                  << " mid-run (no word for 60 s); run " << request.run_id() << " has no report\n";
        return 3;
      }
      if (heard_any && now - last_heard > reattach_after && now >= next_attach) {
        if (!said_waiting) {
          std::cerr << (tty ? "\n" : "") << "stampede: coordinator silent; asking for run "
                    << request.run_id() << " again until it answers (up to 60 s)\n";
          said_waiting = true;
        }
        v1::Envelope attach;
        attach.mutable_run_attach()->set_run_id(request.run_id());
        send_envelope(socket, attach);
        next_attach = now + 1s;
      }
      continue;
    }
    if (in.status == RecvStatus::malformed) continue;
    last_heard = now;
    heard_any = true;
    said_waiting = false;
    if (in.envelope.has_run_update()) {
      if (!flags.quiet) show_update(in.envelope.run_update(), tty);
      continue;
    }
    if (!in.envelope.has_run_finished()) continue;
    if (tty) std::cerr << "\n";
    const auto& fin = in.envelope.run_finished();
    boost::system::error_code ec;
    auto report = boost::json::parse(fin.report_json(), ec);
    if (!flags.report.empty() && !ec) {
      std::string error;
      if (!write_file_atomically(flags.report, boost::json::serialize(report) + "\n", 0644,
                                 error)) {
        std::cerr << "stampede: " << error << "\n";
        return 3;
      }
    }
    if (!ec && report.is_object() && !report.get_object().at("endpoints").get_array().empty()) {
      std::cout << render_table(report.get_object()) << std::flush;
    }
    if (fin.exit_code() != 0) {
      std::cerr << "stampede: " << printable(fin.message(), 1024) << "\n";
      return fin.exit_code();
    }
    if (ec || !report.is_object()) {
      std::cerr << "stampede: the coordinator sent an unreadable report\n";
      return 3;
    }
    const Expectations expectations = expectations_for(flags);
    const auto unmet = unmet_expectations(report.get_object(), expectations);
    for (const auto& ep : report.get_object().at("endpoints").get_array()) {
      const std::string name(ep.at("endpoint").get_string());
      const bool ok = ep.at("integrity").get_string() == "ok";
      if (!ok && expectations.expect_violated.count(name)) {
        std::cout << name << ": integrity violated, as expected: the oracle caught it\n";
      }
    }
    for (const auto& line : unmet) std::cout << "FAILED " << line << "\n";
    if (!flags.report.empty()) std::cout << "report written to " << flags.report << "\n";
    for (const auto& [path, text] :
         {std::pair{flags.markdown,
                    flags.markdown.empty() ? "" : render_markdown(report.get_object(), unmet)},
          std::pair{flags.html,
                    flags.html.empty() ? "" : render_html(report.get_object(), unmet)}}) {
      if (path.empty()) continue;
      std::string error;
      if (!write_file_atomically(path, text, 0644, error)) {
        std::cerr << "stampede: " << error << "\n";
        return 3;
      }
      std::cout << "summary written to " << path << "\n";
    }
    bool violated = false;
    for (const auto& ep : report.get_object().at("endpoints").get_array()) {
      violated = violated || ep.at("integrity").get_string() != "ok";
    }
    if (!flags.pushgateway.empty()) {
      const auto problem =
          push_run_metrics(flags.pushgateway, report.get_object(), violated ? "violated" : "ok");
      if (problem) {
        std::cerr << "stampede: " << *problem << "\n";
        // The metrics asked for are missing: an infrastructure failure unless the run failed.
        return unmet.empty() ? 3 : 1;
      }
      std::cout << "metrics pushed to " << flags.pushgateway << "\n";
    }
    return unmet.empty() ? 0 : 1;
  }
}

}  // namespace

void add_run_flags(CLI::App& sub, RunFlags& f) {
  sub.add_option("SCENARIO_FILE", f.scenario_file,
                 "Scenario in YAML or JSON (flags given win over it)")
      ->check(CLI::ExistingFile);
  sub.add_option("--coordinator", f.coordinator, "Coordinator's control socket")
      ->capture_default_str();
  sub.add_option("--max-p99-ms", f.max_p99_ms,
                 "Fail (exit 1) when an endpoint's p99 latency is above this")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--max-error-rate", f.max_error_rate,
                 "Fail (exit 1) when (errors + indeterminate) / attempts is above this")
      ->check(CLI::Range(0.0, 1.0));
  sub.add_option("--embedded", f.embedded,
                 "Start a coordinator with N local agents in this process")
      ->check(CLI::Range(1u, 256u));
  sub.add_option("--agent-threads", f.agent_threads, "Load threads per agent")
      ->check(CLI::Range(1u, 256u));
  sub.add_option("--metrics-bind", f.metrics_bind, "With --embedded: serve /metrics on IP:PORT");
  sub.add_option("--target", f.target, "Target base URL")->capture_default_str();
  sub.add_option("--endpoint", f.endpoints, "Endpoint label(s), run in order (buggy,unstable,safe)")
      ->delimiter(',');
  sub.add_option("--stock", f.stock,
                 "Reset the stock to N before each endpoint (needs --admin-url)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  sub.add_option("--users", f.users, "Virtual users across all agents")
      ->check(CLI::Range(1u, 10'000'000u))
      ->capture_default_str();
  sub.add_option("--requests", f.requests, "Purchase attempts per endpoint across all agents");
  sub.add_option("--duration", f.duration, "Run each endpoint this long (30s, 2m)");
  sub.add_option(
         "--rate", f.rate,
         "Open-loop arrivals per second across all agents; --users is then the connection pool")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--expect-agents", f.expect_agents, "Agents to wait for")->capture_default_str();
  sub.add_option("--agents-wait", f.agents_wait_s, "Seconds to wait for them")
      ->capture_default_str();
  sub.add_option("--report", f.report, "Write the JSON report here");
  sub.add_option("--markdown", f.markdown, "Write a Markdown summary here");
  sub.add_option("--html", f.html, "Write a self-contained HTML report (charts inline) here");
  sub.add_option("--pushgateway", f.pushgateway,
                 "Push the run's metrics to this Prometheus Pushgateway (http://HOST:PORT) once "
                 "it ends, grouped by job=stampede and run_id");
  sub.add_option("--method", f.method, "HTTP method")->capture_default_str();
  sub.add_option("--path", f.path, "Request path (${endpoint}, ${user_id}, ${key} are filled)");
  sub.add_option("--header", f.headers, "Extra header K:V (repeatable)");
  sub.add_option("--body", f.body, "Body template with ${user_id} and ${key}");
  sub.add_option("--sold-out-status", f.sold_out_statuses, "Statuses meaning sold out")
      ->delimiter(',');
  sub.add_option("--order-id-field", f.order_id_field, "JSON field of the success body")
      ->capture_default_str();
  sub.add_option("--stock-url", f.stock_url, "GET URL giving the stock (read before and after)");
  sub.add_option("--stock-field", f.stock_field, "Field of --stock-url's JSON")
      ->capture_default_str();
  sub.add_option("--ledger-url", f.ledger_url,
                 "NDJSON ledger URL; without it ledger checks are skipped");
  sub.add_option("--admin-url", f.admin_url, "Target admin listener, for --stock resets");
  sub.add_option("--admin-token-file", f.admin_token_file, "File holding the admin bearer token");
  sub.add_option("--expect-violated", f.expect_violated,
                 "Endpoint whose integrity must be caught violated")
      ->delimiter(',');
  sub.add_option("--connect-timeout-ms", f.connect_timeout_ms)->capture_default_str();
  sub.add_option("--request-timeout-ms", f.request_timeout_ms)->capture_default_str();
  sub.add_option("--run-id", f.run_id, "Run id (default: random)");
  sub.add_option("--ramp", f.ramp, "Raise users (or the rate) linearly over this long (10s)");
  sub.add_option("--think-time", f.think_time,
                 "Closed loop: pause between a user's attempts (100ms)");
  sub.add_option("--retries", f.retries,
                 "Retry an indeterminate attempt with the same key this often")
      ->check(CLI::Range(0u, 20u));
  sub.add_option("--retry-backoff-ms", f.retry_backoff_ms, "First retry's backoff, doubling after")
      ->check(CLI::Range(0u, 60000u))
      ->capture_default_str();
  sub.add_flag("--quiet", f.quiet, "No live progress");
}

namespace {

// The scenario's phases, or one per endpoint; what a phase leaves out comes from the flags.
Expected<std::vector<v1::PhaseSpec>> build_phases(const RunFlags& f, bool bundled) {
  std::vector<ScenarioPhase> given = f.phases;
  if (given.empty()) {
    std::vector<std::string> endpoints = f.endpoints;
    if (endpoints.empty()) {
      endpoints = bundled ? std::vector<std::string>{"buggy", "unstable", "safe"}
                          : std::vector<std::string>{"checkout"};
    }
    for (const auto& e : endpoints) {
      ScenarioPhase p;
      p.spec.set_endpoint(e);
      p.spec.set_stock(-1);
      given.push_back(std::move(p));
    }
  }
  uint32_t duration_ms = 0, ramp_ms = 0, think_ms = 0;
  for (auto [text, flag, out] : {std::tuple{&f.duration, "--duration", &duration_ms},
                                 std::tuple{&f.ramp, "--ramp", &ramp_ms},
                                 std::tuple{&f.think_time, "--think-time", &think_ms}}) {
    if (text->empty()) continue;
    auto ms = parse_duration_ms(*text);
    if (!ms) return unexpected(std::string(flag) + ": " + ms.error());
    *out = *ms;
  }
  std::vector<v1::PhaseSpec> out;
  for (const auto& p : given) {
    v1::PhaseSpec ph = p.spec;
    const std::string& e = ph.endpoint();
    if (e.empty() ||
        e.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
      return unexpected("endpoint '" + e + "': use lower-case letters, digits, '-' and '_'");
    }
    if (!ph.users()) ph.set_users(f.users);
    if (!ph.attempts() && !ph.duration_ms()) {
      ph.set_attempts(f.requests);
      ph.set_duration_ms(duration_ms);
    }
    if (!ph.attempts() && !ph.duration_ms()) {
      return unexpected(f.phases.empty() ? "give --requests N or --duration D"
                                         : "phase " + e + ": give requests or duration");
    }
    if (ph.rate_per_s() == 0) ph.set_rate_per_s(f.rate);
    if (ph.stock() < 0) ph.set_stock(f.stock);
    if (!ph.ramp_ms()) ph.set_ramp_ms(ramp_ms);
    if (!ph.think_time_ms()) ph.set_think_time_ms(think_ms);
    if (ph.rate_per_s() > 0 && ph.think_time_ms()) {
      return unexpected(
          "--think-time is for closed loop; with --rate the arrival rate sets the pace");
    }
    out.push_back(std::move(ph));
  }
  return out;
}

template <class T>
Expected<T> number_setting(const std::string& key, const std::string& text) {
  try {
    size_t pos = 0;
    const double v = std::stod(text, &pos);
    if (pos != text.size() || v < 0) throw std::invalid_argument(text);
    return static_cast<T>(v);
  } catch (const std::exception&) {
    return unexpected("scenario " + key + ": '" + text + "' is not a non-negative number");
  }
}

}  // namespace

Expected<bool> apply_scenario(RunFlags& f, const Scenario& scenario,
                              const std::function<bool(const std::string& flag)>& given) {
  f.scenario_name = scenario.name;
  f.phases = scenario.phases;
  for (const auto& [key, values] : scenario.settings) {
    std::string flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (given(flag) || values.empty()) continue;
    const std::string& v = values.front();
    auto set_number = [&](auto& field) -> Expected<bool> {
      auto n = number_setting<std::decay_t<decltype(field)>>(key, v);
      if (!n) return unexpected(n.error());
      field = *n;
      return true;
    };
    Expected<bool> ok = true;
    if (key == "target")
      f.target = v;
    else if (key == "admin_url")
      f.admin_url = v;
    else if (key == "admin_token_file")
      f.admin_token_file = v;
    else if (key == "method")
      f.method = v;
    else if (key == "path")
      f.path = v;
    else if (key == "body")
      f.body = v;
    else if (key == "order_id_field")
      f.order_id_field = v;
    else if (key == "stock_url")
      f.stock_url = v;
    else if (key == "stock_field")
      f.stock_field = v;
    else if (key == "ledger_url")
      f.ledger_url = v;
    else if (key == "report")
      f.report = v;
    else if (key == "duration")
      f.duration = v;
    else if (key == "ramp")
      f.ramp = v;
    else if (key == "think_time")
      f.think_time = v;
    else if (key == "header")
      f.headers = values;
    else if (key == "sold_out_status") {
      f.sold_out_statuses.clear();
      for (const auto& s : values) {
        auto n = number_setting<unsigned>(key, s);
        if (!n) return unexpected(n.error());
        f.sold_out_statuses.push_back(*n);
      }
    } else if (key == "expect_agents")
      ok = set_number(f.expect_agents);
    else if (key == "agents_wait")
      ok = set_number(f.agents_wait_s);
    else if (key == "connect_timeout_ms")
      ok = set_number(f.connect_timeout_ms);
    else if (key == "request_timeout_ms")
      ok = set_number(f.request_timeout_ms);
    else if (key == "retries")
      ok = set_number(f.retries);
    else if (key == "retry_backoff_ms")
      ok = set_number(f.retry_backoff_ms);
    else if (key == "agent_threads")
      ok = set_number(f.agent_threads);
    else if (key == "users")
      ok = set_number(f.users);
    else if (key == "requests")
      ok = set_number(f.requests);
    else if (key == "rate")
      ok = set_number(f.rate);
    else if (key == "stock")
      ok = set_number(f.stock);
    else if (key == "max_p99_ms")
      ok = set_number(f.max_p99_ms);
    else if (key == "max_error_rate")
      ok = set_number(f.max_error_rate);
    if (!ok) return ok;
  }
  return true;
}

Expectations expectations_for(const RunFlags& f) {
  Expectations e;
  e.expect_violated.insert(f.expect_violated.begin(), f.expect_violated.end());
  if (f.max_p99_ms >= 0) e.all.max_p99_ms = f.max_p99_ms;
  if (f.max_error_rate >= 0) e.all.max_error_rate = f.max_error_rate;
  for (const auto& p : f.phases) {
    if (p.expect_violated) e.expect_violated.insert(p.spec.endpoint());
    auto& limits = e.per_endpoint[p.spec.endpoint()];
    if (p.max_p99_ms) limits.max_p99_ms = p.max_p99_ms;
    if (p.max_error_rate) limits.max_error_rate = p.max_error_rate;
  }
  return e;
}

Expected<v1::RunRequest> build_run_request(const RunFlags& f) {
  v1::RunRequest r;
  auto target = HttpUrl::parse(f.target);
  if (!target) return unexpected("--target: " + target.error());
  if (!f.run_id.empty()) {
    for (char c : f.run_id) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        return unexpected("--run-id may hold only letters, digits, '-' and '_'");
      }
    }
  }
  r.set_run_id(f.run_id);
  r.set_scenario(f.scenario_name);
  const bool bundled = f.path.empty();
  auto* req = r.mutable_request();
  req->set_target_url(target->origin());
  req->set_method(f.method);
  req->set_order_id_field(f.order_id_field);
  req->set_connect_timeout_ms(f.connect_timeout_ms);
  req->set_request_timeout_ms(f.request_timeout_ms);
  for (unsigned s : f.sold_out_statuses) req->add_sold_out_statuses(s);
  if (f.sold_out_statuses.empty()) req->add_sold_out_statuses(409);
  const std::string base = target->origin();
  if (bundled) {
    // The bundled lab: design.md's routes, one product, idempotency key per attempt.
    req->set_path("/api/v1/checkout/${endpoint}");
    req->set_body_template(
        f.body.empty() ? R"({"product_id":1,"user_id":"${user_id}","quantity":1})" : f.body);
    auto* h = req->add_headers();
    h->set_name("Idempotency-Key");
    h->set_value("${key}");
    r.set_stock_url(f.stock_url.empty() ? base + "/api/v1/products/1" : f.stock_url);
    r.set_ledger_url(f.ledger_url.empty() ? base + "/api/v1/products/1/orders" : f.ledger_url);
  } else {
    req->set_path(f.path);
    req->set_body_template(f.body);
    r.set_stock_url(f.stock_url);
    r.set_ledger_url(f.ledger_url);
  }
  for (const auto& kv : f.headers) {
    auto colon = kv.find(':');
    if (colon == std::string::npos || colon == 0)
      return unexpected("--header '" + kv + "': want K:V");
    auto* h = req->add_headers();
    h->set_name(kv.substr(0, colon));
    std::string value = kv.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    h->set_value(value);
  }
  for (const auto* url : {&r.stock_url(), &r.ledger_url()}) {
    if (!url->empty()) {
      if (auto u = HttpUrl::parse(substitute(*url, "endpoint", "x")); !u)
        return unexpected(u.error());
    }
  }
  r.set_stock_field(f.stock_field);
  auto phases = build_phases(f, bundled);
  if (!phases) return unexpected(phases.error());
  bool any_reset = false;
  std::vector<std::string> endpoints;
  for (auto& ph : *phases) {
    any_reset = any_reset || ph.stock() >= 0;
    endpoints.push_back(ph.endpoint());
    r.add_endpoints(ph.endpoint());
    *r.add_phases() = std::move(ph);
  }
  r.set_max_retries(f.retries);
  r.set_retry_backoff_ms(f.retry_backoff_ms);
  r.set_expect_agents(f.embedded ? f.embedded : f.expect_agents);
  r.set_agents_wait_ms(f.agents_wait_s * 1000);
  r.set_stock(f.stock);
  r.set_agent_threads(f.agent_threads);
  r.set_product_id(1);
  if (any_reset) {
    if (f.admin_url.empty()) return unexpected("--stock resets the target and needs --admin-url");
    if (auto u = HttpUrl::parse(f.admin_url); !u) return unexpected("--admin-url: " + u.error());
    r.set_admin_url(f.admin_url);
    if (f.admin_token_file.empty())
      return unexpected("--stock needs --admin-token-file for the admin API");
    auto token = read_token_file(f.admin_token_file);
    if (!token) return unexpected("--admin-token-file: " + token.error());
    r.set_admin_token(*token);
  } else if (r.stock_url().empty()) {
    return unexpected(
        "the oracle needs the starting stock: give --stock (with --admin-url) or --stock-url");
  }
  for (const auto& e : f.expect_violated) {
    if (std::find(endpoints.begin(), endpoints.end(), e) == endpoints.end()) {
      return unexpected("--expect-violated " + e + ": no such --endpoint in this run");
    }
  }
  return r;
}

int run_command(RunFlags flags, const CLI::App* sub) {
  if (!flags.scenario_file.empty()) {
    auto scenario = load_scenario_file(flags.scenario_file);
    if (!scenario) {
      std::cerr << "stampede run: " << scenario.error() << "\n";
      return 2;
    }
    auto given = [sub](const std::string& flag) {
      const CLI::Option* opt = sub ? sub->get_option_no_throw(flag) : nullptr;
      return opt && opt->count() > 0;
    };
    if (auto ok = apply_scenario(flags, *scenario, given); !ok) {
      std::cerr << "stampede run: " << ok.error() << "\n";
      return 2;
    }
  }
  auto request = build_run_request(flags);
  if (!request) {
    std::cerr << "stampede run: " << request.error() << "\n";
    return 2;
  }
  if (!flags.pushgateway.empty()) {
    if (auto problem = check_pushgateway_url(flags.pushgateway)) {
      std::cerr << "stampede run: " << *problem << "\n";
      return 2;
    }
  }
  // Where the run's figures go is checked before it starts: a report that cannot be written at
  // the end is a run lost.
  for (const auto& [flag, path] :
       {std::pair{"--report", &flags.report}, std::pair{"--markdown", &flags.markdown},
        std::pair{"--html", &flags.html}}) {
    if (path->empty()) continue;
    if (auto problem = output_path_problem(*path); !problem.empty()) {
      std::cerr << "stampede run: " << flag << " " << *path << ": " << problem << "\n";
      return 2;
    }
  }
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  zmq::context_t ctx;
  if (flags.embedded == 0) return converse(ctx, flags.coordinator, *request, flags);

  // Embedded: the same coordinator and agents, over inproc sockets in this process, whose
  // descriptors every user's connection comes out of.
  const DescriptorBudget budget = raise_descriptor_limit();
  for (const auto& phase : request->phases()) {
    if (phase.users() > budget.connections) {
      std::cerr << "stampede run: --users " << phase.users()
                << " with --embedded: " << budget.explain(phase.users()) << "\n";
      return 2;
    }
  }
  std::unique_ptr<CoordinatorMetrics> metrics;
  if (!flags.metrics_bind.empty()) {
    metrics = std::make_unique<CoordinatorMetrics>();
    try {
      metrics->serve(flags.metrics_bind);
    } catch (const std::exception& e) {
      std::cerr << "stampede run: --metrics-bind " << flags.metrics_bind << ": " << e.what()
                << "\n";
      return 2;
    }
  }
  CoordinatorOptions options;
  options.agents_bind = "inproc://agents";
  options.control_bind = "inproc://control";
  options.log = false;
  Coordinator coordinator(ctx, options, metrics.get());
  coordinator.bind();
  std::atomic<bool> stop{false};
  std::thread coordinator_thread([&] { coordinator.serve(stop); });
  std::vector<std::unique_ptr<agent::AgentLoop>> agents;
  std::vector<std::thread> agent_threads;
  for (unsigned i = 0; i < flags.embedded; ++i) {
    agent::AgentOptions ao;
    ao.coordinator = "inproc://agents";
    ao.name = "embedded-" + std::to_string(i + 1);
    ao.threads = flags.agent_threads ? flags.agent_threads : 1;
    ao.log = false;
    // In-process agents answer only this process's coordinator, aimed by the user right here.
    ao.limits = agent::JobLimits::anywhere();
    ao.limits.max_connections = budget.connections;
    ao.limits.descriptor_limit = budget.limit;
    agents.push_back(std::make_unique<agent::AgentLoop>(ctx, ao));
  }
  for (auto& a : agents) agent_threads.emplace_back([&stop, &a] { a->run(stop); });
  const int code = converse(ctx, "inproc://control", *request, flags);
  stop.store(true);
  for (auto& t : agent_threads) t.join();
  coordinator_thread.join();
  return code;
}

}  // namespace stampede::coordinator
