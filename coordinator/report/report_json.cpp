// The report's JSON, both ways: design.md's stable keys written from RunReport and read back
// into it with every value checked, so no reader of a report picks keys apart on its own.
#include <boost/json.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "common/json_number.hpp"
#include "coordinator/report/report.hpp"

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

json::object latency_json(const LatencySummary& l) {
  return {{"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}};
}

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object codes_json(const std::map<unsigned, uint64_t>& status_codes) {
  json::object codes;
  for (const auto& [code, n] : status_codes) codes[std::to_string(code)] = n;
  return codes;
}

json::array steps_json(const std::vector<StepReport>& steps) {
  json::array out;
  for (const auto& step : steps) {
    out.push_back(json::object{{"name", step.name},
                               {"attempts", step.attempts},
                               {"failed", step.failed},
                               {"status_codes", codes_json(step.status_codes)},
                               {"latency_ms", latency_json(step.latency_ms)}});
  }
  return out;
}

json::object endpoint_json(const EndpointReport& p) {
  json::object e;
  e["endpoint"] = p.endpoint;
  e["problems"] = strings(p.problems);
  if (p.initial_stock) {
    e["initial_stock"] = *p.initial_stock;
  } else {
    e["initial_stock"] = nullptr;  // a plain load test reads no stock
  }
  if (p.final_stock) {
    e["final_stock"] = *p.final_stock;
  } else {
    e["final_stock"] = nullptr;
  }
  e["attempts"] = p.attempts;
  e["acknowledged"] = p.acknowledged;
  e["sold_out"] = p.sold_out;
  e["errors"] = p.errors;
  e["indeterminate"] = p.indeterminate;
  const Verdict& v = p.verdict;
  e["ledger_orders"] = v.ledger_orders;
  e["oversold"] = v.oversold;
  e["lost_updates"] = v.lost_updates;
  e["lost_acks"] = v.lost_acks;
  e["phantoms"] = v.phantoms;
  e["duplicates"] = v.duplicates;
  e["recovered"] = v.recovered;
  e["negative_stock"] = v.negative_stock;
  for (const auto& figure : kOptionalFigures) {
    if (const auto& value = v.*figure.field) e[figure.key] = *value;
  }
  if (v.clock_tolerance_ms) e["clock_tolerance_ms"] = *v.clock_tolerance_ms;
  if (const auto& h = v.holds) {
    e["holds"] = json::object{{"placed", h->placed},
                              {"confirmed", h->confirmed},
                              {"expired", h->expired},
                              {"open_at_end", h->open},
                              {"held_at_end", h->held}};
  }
  if (!v.remaining_clashes.empty()) {
    json::array clashes;
    for (const auto& c : v.remaining_clashes) {
      clashes.push_back(json::object{{"remaining", c.remaining}, {"keys", strings(c.keys)}});
    }
    e["remaining_evidence"] = std::move(clashes);
  }
  e["integrity"] = integrity_word(v);
  e["checks_skipped"] = strings(v.checks_skipped);
  e["duration_s"] = p.duration_s;
  e["throughput_rps"] = p.throughput_rps;
  e["start_spread_ms"] = p.start_spread_ms;
  e["latency_ms"] = latency_json(p.latency_ms);
  // Beside the corrected figures, so a reader sees how much coordinated omission would hide.
  if (p.latency_ms_uncorrected)
    e["latency_ms_uncorrected"] = latency_json(*p.latency_ms_uncorrected);
  e["retries"] = p.retries;
  e["status_codes"] = codes_json(p.status_codes);
  // [t_s, attempts, ok, fail, info, p50_ms, p99_ms]: counts cumulative, latency per interval
  json::array timeline;
  for (const auto& pt : p.timeline) {
    timeline.push_back(
        json::array{pt.t_s, pt.attempts, pt.ok, pt.fail, pt.info, pt.p50_ms, pt.p99_ms});
  }
  e["timeline"] = std::move(timeline);
  if (const auto& c = p.connections) {
    e["connections"] = json::object{
        {"opened", c->opened},
        {"tls_handshakes", c->tls_handshakes},
        {"tls_resumed", c->tls_resumed},
        {"connect_ms", json::object{{"p50", c->connect_p50_ms}, {"p99", c->connect_p99_ms}}},
        {"tls_ms", json::object{{"p50", c->tls_p50_ms}, {"p99", c->tls_p99_ms}}}};
  }
  if (p.tls_verified) e["tls_verified"] = *p.tls_verified;
  if (!p.steps.empty()) {
    e["steps"] = steps_json(p.steps);
    e["journeys_abandoned"] = p.journeys_abandoned;
  }
  return e;
}

// Reads one object's keys, remembering the first problem with where it was: the caller checks
// ok() once at the end instead of after every field.
class FieldReader {
 public:
  FieldReader(const json::value& v, std::string where) : where_(std::move(where)) {
    if (v.is_object()) {
      object_ = &v.get_object();
    } else {
      fail("", "is not an object");
    }
  }

  const json::value* get(std::string_view key, bool required = true) {
    if (!object_) return nullptr;
    const json::value* v = object_->if_contains(key);
    if (!v && required) fail(key, "is missing");
    return v;
  }
  uint64_t count(std::string_view key) {
    const json::value* v = get(key);
    auto n = v ? json_uint64(*v) : std::nullopt;
    if (v && !n) fail(key, "is not a whole number from 0");
    return n.value_or(0);
  }
  int64_t integer(std::string_view key) {
    const json::value* v = get(key);
    auto n = v ? json_int64(*v) : std::nullopt;
    if (v && !n) fail(key, "is not a whole number");
    return n.value_or(0);
  }
  // A stock figure: a whole number, or null where it was not read.
  std::optional<int64_t> stock(std::string_view key) {
    const json::value* v = get(key);
    if (!v || v->is_null()) return std::nullopt;
    auto n = json_int64(*v);
    if (!n) fail(key, "is neither a whole number nor null");
    return n;
  }
  double number(std::string_view key, bool required = true) {
    const json::value* v = get(key, required);
    auto n = v ? json_double(*v) : std::nullopt;
    if (v && !n) fail(key, "is not a finite number");
    return n.value_or(0);
  }
  bool flag(std::string_view key) {
    const json::value* v = get(key, false);  // later keys are absent from older reports
    if (v && !v->is_bool()) fail(key, "is not true or false");
    return v && v->is_bool() && v->get_bool();
  }
  std::string text(std::string_view key) {
    const json::value* v = get(key);
    if (v && !v->is_string()) fail(key, "is not a string");
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  std::vector<std::string> texts(std::string_view key) {
    std::vector<std::string> out;
    const json::value* v = get(key);
    if (v && !v->is_array()) fail(key, "is not a list");
    if (!v || !v->is_array()) return out;
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) {
        fail(key, "holds something other than strings");
        break;
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }
  const json::array* array(std::string_view key, bool required = true) {
    const json::value* v = get(key, required);
    if (v && !v->is_array()) fail(key, "is not a list");
    return v && v->is_array() ? &v->get_array() : nullptr;
  }
  void fail(std::string_view key, const std::string& what) {
    if (error_.empty()) {
      // Appended piece by piece: GCC 12 warns falsely on "." + std::string (-Wrestrict).
      error_ = where_;
      if (!key.empty()) error_.append(".").append(key);
      error_.append(" ").append(what);
    }
  }
  void absorb(const std::string& error) {
    if (error_.empty()) error_ = error;
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& where() const { return where_; }

 private:
  const json::object* object_ = nullptr;
  std::string where_;
  std::string error_;
};

LatencySummary read_latency(const json::value& v, FieldReader& parent, const std::string& where) {
  FieldReader f(v, where);
  LatencySummary l{f.number("p50"), f.number("p90"), f.number("p99"), f.number("p999"),
                   f.number("max")};
  parent.absorb(f.error());
  return l;
}

// The agents' connection figures, as endpoint_json wrote them.
ConnectionSummary read_connections(const json::value& v, FieldReader& parent,
                                   const std::string& where) {
  FieldReader cf(v, where);
  ConnectionSummary s{cf.count("opened"), cf.count("tls_handshakes"), cf.count("tls_resumed")};
  for (auto [key, p50, p99] : {std::tuple{"connect_ms", &s.connect_p50_ms, &s.connect_p99_ms},
                               std::tuple{"tls_ms", &s.tls_p50_ms, &s.tls_p99_ms}}) {
    if (const json::value* pair = cf.get(key)) {
      FieldReader pf(*pair, where + "." + key);
      *p50 = pf.number("p50");
      *p99 = pf.number("p99");
      cf.absorb(pf.error());
    }
  }
  parent.absorb(cf.error());
  return s;
}

// The figures a run may skip, the tolerance they used and the evidence behind them. Not inlined:
// GCC 12, unrolling the figures' member pointers into read_endpoint, warns falsely of a write
// past Verdict::ledger_orders (-Wstringop-overflow).
[[gnu::noinline]] void read_evidence(FieldReader& f, Verdict& v) {
  for (const auto& figure : kOptionalFigures) {
    if (f.get(figure.key, false)) v.*figure.field = f.integer(figure.key);
  }
  if (f.get("clock_tolerance_ms", false)) v.clock_tolerance_ms = f.number("clock_tolerance_ms");
  if (const json::value* holds = f.get("holds", false)) {
    FieldReader h(*holds, f.where() + ".holds");
    v.holds = HoldFigures{h.integer("held_at_end"), h.integer("placed"), h.integer("confirmed"),
                          h.integer("expired"), h.integer("open_at_end")};
    f.absorb(h.error());
  }
  if (const json::array* clashes = f.array("remaining_evidence", false)) {
    for (const auto& item : *clashes) {
      FieldReader c(item, f.where() + ".remaining_evidence");
      v.remaining_clashes.push_back({c.integer("remaining"), c.texts("keys")});
      f.absorb(c.error());
    }
  }
}

// {"201": n, ...} into codes; a key that is not a status, or a count that is not one, fails.
void read_status_codes(const json::value& codes, FieldReader& f,
                       std::map<unsigned, uint64_t>& out) {
  if (!codes.is_object()) return f.fail("status_codes", "is not an object");
  for (const auto& kv : codes.get_object()) {
    unsigned code = 0;
    const auto key = kv.key();
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), code);
    const auto n = json_uint64(kv.value());
    if (ec != std::errc{} || end != key.data() + key.size() || code < 100 || code > 999 || !n) {
      return f.fail("status_codes", "holds something other than a status and its count");
    }
    out[code] = *n;
  }
}

// A journey's steps, as endpoint_json wrote them.
void read_steps(const json::array& steps, FieldReader& f, EndpointReport& e) {
  for (size_t i = 0; i < steps.size(); ++i) {
    FieldReader sf(steps[i], f.where() + ".steps[" + std::to_string(i) + "]");
    StepReport step;
    step.name = sf.text("name");
    step.attempts = sf.count("attempts");
    step.failed = sf.count("failed");
    if (const json::value* codes = sf.get("status_codes")) {
      read_status_codes(*codes, sf, step.status_codes);
    }
    if (const json::value* lat = sf.get("latency_ms")) {
      step.latency_ms = read_latency(*lat, sf, sf.where() + ".latency_ms");
    }
    f.absorb(sf.error());
    e.steps.push_back(std::move(step));
  }
}

EndpointReport read_endpoint(const json::value& v, const std::string& where, std::string& error) {
  FieldReader f(v, where);
  EndpointReport e;
  e.endpoint = f.text("endpoint");
  e.problems = f.texts("problems");
  e.initial_stock = f.stock("initial_stock");
  e.final_stock = f.stock("final_stock");
  e.attempts = f.count("attempts");
  e.acknowledged = f.count("acknowledged");
  e.sold_out = f.count("sold_out");
  e.errors = f.count("errors");
  e.indeterminate = f.count("indeterminate");
  Verdict& verdict = e.verdict;
  verdict.ledger_orders = f.integer("ledger_orders");
  verdict.oversold = f.integer("oversold");
  verdict.lost_updates = f.integer("lost_updates");
  verdict.lost_acks = f.integer("lost_acks");
  verdict.phantoms = f.integer("phantoms");
  verdict.duplicates = f.integer("duplicates");
  verdict.recovered = f.integer("recovered");
  verdict.negative_stock = f.flag("negative_stock");
  read_evidence(f, verdict);
  const std::string integrity = f.text("integrity");
  if (f.ok() && integrity != "ok" && integrity != "violated" && integrity != "unchecked") {
    f.fail("integrity", "is not \"ok\", \"violated\" or \"unchecked\"");
  }
  verdict.integrity_ok = integrity != "violated";
  verdict.checked = integrity != "unchecked";
  verdict.checks_skipped = f.texts("checks_skipped");
  e.duration_s = f.number("duration_s");
  e.throughput_rps = f.number("throughput_rps");
  e.start_spread_ms = f.number("start_spread_ms", false);
  if (const json::value* lat = f.get("latency_ms")) {
    e.latency_ms = read_latency(*lat, f, where + ".latency_ms");
  }
  if (const json::value* lat = f.get("latency_ms_uncorrected", false)) {
    e.latency_ms_uncorrected = read_latency(*lat, f, where + ".latency_ms_uncorrected");
  }
  if (f.get("retries", false)) e.retries = f.count("retries");
  if (const json::value* codes = f.get("status_codes")) {
    read_status_codes(*codes, f, e.status_codes);
  }
  if (const json::array* timeline = f.array("timeline", false)) {
    for (const auto& point : *timeline) {
      const json::array* a = point.is_array() ? &point.get_array() : nullptr;
      std::vector<double> n;
      for (size_t i = 0; a && i < a->size(); ++i) {
        if (auto d = json_double((*a)[i])) n.push_back(*d);
      }
      // Five figures from reports before latency over time, seven since.
      if (!a || n.size() != a->size() || (n.size() != 5 && n.size() != 7)) {
        f.fail("timeline", "holds a point that is not [t_s, attempts, ok, fail, info, p50, p99]");
        break;
      }
      n.resize(7, 0.0);
      e.timeline.push_back({n[0], static_cast<uint64_t>(n[1]), static_cast<uint64_t>(n[2]),
                            static_cast<uint64_t>(n[3]), static_cast<uint64_t>(n[4]), n[5], n[6]});
    }
  }
  if (const json::value* c = f.get("connections", false)) {
    e.connections = read_connections(*c, f, where + ".connections");
  }
  if (f.get("tls_verified", false)) e.tls_verified = f.flag("tls_verified");
  if (const json::array* steps = f.array("steps", false)) read_steps(*steps, f, e);
  if (f.get("journeys_abandoned", false)) e.journeys_abandoned = f.count("journeys_abandoned");
  error = f.error();
  return e;
}

}  // namespace

json::object to_json(const RunReport& r) {
  json::object o;
  o["run_id"] = r.run_id;
  o["scenario"] = r.scenario;
  o["started_at"] = r.started_at;
  o["duration_s"] = r.duration_s;
  json::array agents;
  for (const auto& a : r.agents) {
    agents.push_back(json::object{{"name", a.name}, {"host", a.host}, {"requests", a.requests}});
  }
  o["agents"] = std::move(agents);
  json::array endpoints;
  for (const auto& p : r.endpoints) endpoints.push_back(endpoint_json(p));
  o["endpoints"] = std::move(endpoints);
  return o;
}

std::string report_json_text(const RunReport& report) {
  return json::serialize(to_json(report));
}

Expected<RunReport> report_from_json(const json::value& v) {
  FieldReader f(v, "report");
  RunReport r;
  r.run_id = f.text("run_id");
  r.scenario = f.text("scenario");
  r.started_at = f.text("started_at");
  r.duration_s = f.number("duration_s");
  if (const json::array* agents = f.array("agents")) {
    for (size_t i = 0; i < agents->size(); ++i) {
      FieldReader a((*agents)[i], "report.agents[" + std::to_string(i) + "]");
      r.agents.push_back({a.text("name"), a.text("host"), a.count("requests")});
      f.absorb(a.error());
    }
  }
  if (const json::array* endpoints = f.array("endpoints")) {
    for (size_t i = 0; i < endpoints->size(); ++i) {
      std::string error;
      r.endpoints.push_back(
          read_endpoint((*endpoints)[i], "report.endpoints[" + std::to_string(i) + "]", error));
      f.absorb(error);
    }
  }
  if (!f.ok()) return unexpected(f.error());
  return r;
}

Expected<RunReport> parse_report(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return unexpected("the report is not JSON: " + ec.message());
  return report_from_json(v);
}

Expected<RunReport> load_report_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return unexpected(path + " is not a file");
  std::ifstream in(path);
  if (!in) return unexpected("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto report = parse_report(text.str());
  if (!report) return unexpected(path + ": " + report.error());
  return report;
}

}  // namespace stampede::coordinator
