// JSON report and table. Latencies in the report are milliseconds with µs precision.
#include "coordinator/report/report.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

double ms(uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

json::object latency_json(const LatencyHistogram& h) {
  json::object lat;
  lat["p50"] = ms(h.percentile_us(50));
  lat["p90"] = ms(h.percentile_us(90));
  lat["p99"] = ms(h.percentile_us(99));
  lat["p999"] = ms(h.percentile_us(99.9));
  lat["max"] = ms(h.max_us());
  return lat;
}

json::object phase_json(const PhaseReport& p) {
  json::object e;
  e["endpoint"] = p.endpoint;
  e["initial_stock"] = p.initial_stock;
  if (p.final_stock) {
    e["final_stock"] = *p.final_stock;
  } else {
    e["final_stock"] = nullptr;
  }
  e["attempts"] = p.counts.attempts();
  e["acknowledged"] = p.counts.ok();
  e["sold_out"] = p.counts.sold_out();
  e["errors"] = p.counts.errors();
  e["indeterminate"] = p.counts.info();
  e["ledger_orders"] = p.verdict.ledger_orders;
  e["oversold"] = p.verdict.oversold;
  e["lost_updates"] = p.verdict.lost_updates;
  e["lost_acks"] = p.verdict.lost_acks;
  e["phantoms"] = p.verdict.phantoms;
  e["duplicates"] = p.verdict.duplicates;
  e["recovered"] = p.verdict.recovered;
  e["negative_stock"] = p.verdict.negative_stock;
  e["integrity"] = p.verdict.integrity_ok ? "ok" : "violated";
  json::array skipped;
  for (const auto& s : p.verdict.checks_skipped) skipped.emplace_back(s);
  e["checks_skipped"] = std::move(skipped);
  e["duration_s"] = p.duration_s;
  e["throughput_rps"] =
      p.duration_s > 0 ? static_cast<double>(p.counts.attempts()) / p.duration_s : 0.0;
  e["latency_ms"] = latency_json(p.latency);
  if (p.latency_uncorrected.total() > 0) {
    // Beside the corrected figures, so a reader sees how much coordinated omission would hide.
    e["latency_ms_uncorrected"] = latency_json(p.latency_uncorrected);
  }
  e["retries"] = p.retries;
  json::object codes;
  for (const auto& [code, n] : p.status_codes) codes[std::to_string(code)] = n;
  e["status_codes"] = std::move(codes);
  json::array problems;
  for (const auto& s : p.problems) problems.emplace_back(s);
  e["problems"] = std::move(problems);
  e["start_spread_ms"] = p.start_spread_ms;
  // [t_s, attempts, ok, fail, info, p50_ms, p99_ms]: counts cumulative, latency per interval
  json::array timeline;
  for (const auto& pt : p.timeline) {
    timeline.push_back(
        json::array{pt.t_s, pt.attempts, pt.ok, pt.fail, pt.info, pt.p50_ms, pt.p99_ms});
  }
  e["timeline"] = std::move(timeline);
  return e;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string num(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return fmt("%.1f", v.get_double());
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.get_string());
  return "?";
}

}  // namespace

std::string rfc3339_utc(uint64_t unix_ns) {
  std::time_t t = static_cast<std::time_t>(unix_ns / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

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
  for (const auto& p : r.phases) endpoints.push_back(phase_json(p));
  o["endpoints"] = std::move(endpoints);
  return o;
}

std::string render_table(const json::object& report) {
  struct Col {
    const char* title;
    const char* key;
  };
  static const Col cols[] = {
      {"endpoint", "endpoint"},    {"attempts", "attempts"},     {"acked", "acknowledged"},
      {"sold_out", "sold_out"},    {"errors", "errors"},         {"info", "indeterminate"},
      {"ledger", "ledger_orders"}, {"stock", "initial_stock"},   {"final", "final_stock"},
      {"oversold", "oversold"},    {"lost_upd", "lost_updates"}, {"lost_ack", "lost_acks"},
      {"phantom", "phantoms"},     {"dup", "duplicates"},        {"recov", "recovered"},
      {"rps", "throughput_rps"},   {"p50_ms", nullptr},          {"p99_ms", nullptr},
      {"integrity", "integrity"}};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& c : cols) header.emplace_back(c.title);
  rows.push_back(header);
  const auto* endpoints = report.if_contains("endpoints");
  if (endpoints && endpoints->is_array()) {
    for (const auto& ev : endpoints->get_array()) {
      const auto& e = ev.get_object();
      std::vector<std::string> row;
      for (const auto& c : cols) {
        if (c.key) {
          const auto* v = e.if_contains(c.key);
          row.push_back(v ? num(*v) : "-");
        } else {
          const auto& lat = e.at("latency_ms").get_object();
          row.push_back(
              fmt("%.2f",
                  lat.at(std::string(c.title) == "p50_ms" ? "p50" : "p99").to_number<double>()));
        }
      }
      rows.push_back(std::move(row));
    }
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out << row[i] << std::string(width[i] - row[i].size() + (i + 1 < row.size() ? 2 : 0), ' ');
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace stampede::coordinator
