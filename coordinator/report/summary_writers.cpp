// Markdown and HTML renderings. Everything shown comes from the JSON report, and every string
// from it is escaped: endpoint labels and problems can carry user text.
#include "coordinator/report/summary_writers.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

std::string num(const json::value& v, const char* fmt = "%.1f") {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v.get_double());
    return buf;
  }
  if (v.is_string()) return std::string(v.get_string());
  return "-";
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_' || c == '`') out += '\\';
    out += c;
  }
  return out;
}

const char* kFigures[] = {"oversold", "lost_updates", "lost_acks",
                          "phantoms", "duplicates",   "recovered"};

// Throughput per second between consecutive timeline points, as an SVG polyline chart.
std::string throughput_svg(const json::array& timeline) {
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 1; i < timeline.size(); ++i) {
    const auto& a = timeline[i - 1].as_array();
    const auto& b = timeline[i].as_array();
    const double dt = b[0].to_number<double>() - a[0].to_number<double>();
    if (dt <= 0) continue;
    // Each interval is drawn as a level segment at its mean rate.
    const double rate = (b[1].to_number<double>() - a[1].to_number<double>()) / dt;
    pts.emplace_back(a[0].to_number<double>(), rate);
    pts.emplace_back(b[0].to_number<double>(), rate);
  }
  if (pts.empty()) return "<p>Too short for a throughput chart.</p>";
  const double w = 600, h = 160, pad = 40;
  double max_t = 0, max_r = 0;
  for (auto [t, r] : pts) {
    max_t = std::max(max_t, t);
    max_r = std::max(max_r, r);
  }
  if (max_t <= 0) max_t = 1;
  if (max_r <= 0) max_r = 1;
  std::ostringstream svg;
  svg << "<svg viewBox='0 0 " << w << " " << h << "' width='" << w << "' height='" << h
      << "' role='img' aria-label='requests per second over time'>"
      << "<line x1='" << pad << "' y1='" << h - 20 << "' x2='" << w - 10 << "' y2='" << h - 20
      << "' stroke='#999'/><line x1='" << pad << "' y1='10' x2='" << pad << "' y2='" << h - 20
      << "' stroke='#999'/><polyline fill='none' stroke='#2a6fdb' stroke-width='2' points='";
  for (auto [t, r] : pts) {
    svg << pad + (w - pad - 10) * t / max_t << "," << (h - 20) - (h - 30) * r / max_r << " ";
  }
  char top[32], right[32];
  std::snprintf(top, sizeof top, "%.0f/s", max_r);
  std::snprintf(right, sizeof right, "%.1f s", max_t);
  svg << "'/><text x='2' y='18' font-size='11'>" << top << "</text><text x='" << w - 60 << "' y='"
      << h - 4 << "' font-size='11'>" << right << "</text></svg>";
  return svg.str();
}

// p50 and p99 of each timeline interval (the attempts that ended in it), as two polylines.
std::string latency_over_time_svg(const json::array& timeline) {
  struct Point {
    double t, p50, p99;
  };
  std::vector<Point> pts;
  for (const auto& v : timeline) {
    const auto& a = v.as_array();
    if (a.size() < 7) continue;  // a report from before latency over time
    const double p99 = a[6].to_number<double>();
    if (p99 <= 0) continue;  // nothing ended in that interval
    pts.push_back({a[0].to_number<double>(), a[5].to_number<double>(), p99});
  }
  if (pts.empty()) return "<p>No latency over time (the phase was shorter than one update).</p>";
  const double w = 600, h = 160, pad = 40;
  double max_t = 0, max_v = 0;
  for (const auto& p : pts) {
    max_t = std::max(max_t, p.t);
    max_v = std::max(max_v, p.p99);
  }
  if (max_t <= 0) max_t = 1;
  if (max_v <= 0) max_v = 1;
  std::ostringstream svg;
  svg << "<svg viewBox='0 0 " << w << " " << h << "' width='" << w << "' height='" << h
      << "' role='img' aria-label='latency p50 and p99 over time'>"
      << "<line x1='" << pad << "' y1='" << h - 20 << "' x2='" << w - 10 << "' y2='" << h - 20
      << "' stroke='#999'/><line x1='" << pad << "' y1='10' x2='" << pad << "' y2='" << h - 20
      << "' stroke='#999'/>";
  const std::pair<const char*, double Point::*> lines[] = {{"#2a6fdb", &Point::p50},
                                                           {"#d9822b", &Point::p99}};
  for (const auto& [colour, field] : lines) {
    svg << "<polyline fill='none' stroke='" << colour << "' stroke-width='2' points='";
    for (const auto& p : pts) {
      svg << pad + (w - pad - 10) * p.t / max_t << "," << (h - 20) - (h - 30) * (p.*field) / max_v
          << " ";
    }
    svg << "'/>";
  }
  char top[32], right[32];
  std::snprintf(top, sizeof top, "%.1f ms", max_v);
  std::snprintf(right, sizeof right, "%.1f s", max_t);
  svg << "<text x='2' y='18' font-size='11'>" << top << "</text><text x='" << w - 60 << "' y='"
      << h - 4 << "' font-size='11'>" << right << "</text><text x='" << w - 170
      << "' y='18' font-size='11' fill='#2a6fdb'>p50</text><text x='" << w - 140
      << "' y='18' font-size='11' fill='#d9822b'>p99</text></svg>";
  return svg.str();
}

// Latency percentiles as horizontal bars.
std::string latency_svg(const json::object& lat) {
  const char* keys[] = {"p50", "p90", "p99", "p999", "max"};
  double max_v = 0;
  for (auto* k : keys) max_v = std::max(max_v, lat.at(k).to_number<double>());
  if (max_v <= 0) max_v = 1;
  std::ostringstream svg;
  svg << "<svg viewBox='0 0 600 130' width='600' height='130' role='img' aria-label='latency "
         "percentiles'>";
  int y = 8;
  for (auto* k : keys) {
    const double v = lat.at(k).to_number<double>();
    char label[48];
    std::snprintf(label, sizeof label, "%.2f ms", v);
    svg << "<text x='0' y='" << y + 12 << "' font-size='11'>" << k << "</text><rect x='45' y='" << y
        << "' height='16' width='" << 450 * v / max_v << "' fill='#e08a2b'/><text x='"
        << 50 + 450 * v / max_v << "' y='" << y + 12 << "' font-size='11'>" << label << "</text>";
    y += 24;
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

std::string render_markdown(const json::object& r, const std::vector<std::string>& unmet) {
  std::ostringstream md;
  md << "# Stampede run " << md_escape(num(r.at("run_id"))) << "\n\n";
  if (!r.at("scenario").as_string().empty())
    md << "Scenario: " << md_escape(num(r.at("scenario"))) << "  \n";
  md << "Started " << num(r.at("started_at")) << ", " << num(r.at("duration_s")) << " s, "
     << r.at("agents").as_array().size() << " agent(s).\n\n";
  md << (unmet.empty() ? "**Every expectation held.**\n\n" : "**Expectations failed:**\n\n");
  for (const auto& line : unmet) md << "- " << md_escape(line) << "\n";
  if (!unmet.empty()) md << "\n";
  md << "| endpoint | integrity | attempts | acknowledged | stock before → after | ledger | "
        "oversold | "
        "lost updates | lost acks | phantoms | duplicates | recovered | req/s | p50 ms | p99 ms |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& ev : r.at("endpoints").as_array()) {
    const auto& e = ev.as_object();
    md << "| " << md_escape(num(e.at("endpoint"))) << " | " << num(e.at("integrity")) << " | "
       << num(e.at("attempts")) << " | " << num(e.at("acknowledged")) << " | "
       << num(e.at("initial_stock")) << " → " << num(e.at("final_stock")) << " | "
       << num(e.at("ledger_orders"));
    for (auto* k : kFigures) md << " | " << num(e.at(k));
    const auto& lat = e.at("latency_ms").as_object();
    md << " | " << num(e.at("throughput_rps"), "%.0f") << " | " << num(lat.at("p50"), "%.2f")
       << " | " << num(lat.at("p99"), "%.2f") << " |\n";
  }
  for (const auto& ev : r.at("endpoints").as_array()) {
    const auto& e = ev.as_object();
    const auto* problems = e.if_contains("problems");
    if (problems && !problems->as_array().empty()) {
      md << "\nProblems on " << md_escape(num(e.at("endpoint"))) << ":\n";
      for (const auto& p : problems->as_array()) md << "- " << md_escape(num(p)) << "\n";
    }
    const auto& skipped = e.at("checks_skipped").as_array();
    if (!skipped.empty()) {
      md << "\nChecks skipped on " << md_escape(num(e.at("endpoint"))) << ":";
      for (const auto& s : skipped) md << " " << md_escape(num(s));
      md << "\n";
    }
  }
  return md.str();
}

std::string render_html(const json::object& r, const std::vector<std::string>& unmet) {
  std::ostringstream h;
  h << "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Stampede run "
    << html_escape(num(r.at("run_id"))) << "</title><style>"
    << "body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}"
    << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}"
    << ".ok{color:#1a7f37;font-weight:bold}.violated{color:#c0362c;font-weight:bold}"
    << "</style></head><body>";
  h << "<h1>Stampede run " << html_escape(num(r.at("run_id"))) << "</h1><p>Scenario "
    << html_escape(num(r.at("scenario"))) << " · started " << html_escape(num(r.at("started_at")))
    << " · " << num(r.at("duration_s")) << " s · " << r.at("agents").as_array().size()
    << " agent(s)</p>";
  if (unmet.empty()) {
    h << "<p class='ok'>Every expectation held.</p>";
  } else {
    h << "<p class='violated'>Expectations failed:</p><ul>";
    for (const auto& line : unmet) h << "<li>" << html_escape(line) << "</li>";
    h << "</ul>";
  }
  h << "<table><tr><th>endpoint</th><th>integrity</th><th>attempts</th><th>acknowledged</"
       "th><th>stock</th>"
       "<th>final</th><th>ledger</th>";
  for (auto* k : kFigures) h << "<th>" << k << "</th>";
  h << "<th>req/s</th></tr>";
  for (const auto& ev : r.at("endpoints").as_array()) {
    const auto& e = ev.as_object();
    const std::string integrity = num(e.at("integrity"));
    h << "<tr><td>" << html_escape(num(e.at("endpoint"))) << "</td><td class='"
      << html_escape(integrity) << "'>" << html_escape(integrity) << "</td><td>"
      << num(e.at("attempts")) << "</td><td>" << num(e.at("acknowledged")) << "</td><td>"
      << num(e.at("initial_stock")) << "</td><td>" << num(e.at("final_stock")) << "</td><td>"
      << num(e.at("ledger_orders")) << "</td>";
    for (auto* k : kFigures) h << "<td>" << num(e.at(k)) << "</td>";
    h << "<td>" << num(e.at("throughput_rps"), "%.0f") << "</td></tr>";
  }
  h << "</table>";
  for (const auto& ev : r.at("endpoints").as_array()) {
    const auto& e = ev.as_object();
    h << "<h2>" << html_escape(num(e.at("endpoint"))) << "</h2><h3>Requests per second</h3>";
    const auto* timeline = e.if_contains("timeline");
    h << (timeline ? throughput_svg(timeline->as_array()) : std::string("<p>No timeline.</p>"));
    h << "<h3>Latency over time</h3>"
      << (timeline ? latency_over_time_svg(timeline->as_array())
                   : std::string("<p>No timeline.</p>"));
    h << "<h3>Latency</h3>" << latency_svg(e.at("latency_ms").as_object());
    const auto* problems = e.if_contains("problems");
    if (problems && !problems->as_array().empty()) {
      h << "<h3>Problems</h3><ul>";
      for (const auto& p : problems->as_array()) h << "<li>" << html_escape(num(p)) << "</li>";
      h << "</ul>";
    }
  }
  h << "</body></html>\n";
  return h.str();
}

}  // namespace stampede::coordinator
