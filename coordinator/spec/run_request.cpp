// From settings to the wire, and the wire's own check.
#include "coordinator/spec/run_request.hpp"

#include <algorithm>

#include <boost/beast/core/string.hpp>

#include "common/tls_client.hpp"
#include "common/token_file.hpp"
#include "common/url.hpp"
#include "coordinator/spec/data_file.hpp"

namespace stampede::coordinator {
namespace {

bool names_header(const FlowStepSettings& step, std::string_view name) {
  return std::any_of(step.headers.begin(), step.headers.end(),
                     [&](const auto& h) { return boost::beast::iequals(h.first, name); });
}

void add_flow(const std::vector<FlowStepSettings>& flow, bool bundled, v1::PhaseSpec& phase) {
  for (const auto& s : flow) {
    auto* step = phase.add_flow();
    step->set_name(s.name);
    step->set_method(s.method);
    step->set_path(s.path);
    for (const auto& [name, value] : s.headers) {
      auto* h = step->add_headers();
      h->set_name(name);
      h->set_value(value);
    }
    // The bundled lab keeps every step's answer under a key, as it does a checkout's: the
    // purchase step's is the attempt's, which the oracle finds in the ledger.
    if (bundled && !names_header(s, "Idempotency-Key")) {
      auto* h = step->add_headers();
      h->set_name("Idempotency-Key");
      h->set_value("${key}");
    }
    step->set_body_template(s.body);
    for (const auto status : s.accept) step->add_accept_statuses(status);
    for (const auto& [name, field] : s.captures) {
      auto* c = step->add_captures();
      c->set_name(name);
      c->set_field(field);
    }
    step->set_think_ms(s.think_ms);
    step->set_purchase(s.purchase);
    step->set_takes_stock(s.takes_stock);
  }
}

// The phases as the coordinator runs them: every setting a phase needs, resolved.
Expected<bool> add_phases(const RunSettings& s, v1::RunRequest& r) {
  for (const auto& p : s.resolved_phases()) {
    if (!p.requests && !p.duration_ms) {
      return unexpected(s.phases.empty() ? "give --requests N or --duration D"
                                         : "phase " + p.endpoint + ": give requests or duration");
    }
    if (p.rate.value_or(0) > 0 && p.think_time_ms) {
      return unexpected(
          "--think-time is for closed loop; with --rate the arrival rate sets the pace");
    }
    v1::PhaseSpec* ph = r.add_phases();
    ph->set_endpoint(p.endpoint);
    ph->set_users(static_cast<uint32_t>(p.users.value_or(0)));
    ph->set_attempts(p.requests.value_or(0));
    ph->set_duration_ms(static_cast<uint32_t>(p.duration_ms.value_or(0)));
    ph->set_rate_per_s(p.rate.value_or(0));
    ph->set_stock(p.stock.value_or(-1));
    ph->set_ramp_ms(static_cast<uint32_t>(p.ramp_ms.value_or(0)));
    ph->set_think_time_ms(static_cast<uint32_t>(p.think_time_ms.value_or(0)));
    ph->set_per_user_limit(static_cast<uint32_t>(p.per_user_limit.value_or(0)));
    if (p.flow) add_flow(*p.flow, s.path.empty(), *ph);
    r.add_endpoints(p.endpoint);
  }
  return true;
}

std::optional<std::string> check_text(const std::string& what, const std::string& text,
                                      size_t max) {
  if (text.size() > max) return what + " is over " + std::to_string(max) + " bytes";
  return std::nullopt;
}

// How the agents read the answers: what is a sale, what is sold out, what a sale carries.
void set_answer_rules(const RunSettings& s, v1::HttpRequestSpec& req) {
  req.set_order_id_field(s.order_id_field == "none" ? "" : s.order_id_field);
  req.set_remaining_field(s.remaining_field);
  req.set_connection_per_attempt(s.connection_per_attempt);
  for (uint64_t status : s.success_statuses)
    req.add_success_statuses(static_cast<uint32_t>(status));
  for (const auto& text : s.sold_out_match) req.add_sold_out_match(text);
  req.set_connect_timeout_ms(static_cast<uint32_t>(s.connect_timeout_ms));
  req.set_request_timeout_ms(static_cast<uint32_t>(s.request_timeout_ms));
  for (uint64_t status : s.sold_out_statuses)
    req.add_sold_out_statuses(static_cast<uint32_t>(status));
  if (s.sold_out_statuses.empty()) req.add_sold_out_statuses(409);
}

// The files behind --ca-file and --client-cert/--client-key, read here: the coordinator and the
// agents that use them may be on other hosts.
std::optional<std::string> set_tls(const RunSettings& s, v1::TlsSpec& tls) {
  tls.set_insecure(s.insecure);
  tls.set_fresh_sessions(s.tls_sessions == "fresh");
  if (!s.ca_file.empty()) {
    auto pem = read_pem_file("--ca-file", s.ca_file);
    if (!pem) return pem.error();
    tls.set_ca_pem(*pem);
  }
  if (s.client_cert.empty() != s.client_key.empty()) {
    return "--client-cert and --client-key go together";
  }
  if (!s.client_cert.empty()) {
    auto cert = read_pem_file("--client-cert", s.client_cert);
    if (!cert) return cert.error();
    auto key = read_pem_file("--client-key", s.client_key);
    if (!key) return key.error();
    tls.set_cert_pem(*cert);
    tls.set_key_pem(*key);
  }
  return std::nullopt;
}

}  // namespace

namespace {

// A ${name} that nothing fills would go out as it is, which is never what was meant. `extra`:
// the names a journey's earlier steps captured.
std::optional<std::string> unfilled(std::string_view where, std::string_view text,
                                    const v1::DataTable& data,
                                    const std::vector<std::string>& extra) {
  auto known = [&](std::string_view name) {
    if (name == "user_id" || name == "key" || name == "endpoint") return true;
    if (std::find(extra.begin(), extra.end(), name) != extra.end()) return true;
    return std::find(data.columns().begin(), data.columns().end(), name) != data.columns().end();
  };
  for (size_t at = text.find("${"); at != std::string_view::npos; at = text.find("${", at + 2)) {
    const size_t close = text.find('}', at);
    if (close == std::string_view::npos) break;
    const std::string_view name = text.substr(at + 2, close - at - 2);
    if (known(name)) continue;
    std::string names = "user_id, key, endpoint";
    for (const auto& c : data.columns()) {
      if (c != "user_id") names.append(", ").append(c);
    }
    for (const auto& c : extra) names.append(", ").append(c);
    return std::string(where) + ": nothing fills ${" + std::string(name) +
           "} (known here: " + names +
           (data.columns().empty() ? "; --data adds its columns)" : ")");
  }
  return std::nullopt;
}

std::optional<std::string> placeholder_problem(const v1::RunRequest& r) {
  const auto& req = r.request();
  const std::vector<std::string> none;
  if (auto p = unfilled("--path", req.path(), r.data(), none)) return p;
  if (auto p = unfilled("--body", req.body_template(), r.data(), none)) return p;
  for (const auto& h : req.headers()) {
    if (auto p = unfilled("--header " + h.name(), h.value(), r.data(), none)) return p;
  }
  for (const auto& phase : r.phases()) {
    std::vector<std::string> captured;
    for (const auto& step : phase.flow()) {
      const std::string where = "phase " + phase.endpoint() + ", step " + step.name();
      if (auto p = unfilled(where + " path", step.path(), r.data(), captured)) return p;
      if (auto p = unfilled(where + " body", step.body_template(), r.data(), captured)) return p;
      for (const auto& h : step.headers()) {
        if (auto p = unfilled(where + " header " + h.name(), h.value(), r.data(), captured)) {
          return p;
        }
      }
      for (const auto& c : step.captures()) captured.push_back(c.name());
    }
  }
  return std::nullopt;
}

// --header K:V lines, as the spec checked them (a colon, not first).
void add_headers(const std::vector<std::string>& lines, v1::HttpRequestSpec& req) {
  for (const auto& kv : lines) {
    const auto colon = kv.find(':');
    auto* h = req.add_headers();
    h->set_name(kv.substr(0, colon));
    std::string value = kv.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    h->set_value(value);
  }
}

Expected<bool> add_data(const RunSettings& s, v1::RunRequest& r) {
  if (s.data.empty()) return true;
  auto table = read_data_file(s.data);
  if (!table) return unexpected("--data " + table.error());
  table->set_cycle(s.data_mode == "cycle");
  *r.mutable_data() = std::move(*table);
  return true;
}

}  // namespace

Expected<v1::RunRequest> build_run_request(const RunSettings& s) {
  v1::RunRequest r;
  auto target = HttpUrl::parse(s.target);
  if (!target) return unexpected("--target: " + target.error());
  r.set_run_id(s.run_id);
  r.set_scenario(s.scenario_name);
  const bool bundled = s.path.empty();
  auto* req = r.mutable_request();
  req->set_target_url(target->origin());
  req->set_method(s.method);
  set_answer_rules(s, *req);
  if (auto problem = set_tls(s, *req->mutable_tls())) return unexpected(*problem);
  const std::string base = target->origin();
  if (bundled) {
    // The bundled lab: design.md's routes, one product, idempotency key per attempt.
    req->set_path("/api/v1/checkout/${endpoint}");
    req->set_body_template(
        s.body.empty() ? R"({"product_id":1,"user_id":"${user_id}","quantity":1})" : s.body);
    auto* h = req->add_headers();
    h->set_name("Idempotency-Key");
    h->set_value("${key}");
    r.set_stock_url(s.stock_url.empty() ? base + "/api/v1/products/1" : s.stock_url);
    r.set_ledger_url(s.ledger_url.empty() ? base + "/api/v1/products/1/orders" : s.ledger_url);
    // The lab answers what a well-behaved checkout would: the stock left after each sale (read
    // once the phases are known), and sold out in words beside its other 409 (a key still in
    // flight).
    if (s.sold_out_match.empty()) req->add_sold_out_match("\"sold_out\"");
  } else {
    req->set_path(s.path);
    req->set_body_template(s.body);
    r.set_stock_url(s.stock_url);
    r.set_ledger_url(s.ledger_url);
  }
  add_headers(s.headers, *req);
  r.set_stock_field(s.stock_field);
  if (auto ok = add_phases(s, r); !ok) return unexpected(ok.error());
  // Not with journeys: a confirm's answer tells the stock left beside open holds, which many
  // sales see alike, so it is no counter of sales.
  const bool journeys = std::any_of(r.phases().begin(), r.phases().end(),
                                    [](const v1::PhaseSpec& p) { return p.flow_size() > 0; });
  if (bundled && s.remaining_field.empty() && !journeys) req->set_remaining_field("remaining");
  r.set_per_user_limit(static_cast<uint32_t>(s.all.per_user_limit.value_or(0)));
  if (auto ok = add_data(s, r); !ok) return unexpected(ok.error());
  if (auto problem = placeholder_problem(r)) return unexpected(*problem);
  r.set_max_retries(static_cast<uint32_t>(s.retries));
  r.set_retry_backoff_ms(static_cast<uint32_t>(s.retry_backoff_ms));
  r.set_expect_agents(static_cast<uint32_t>(s.embedded ? s.embedded : s.expect_agents));
  r.set_agents_wait_ms(static_cast<uint32_t>(s.agents_wait_s * 1000));
  r.set_stock(s.all.stock.value_or(-1));
  r.set_agent_threads(static_cast<uint32_t>(s.agent_threads));
  r.set_product_id(1);
  const bool any_reset = std::any_of(r.phases().begin(), r.phases().end(),
                                     [](const v1::PhaseSpec& p) { return p.stock() >= 0; });
  if (any_reset) {
    if (s.admin_url.empty()) return unexpected("--stock resets the target and needs --admin-url");
    r.set_admin_url(s.admin_url);
    if (s.admin_token_file.empty()) {
      return unexpected("--stock needs --admin-token-file for the admin API");
    }
    auto token = read_token_file(s.admin_token_file);
    if (!token) return unexpected("--admin-token-file: " + token.error());
    r.set_admin_token(*token);
  } else if (r.stock_url().empty() && !r.ledger_url().empty()) {
    return unexpected(
        "the ledger checks need the starting stock: give --stock (with --admin-url) or "
        "--stock-url");
  } else if (r.stock_url().empty()) {
    // No stock source and no ledger: a plain load test. Every 2xx is a success; no order is
    // kept, and the report says integrity is unchecked.
    req->set_plain_load(true);
    req->set_order_id_field("");
  }
  for (const auto& e : s.expect_violated) {
    if (std::find(r.endpoints().begin(), r.endpoints().end(), e) == r.endpoints().end()) {
      return unexpected("--expect-violated " + e + ": no such --endpoint in this run");
    }
  }
  if (auto problem = check_run_request(r)) return unexpected(*problem);
  return r;
}

Expectations expectations_for(const RunSettings& s) {
  Expectations e;
  e.expect_violated.insert(s.expect_violated.begin(), s.expect_violated.end());
  e.all.max_p99_ms = s.all.max_p99_ms;
  e.all.max_error_rate = s.all.max_error_rate;
  for (const auto& p : s.phases) {
    if (p.expect_violated.value_or(false)) e.expect_violated.insert(p.endpoint);
    auto& limits = e.per_endpoint[p.endpoint];
    limits.max_p99_ms = p.max_p99_ms;
    limits.max_error_rate = p.max_error_rate;
  }
  return e;
}

namespace {

// An out-of-bound phase, in the spec's words.
std::optional<std::string> phase_problem(const v1::PhaseSpec& p) {
  const auto& e = p.endpoint();
  const bool label = !e.empty() && e.size() <= 64 &&
                     e.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == e.npos;
  if (!label) return "an endpoint label must be 1 to 64 of a-z, 0-9, '-' and '_'";
  if (p.attempts() == 0 && p.duration_ms() == 0) return "phase " + e + " has no bound";
  const std::pair<const char*, double> figures[] = {
      {"users", p.users()},
      {"requests", p.attempts() ? static_cast<double>(p.attempts()) : 1},
      {"duration", p.duration_ms() ? p.duration_ms() : 1},
      {"rate", p.rate_per_s()},
      {"stock", p.stock() < 0 ? 0 : static_cast<double>(p.stock())},
      {"ramp", p.ramp_ms() ? p.ramp_ms() : 1},
      {"think_time", p.think_time_ms() ? p.think_time_ms() : 1},
      {"per_user_limit", p.per_user_limit()}};
  for (const auto& [name, value] : figures) {
    if (auto problem = out_of_bounds(name, value); !problem.empty()) {
      return "phase " + e + ": " + problem;
    }
  }
  return std::nullopt;
}

// A journey as any control client may send it: bounded, and its sale last.
std::optional<std::string> flow_problem(const v1::PhaseSpec& p) {
  const auto& flow = p.flow();
  if (flow.empty()) return std::nullopt;
  const std::string where = "phase " + p.endpoint() + ": flow";
  if (flow.size() > static_cast<int>(kMaxFlowSteps)) return where + " has over 16 steps";
  if (!flow.Get(flow.size() - 1).purchase()) return where + ": the last step must be the purchase";
  for (const auto& step : flow) {
    if (step.name().empty() || step.name().size() > 64) return where + ": a step needs a name";
    if (step.headers_size() > 65 || step.captures_size() > 16) {
      return where + " step " + step.name() + ": too many headers or captures";
    }
    if (step.path().empty() || step.path().front() != '/' || step.path().size() > 2048 ||
        step.body_template().size() > 64 * 1024) {
      return where + " step " + step.name() + ": a path from '/' and a body up to 64 KiB";
    }
    if (step.think_ms() > 24u * 3600 * 1000) return where + " step " + step.name() + ": think";
  }
  return std::nullopt;
}

std::optional<std::string> data_problem(const v1::DataTable& data,
                                        const std::vector<v1::PhaseSpec>& phases) {
  if (data.columns_size() == 0) {
    if (data.cells_size() > 0) return "data cells without columns";
    return std::nullopt;
  }
  if (data.columns_size() > static_cast<int>(kMaxDataColumns)) return "data: more than 64 columns";
  if (data.cells_size() == 0 || data.cells_size() % data.columns_size() != 0) {
    return "data: the cells do not fill whole rows";
  }
  for (const auto& cell : data.cells()) {
    if (cell.find_first_of("\r\n") != std::string::npos) return "data: a cell holds a line break";
  }
  const size_t rows = data_rows(data);
  if (data.cycle()) return std::nullopt;
  for (const auto& p : phases) {
    if (p.users() > rows) {
      return "--data-mode unique: phase " + p.endpoint() + " has " + std::to_string(p.users()) +
             " users and the data " + std::to_string(rows) +
             " rows; give a row per user or --data-mode cycle";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_run_request(const v1::RunRequest& r) {
  if (r.phases_size() == 0 && r.endpoints_size() == 0) return "the run names no endpoint or phase";
  if (r.phases_size() > 64 || r.endpoints_size() > 64) return "a run has at most 64 phases";
  // The flat form (endpoints, and the run's own load) is checked as the phases it becomes.
  std::vector<v1::PhaseSpec> phases(r.phases().begin(), r.phases().end());
  if (phases.empty()) {
    for (const auto& endpoint : r.endpoints()) {
      v1::PhaseSpec p;
      p.set_endpoint(endpoint);
      p.set_users(r.users());
      p.set_attempts(r.attempts());
      p.set_duration_ms(r.duration_ms());
      p.set_rate_per_s(r.rate_per_s());
      p.set_stock(r.stock());
      p.set_ramp_ms(r.ramp_ms());
      p.set_think_time_ms(r.think_time_ms());
      p.set_per_user_limit(r.per_user_limit());
      phases.push_back(std::move(p));
    }
  }
  for (const auto& p : phases) {
    if (auto problem = phase_problem(p)) return problem;
    if (auto problem = flow_problem(p)) return problem;
  }
  if (auto problem = data_problem(r.data(), phases)) return problem;
  const std::pair<const char*, double> figures[] = {
      {"retries", r.max_retries()},
      {"retry_backoff_ms", r.retry_backoff_ms()},
      {"expect_agents", r.expect_agents() ? r.expect_agents() : 1},
      {"agents_wait", r.agents_wait_ms() ? r.agents_wait_ms() / 1000.0 : 1},
      {"agent_threads", r.agent_threads() ? r.agent_threads() : 1},
      {"connect_timeout_ms",
       r.request().connect_timeout_ms() ? r.request().connect_timeout_ms() : 1},
      {"request_timeout_ms",
       r.request().request_timeout_ms() ? r.request().request_timeout_ms() : 1}};
  for (const auto& [name, value] : figures) {
    if (auto problem = out_of_bounds(name, value); !problem.empty()) return problem;
  }
  const auto& req = r.request();
  if (req.headers_size() > 64) return "a run sends at most 64 headers";
  for (const auto& status : req.sold_out_statuses()) {
    if (auto problem = out_of_bounds("sold_out_status", status); !problem.empty()) return problem;
  }
  for (const auto& status : req.success_statuses()) {
    if (auto problem = out_of_bounds("success_status", status); !problem.empty()) return problem;
  }
  if (req.sold_out_statuses_size() > 32 || req.success_statuses_size() > 32) {
    return "at most 32 sold-out or success statuses";
  }
  if (req.sold_out_match_size() > 16) return "at most 16 sold-out texts";
  for (const auto& text : req.sold_out_match()) {
    if (auto problem = check_text("a sold-out text", text, 256)) return problem;
  }
  for (const auto& [what, text, max] :
       {std::tuple{"the run id", &r.run_id(), size_t{64}},
        std::tuple{"the target URL", &req.target_url(), size_t{2048}},
        std::tuple{"the path", &req.path(), size_t{2048}},
        std::tuple{"the body template", &req.body_template(), size_t{64 * 1024}},
        std::tuple{"the stock URL", &r.stock_url(), size_t{2048}},
        std::tuple{"the ledger URL", &r.ledger_url(), size_t{2048}},
        std::tuple{"the admin URL", &r.admin_url(), size_t{2048}},
        std::tuple{"the scenario name", &r.scenario(), size_t{1024}},
        std::tuple{"the order id field", &req.order_id_field(), size_t{128}},
        std::tuple{"the remaining field", &req.remaining_field(), size_t{128}},
        std::tuple{"the CA bundle", &req.tls().ca_pem(), size_t{1024 * 1024}},
        std::tuple{"the client certificate", &req.tls().cert_pem(), size_t{1024 * 1024}},
        std::tuple{"the client key", &req.tls().key_pem(), size_t{1024 * 1024}}}) {
    if (auto problem = check_text(what, *text, max)) return problem;
  }
  return std::nullopt;
}

}  // namespace stampede::coordinator
