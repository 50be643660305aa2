// The table of run settings and the checks behind it. One entry a setting: adding a setting is
// adding a line here, and every adapter (flags, scenario, form, wire) picks it up.
#include "coordinator/spec/run_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/duration.hpp"
#include "common/url.hpp"
#include "coordinator/spec/value_checks.hpp"

namespace stampede::coordinator {
namespace {

using Kind = SettingBounds::Kind;
constexpr unsigned kAnywhere = kFlag | kScenario | kPhase | kForm;
constexpr uint64_t kMaxRequests = uint64_t{1} << 40;
constexpr int64_t kMaxStock = int64_t{1} << 40;
constexpr double kDayMs = 86'400'000;

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

Expected<uint64_t> parse_count(std::string_view text, double min, double max) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  // Digits only: no sign (strtoull would read -5 as 2^64-5), no exponent, nothing after.
  const bool digits = !text.empty() && text.front() >= '0' && text.front() <= '9';
  if (!digits || ec != std::errc{} || end != text.data() + text.size() ||
      static_cast<double>(v) < min || static_cast<double>(v) > max) {
    return unexpected("must be a whole number from " + number_text(min) + " to " +
                      number_text(max) + ", not " + quoted(text));
  }
  return v;
}

Expected<double> parse_number(std::string_view text, double min, double max) {
  const std::string copy(text);
  char* end = nullptr;
  const double v = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(v) || v < min ||
      v > max) {
    return unexpected("must be a number from " + number_text(min) + " to " + number_text(max) +
                      ", not " + quoted(text));
  }
  return v;
}

Expected<uint64_t> parse_duration(std::string_view text, double min, double max) {
  auto ms = parse_duration_ms(std::string(text));
  if (!ms || *ms < min || *ms > max) {
    return unexpected("must be a duration such as 500ms, 30s or 2m, from " + number_text(min) +
                      " ms to 24h, not " + quoted(text));
  }
  return uint64_t{*ms};
}

// What each kind of text must look like; "" when it does.
using Check = std::string (*)(std::string_view);

std::string label(std::string_view s) {
  const bool ok = !s.empty() && s.size() <= 64 &&
                  s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == s.npos;
  return ok ? "" : "use 1 to 64 lower-case letters, digits, '-' and '_', not " + quoted(s);
}

std::string run_id_chars(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return "may hold only letters, digits, '-' and '_'";
    }
  }
  return s.size() <= 64 ? "" : "is over 64 characters";
}

std::string http_url(std::string_view s) {
  // ${endpoint} is filled per phase; any label in its place must still make a URL.
  auto url = HttpUrl::parse(substitute(s, "endpoint", "x"));
  return url ? "" : url.error();
}

std::string host_port(std::string_view s) {
  auto hp = HostPort::parse(s);
  return hp ? "" : hp.error();
}

std::string zmq_endpoint(std::string_view s) {
  for (const char* scheme : {"tcp://", "ipc://", "inproc://"}) {
    if (s.starts_with(scheme) && s.size() <= 1024) return "";
  }
  return "want tcp://HOST:PORT, not " + quoted(s);
}

std::string match_text(std::string_view s) {
  return !s.empty() && s.size() <= 256 ? "" : "want 1 to 256 characters of body text";
}

std::string session_mode(std::string_view s) {
  return s == "reuse" || s == "fresh" ? "" : "want reuse or fresh, not " + quoted(s);
}

std::string path_text(std::string_view s) {
  return !s.empty() && s.size() <= 4096 ? "" : "want a file path";
}

std::string data_mode_word(std::string_view s) {
  return s == "unique" || s == "cycle" ? "" : "want unique or cycle, not " + quoted(s);
}

std::string body_text(std::string_view s) {
  return s.size() <= 64 * 1024 ? "" : "the body template is over 64 KiB";
}

// --- Setting factories: each captures where its value lands and how it is checked ---

Setting base(std::string_view name, std::string_view help, std::string_view default_text,
             unsigned sources) {
  Setting s;
  s.name = name;
  s.help = help;
  s.default_text = default_text;
  s.sources = sources;
  return s;
}

Setting run_count(std::string_view name, std::string_view help, std::string_view default_text,
                  unsigned sources, double min, double max, uint64_t RunSettings::*field) {
  Setting s = base(name, help, default_text, sources);
  s.bounds = {Kind::count, min, max};
  s.apply = [min, max, field](RunSettings& run, PhaseSettings*, std::string_view text) {
    auto v = parse_count(text, min, max);
    if (!v) return Expected<bool>(unexpected(v.error()));
    run.*field = *v;
    return Expected<bool>(true);
  };
  return s;
}

template <class T, class Parse>
Setting phase_value(std::string_view name, std::string_view help, std::string_view default_text,
                    unsigned sources, SettingBounds bounds, std::optional<T> PhaseSettings::*field,
                    Parse parse) {
  Setting s = base(name, help, default_text, sources);
  s.bounds = bounds;
  s.apply = [bounds, field, parse](RunSettings& run, PhaseSettings* phase, std::string_view text) {
    auto v = parse(text, bounds.min, bounds.max);
    if (!v) return Expected<bool>(unexpected(v.error()));
    (phase ? *phase : run.all).*field = static_cast<T>(*v);
    return Expected<bool>(true);
  };
  return s;
}

Setting run_text(std::string_view name, std::string_view help, std::string_view default_text,
                 unsigned sources, std::string RunSettings::*field, Check check) {
  Setting s = base(name, help, default_text, sources);
  s.apply = [field, check](RunSettings& run, PhaseSettings*, std::string_view text) {
    if (auto problem = check(text); !problem.empty()) {
      return Expected<bool>(unexpected(problem));
    }
    run.*field = std::string(text);
    return Expected<bool>(true);
  };
  return s;
}

Setting run_list(std::string_view name, std::string_view help, unsigned sources, bool comma,
                 size_t max_items, std::vector<std::string> RunSettings::*field, Check check) {
  Setting s = base(name, help, "", sources);
  s.list = true;
  s.comma_list = comma;
  s.apply = [field, check, max_items](RunSettings& run, PhaseSettings*, std::string_view text) {
    if (auto problem = check(text); !problem.empty()) {
      return Expected<bool>(unexpected(problem));
    }
    if ((run.*field).size() >= max_items) {
      return Expected<bool>(unexpected("at most " + std::to_string(max_items) + " values"));
    }
    (run.*field).emplace_back(text);
    return Expected<bool>(true);
  };
  return s;
}

// A switch: on the command line a flag without a value, elsewhere true or false.
Setting switch_setting(std::string_view name, std::string_view help, unsigned sources,
                       bool RunSettings::*field) {
  Setting s = base(name, help, "", sources);
  s.is_flag = true;
  s.apply = [field](RunSettings& run, PhaseSettings*, std::string_view text) {
    if (text != "true" && text != "false" && text != "1" && text != "0") {
      return Expected<bool>(unexpected("must be true or false, not " + quoted(text)));
    }
    run.*field = text == "true" || text == "1";
    return Expected<bool>(true);
  };
  return s;
}

// A list of HTTP statuses, given again or comma-separated.
Setting status_list(std::string_view name, std::string_view help,
                    std::vector<uint64_t> RunSettings::*field) {
  Setting s = base(name, help, "", kFlag | kScenario);
  s.list = true;
  s.comma_list = true;
  s.bounds = {Kind::count, 100, 599};
  s.apply = [field](RunSettings& run, PhaseSettings*, std::string_view text) {
    auto v = parse_count(text, 100, 599);
    if (!v) return Expected<bool>(unexpected(v.error()));
    if ((run.*field).size() >= 32) return Expected<bool>(unexpected("at most 32 statuses"));
    (run.*field).push_back(*v);
    return Expected<bool>(true);
  };
  return s;
}

// The load, per phase or for the whole run.
void add_load_settings(std::vector<Setting>& t) {
  Setting endpoint = base("endpoint",
                          "Endpoint label(s), run in order as phases (buggy,unstable,safe); "
                          "${endpoint} in the path and URLs",
                          "", kAnywhere);
  endpoint.list = true;
  endpoint.comma_list = true;
  endpoint.apply = [](RunSettings& run, PhaseSettings* phase, std::string_view text) {
    if (auto problem = label(text); !problem.empty()) return Expected<bool>(unexpected(problem));
    if (phase) {
      phase->endpoint = std::string(text);
    } else if (run.endpoints.size() >= 64) {
      return Expected<bool>(unexpected("at most 64 endpoints"));
    } else {
      run.endpoints.emplace_back(text);
    }
    return Expected<bool>(true);
  };
  t.push_back(endpoint);
  t.push_back(phase_value("users", "Virtual users across all agents", "100", kAnywhere,
                          {Kind::count, 1, 10'000'000}, &PhaseSettings::users, parse_count));
  t.push_back(phase_value("requests", "Purchase attempts per endpoint across all agents", "",
                          kAnywhere, {Kind::count, 1, static_cast<double>(kMaxRequests)},
                          &PhaseSettings::requests, parse_count));
  t.push_back(phase_value("duration", "Run each endpoint this long (30s, 2m)", "", kAnywhere,
                          {Kind::duration, 1, kDayMs}, &PhaseSettings::duration_ms,
                          parse_duration));
  t.push_back(phase_value(
      "rate",
      "Open-loop arrivals per second across all agents (0: closed loop); --users is then the "
      "connection pool",
      "", kAnywhere, {Kind::number, 0, 1e8}, &PhaseSettings::rate, parse_number));
  t.push_back(phase_value(
      "stock", "Reset the stock to N before each endpoint (needs --admin-url); unset: read it", "",
      kAnywhere, {Kind::count, 0, static_cast<double>(kMaxStock)}, &PhaseSettings::stock,
      parse_count));
  t.push_back(phase_value("ramp", "Raise users (or the rate) linearly over this long (10s)", "",
                          kFlag | kScenario | kPhase, {Kind::duration, 1, kDayMs},
                          &PhaseSettings::ramp_ms, parse_duration));
  t.push_back(phase_value("think_time", "Closed loop: pause between a user's attempts (100ms)", "",
                          kFlag | kScenario | kPhase, {Kind::duration, 1, kDayMs},
                          &PhaseSettings::think_time_ms, parse_duration));
  t.push_back(phase_value("per_user_limit",
                          "Units one buyer (user id) may get; more is a violation "
                          "(over_limit_users); 0: not checked",
                          "", kAnywhere, {Kind::count, 0, 1'000'000},
                          &PhaseSettings::per_user_limit, parse_count));
  Setting flow = base("flow",
                      "A journey of steps instead of one request (scenario files and the "
                      "console's form; design.md, Journeys)",
                      "", kScenario | kPhase | kForm);
  flow.apply = [](RunSettings& run, PhaseSettings* phase, std::string_view text) {
    auto steps = parse_flow(text);
    if (!steps) return Expected<bool>(unexpected(steps.error()));
    (phase ? *phase : run.all).flow = std::move(*steps);
    return Expected<bool>(true);
  };
  t.push_back(flow);
  Setting expect =
      base("expect", "What the phase must show: hold (default) or violated", "", kPhase);
  expect.apply = [](RunSettings&, PhaseSettings* phase, std::string_view text) {
    if (!phase || (text != "hold" && text != "violated")) {
      return Expected<bool>(unexpected("must be 'hold' or 'violated', not " + quoted(text)));
    }
    phase->expect_violated = text == "violated";
    return Expected<bool>(true);
  };
  t.push_back(expect);
  t.push_back(phase_value("max_p99_ms",
                          "Fail (exit 1) when an endpoint's p99 latency is above this", "",
                          kFlag | kScenario | kPhase, {Kind::number, 0, 3.6e6},
                          &PhaseSettings::max_p99_ms, parse_number));
  t.push_back(phase_value("max_error_rate",
                          "Fail (exit 1) when (errors + indeterminate) / attempts is above this",
                          "", kFlag | kScenario | kPhase, {Kind::number, 0, 1},
                          &PhaseSettings::max_error_rate, parse_number));
}

// The target and what its answers mean.
void add_target_settings(std::vector<Setting>& t) {
  t.push_back(run_text("target", "Target base URL", "http://127.0.0.1:8080",
                       kFlag | kScenario | kForm, &RunSettings::target, http_url));
  t.push_back(run_text("method", "HTTP method", "POST", kFlag | kScenario, &RunSettings::method,
                       method_token));
  t.push_back(run_text("path", "Request path (${endpoint}, ${user_id}, ${key} are filled)", "",
                       kFlag | kScenario, &RunSettings::path, request_path));
  t.push_back(run_list("header", "Extra header K:V (repeatable)", kFlag | kScenario, false, 64,
                       &RunSettings::headers, header_line));
  t.push_back(run_text("body", "Body template with ${user_id}, ${key} and ${column}", "",
                       kFlag | kScenario, &RunSettings::body, body_text));
  t.push_back(run_text("data",
                       "Per-user data: CSV with a header row, or NDJSON; each column a ${column} "
                       "placeholder, a user_id column the buyer's id",
                       "", kFlag | kScenario, &RunSettings::data, path_text));
  t.push_back(run_text("data_mode",
                       "unique: each user its own row (more users than rows is refused); cycle: "
                       "rows reused in order",
                       "unique", kFlag | kScenario, &RunSettings::data_mode, data_mode_word));
  t.push_back(status_list("sold_out_status", "Statuses meaning sold out (default 409)",
                          &RunSettings::sold_out_statuses));
  t.push_back(run_list("sold_out_match",
                       "Text a sold-out answer's body must contain (repeatable), for services "
                       "whose sold-out status also means other refusals",
                       kFlag | kScenario, false, 16, &RunSettings::sold_out_match, match_text));
  t.push_back(status_list("success_status", "Statuses meaning a sale (default any 2xx)",
                          &RunSettings::success_statuses));
  t.push_back(run_text("order_id_field",
                       "JSON field of the success body holding the order id; none: sales "
                       "carry no id",
                       "order_id", kFlag | kScenario, &RunSettings::order_id_field, json_field));
  t.push_back(run_text("remaining_field",
                       "JSON field of the success body holding the stock left after that sale "
                       "(the buyers' evidence; the bundled lab's: remaining)",
                       "", kFlag | kScenario, &RunSettings::remaining_field, json_field));
  t.push_back(run_text("stock_url", "GET URL giving the stock (read before and after)", "",
                       kFlag | kScenario, &RunSettings::stock_url, http_url));
  t.push_back(run_text("stock_field", "Field of --stock-url's JSON", "stock", kFlag | kScenario,
                       &RunSettings::stock_field, json_field));
  t.push_back(run_text("ledger_url", "NDJSON ledger URL; without it ledger checks are skipped", "",
                       kFlag | kScenario, &RunSettings::ledger_url, http_url));
  t.push_back(run_text("admin_url", "Target admin listener, for --stock resets", "",
                       kFlag | kScenario, &RunSettings::admin_url, http_url));
  t.push_back(run_text("admin_token_file", "File holding the admin bearer token", "",
                       kFlag | kScenario, &RunSettings::admin_token_file, path_text));
  t.push_back(run_text("ca_file",
                       "PEM bundle of CAs trusted for https:// URLs (default: the "
                       "system's store)",
                       "", kFlag | kScenario, &RunSettings::ca_file, path_text));
  t.push_back(switch_setting("insecure", "Do not verify https:// peers (the report says so)",
                             kFlag | kScenario, &RunSettings::insecure));
  t.push_back(run_text("client_cert", "PEM client certificate for https:// peers (mutual TLS)", "",
                       kFlag | kScenario, &RunSettings::client_cert, path_text));
  t.push_back(run_text("client_key", "PEM key of --client-cert", "", kFlag | kScenario,
                       &RunSettings::client_key, path_text));
  t.push_back(run_text("tls_sessions",
                       "reuse: a reconnecting user resumes its TLS session; "
                       "fresh: a full handshake every time",
                       "reuse", kFlag | kScenario, &RunSettings::tls_sessions, session_mode));
  t.push_back(switch_setting("connection_per_attempt",
                             "Close the connection after each attempt: every buyer arrives new",
                             kFlag | kScenario, &RunSettings::connection_per_attempt));
  t.push_back(run_count("connect_timeout_ms", "Connect deadline per attempt", "3000",
                        kFlag | kScenario, 1, 600'000, &RunSettings::connect_timeout_ms));
  t.push_back(run_count("request_timeout_ms", "Answer deadline per attempt", "10000",
                        kFlag | kScenario, 1, 3'600'000, &RunSettings::request_timeout_ms));
  t.push_back(run_count("retries", "Retry an indeterminate attempt with the same key this often",
                        "0", kFlag | kScenario, 0, 20, &RunSettings::retries));
  t.push_back(run_count("retry_backoff_ms", "First retry's backoff, doubling after", "50",
                        kFlag | kScenario, 0, 60'000, &RunSettings::retry_backoff_ms));
}

// The agents, what the run must show, and where its figures go.
void add_agent_and_output_settings(std::vector<Setting>& t) {
  t.push_back(run_count("expect_agents", "Agents to wait for", "1", kFlag | kScenario | kForm, 1,
                        10'000, &RunSettings::expect_agents));
  t.push_back(run_count("agents_wait", "Seconds to wait for them", "30", kFlag | kScenario, 1, 3600,
                        &RunSettings::agents_wait_s));
  t.push_back(run_count("agent_threads", "Load threads per agent (default: the agent's own)", "",
                        kFlag | kScenario, 1, 256, &RunSettings::agent_threads));

  t.push_back(run_list("expect_violated", "Endpoint whose integrity must be caught violated", kFlag,
                       true, 64, &RunSettings::expect_violated, label));
  t.push_back(run_text("report", "Write the JSON report here", "", kFlag | kScenario,
                       &RunSettings::report, path_text));
  t.push_back(run_text("markdown", "Write a Markdown summary here", "", kFlag | kScenario,
                       &RunSettings::markdown, path_text));
  t.push_back(run_text("html", "Write a self-contained HTML report (charts inline) here", "",
                       kFlag | kScenario, &RunSettings::html, path_text));
  t.push_back(run_text("pushgateway",
                       "Push the run's metrics to this Prometheus Pushgateway (http://HOST:PORT) "
                       "once it ends, grouped by job=stampede and run_id",
                       "", kFlag | kScenario, &RunSettings::pushgateway, http_url));

  t.push_back(run_text("baseline",
                       "A report (--report of an earlier run) this run must keep up with: exit 1 "
                       "when an endpoint's throughput fell or its p99 rose by more than "
                       "--max-regression",
                       "", kFlag | kScenario, &RunSettings::baseline, path_text));
  Setting regression =
      base("max_regression", "How far from --baseline a run may fall, in per cent (10 or 10%)",
           "10%", kFlag | kScenario);
  regression.bounds = {Kind::number, 0, 1000};
  regression.apply = [](RunSettings& run, PhaseSettings*, std::string_view text) {
    std::string_view number = text;
    if (number.ends_with('%')) number.remove_suffix(1);
    auto v = parse_number(number, 0, 1000);
    if (!v) {
      return Expected<bool>(unexpected("must be a percentage from 0 to 1000, not " + quoted(text)));
    }
    run.max_regression_pct = *v;
    return Expected<bool>(true);
  };
  t.push_back(regression);
}

// Where the run goes: a coordinator, or one in this process.
void add_where_settings(std::vector<Setting>& t) {
  t.push_back(run_text("run_id", "Run id (default: random)", "", kFlag, &RunSettings::run_id,
                       run_id_chars));
  t.push_back(run_text("coordinator", "Coordinator's control socket", "tcp://127.0.0.1:5556", kFlag,
                       &RunSettings::coordinator, zmq_endpoint));
  t.push_back(run_count("embedded", "Start a coordinator with N local agents in this process", "",
                        kFlag, 1, 256, &RunSettings::embedded));
  t.push_back(run_text("metrics_bind", "With --embedded: serve /metrics on IP:PORT", "", kFlag,
                       &RunSettings::metrics_bind, host_port));
  t.push_back(switch_setting("quiet", "No live progress", kFlag, &RunSettings::quiet));
}

std::vector<Setting> make_table() {
  std::vector<Setting> t;
  add_load_settings(t);
  add_target_settings(t);
  add_agent_and_output_settings(t);
  add_where_settings(t);
  return t;
}

}  // namespace

std::string Setting::flag() const {
  std::string out = "--" + std::string(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string Setting::bounds_text() const {
  switch (bounds.kind) {
    case Kind::none:
      return "";
    case Kind::duration:
      return number_text(bounds.min) + " ms to 24h";
    default:
      return number_text(bounds.min) + " to " + number_text(bounds.max);
  }
}

std::string Setting::help_text() const {
  std::string out(help);
  if (const auto b = bounds_text(); !b.empty()) out += " (" + b + ")";
  return out;
}

const std::vector<Setting>& run_settings() {
  static const std::vector<Setting> table = make_table();
  return table;
}

const Setting* find_setting(std::string_view name) {
  for (const auto& s : run_settings()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void RunInput::overlay(const SettingTexts& over) {
  for (const auto& [name, values] : over) run[name] = values;
}

std::vector<PhaseSettings> RunSettings::resolved_phases() const {
  std::vector<PhaseSettings> given = phases;
  if (given.empty()) {
    std::vector<std::string> names = endpoints;
    if (names.empty()) {
      // The bundled lab's three endpoints; any other checkout is one phase.
      names = path.empty() ? std::vector<std::string>{"buggy", "unstable", "safe"}
                           : std::vector<std::string>{"checkout"};
    }
    for (auto& name : names) {
      PhaseSettings p;
      p.endpoint = name;
      given.push_back(std::move(p));
    }
  }
  std::vector<PhaseSettings> out;
  for (const auto& own : given) {
    PhaseSettings p = all;
    p.endpoint = own.endpoint;
    // A phase bounded by its own requests or duration does not take the run's other bound.
    if (own.requests || own.duration_ms) {
      p.requests = own.requests;
      p.duration_ms = own.duration_ms;
    }
    auto take = [](auto& into, const auto& from) {
      if (from) into = from;
    };
    take(p.users, own.users);
    take(p.rate, own.rate);
    take(p.stock, own.stock);
    take(p.ramp_ms, own.ramp_ms);
    take(p.think_time_ms, own.think_time_ms);
    take(p.per_user_limit, own.per_user_limit);
    take(p.flow, own.flow);
    take(p.expect_violated, own.expect_violated);
    take(p.max_p99_ms, own.max_p99_ms);
    take(p.max_error_rate, own.max_error_rate);
    out.push_back(std::move(p));
  }
  return out;
}

Expected<RunSettings> resolve(const RunInput& input) {
  RunSettings run;
  for (const auto& s : run_settings()) {
    if (s.default_text.empty()) continue;
    if (auto ok = s.apply(run, nullptr, s.default_text); !ok) {
      return unexpected("default of " + std::string(s.name) + ": " + ok.error());  // a bug here
    }
  }
  run.scenario_name = input.scenario_name;
  auto apply = [&](const SettingTexts& texts, PhaseSettings* phase) -> Expected<bool> {
    for (const auto& [name, given] : texts) {
      const Setting* s = find_setting(name);
      if (!s || !(s->sources & (phase ? kPhase : (kFlag | kScenario | kForm)))) {
        return unexpected(given.origin + ": not a setting " +
                          (phase ? "a phase takes" : "of a run"));
      }
      if (!s->list && given.values.size() > 1) {
        return unexpected(given.origin + ": takes one value");
      }
      for (const auto& v : given.values) {
        if (auto ok = s->apply(run, phase, v); !ok) {
          return unexpected(given.origin + ": " + ok.error());
        }
      }
    }
    return true;
  };
  if (auto ok = apply(input.run, nullptr); !ok) return unexpected(ok.error());
  for (size_t i = 0; i < input.phases.size(); ++i) {
    PhaseSettings phase;
    if (auto ok = apply(input.phases[i], &phase); !ok) return unexpected(ok.error());
    if (phase.endpoint.empty()) {
      return unexpected("phases[" + std::to_string(i) + "] needs an endpoint");
    }
    run.phases.push_back(std::move(phase));
  }
  return run;
}

std::string out_of_bounds(std::string_view name, double value) {
  const Setting* s = find_setting(name);
  if (!s || s->bounds.kind == Kind::none) return "";
  const bool whole = s->bounds.kind != Kind::number;
  if (std::isfinite(value) && value >= s->bounds.min && value <= s->bounds.max &&
      (!whole || value == std::floor(value))) {
    return "";
  }
  return std::string(name) + " " + number_text(value) + " is out of bounds: it must be " +
         (s->bounds.kind == Kind::duration ? "a duration in ms"
          : whole                          ? "a whole number"
                                           : "a number") +
         " from " + s->bounds_text();
}

}  // namespace stampede::coordinator
