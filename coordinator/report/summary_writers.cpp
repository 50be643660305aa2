// Markdown and HTML renderings. Everything shown comes from the typed report, and every string
// from it is escaped: endpoint labels and problems can carry user text.
#include "coordinator/report/summary_writers.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace stampede::coordinator {

namespace {

std::string num(double v, const char* fmt = "%.1f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string stock(const std::optional<int64_t>& v) {
  return v ? std::to_string(*v) : std::string("-");
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

// The oracle's figures, in the order the tables show them.
const std::pair<const char*, int64_t Verdict::*> kFigures[] = {
    {"oversold", &Verdict::oversold},     {"lost_updates", &Verdict::lost_updates},
    {"lost_acks", &Verdict::lost_acks},   {"phantoms", &Verdict::phantoms},
    {"duplicates", &Verdict::duplicates}, {"recovered", &Verdict::recovered}};

// The buyers' evidence figures the oracle weighed, as (name, value) lines.
std::vector<std::pair<std::string, std::string>> evidence_lines(const Verdict& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : kOptionalFigures) {
    if (const auto& value = v.*f.field) out.emplace_back(f.key, std::to_string(*value));
  }
  if (!out.empty() && v.clock_tolerance_ms) {
    out.emplace_back("clock tolerance", num(*v.clock_tolerance_ms, "%.3f") + " ms");
  }
  return out;
}

// A journey's steps and the lab's holds, one line each, as both summaries show them.
std::vector<std::string> journey_lines(const EndpointReport& e) {
  std::vector<std::string> out;
  for (const auto& step : e.steps) {
    std::string answers;
    for (const auto& [code, n] : step.status_codes) {
      answers.append(answers.empty() ? "" : ", ").append(std::to_string(code));
      answers.append(" ×").append(std::to_string(n));
    }
    std::string line = step.name;
    line.append(": ").append(std::to_string(step.attempts)).append(" tries, ");
    line.append(std::to_string(step.failed)).append(" ended there; answers ");
    line.append(answers.empty() ? "none" : answers);
    line.append("; p50 ").append(num(step.latency_ms.p50, "%.2f"));
    line.append(" ms, p99 ").append(num(step.latency_ms.p99, "%.2f")).append(" ms");
    out.push_back(std::move(line));
  }
  // Appended, not "text" + std::string: GCC 12 warns falsely on that (-Wrestrict).
  if (!e.steps.empty()) {
    out.emplace_back("journeys that ended holding stock: ");
    out.back().append(std::to_string(e.journeys_abandoned));
  }
  if (const auto& h = e.verdict.holds) {
    out.emplace_back("holds: ");
    out.back().append(holds_text(*h));
  }
  return out;
}

std::string clash_text(const RemainingClash& c) {
  std::string keys;
  for (const auto& k : c.keys) keys += (keys.empty() ? "" : ", ") + k;
  return "remaining " + std::to_string(c.remaining) + " was reported by " + keys;
}

// Throughput per second between consecutive timeline points, as an SVG polyline chart.
std::string throughput_svg(const std::vector<TimelinePoint>& timeline) {
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 1; i < timeline.size(); ++i) {
    const auto& a = timeline[i - 1];
    const auto& b = timeline[i];
    const double dt = b.t_s - a.t_s;
    if (dt <= 0) continue;
    // Each interval is drawn as a level segment at its mean rate.
    const double rate = (static_cast<double>(b.attempts) - static_cast<double>(a.attempts)) / dt;
    pts.emplace_back(a.t_s, rate);
    pts.emplace_back(b.t_s, rate);
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
std::string latency_over_time_svg(const std::vector<TimelinePoint>& timeline) {
  struct Point {
    double t, p50, p99;
  };
  std::vector<Point> pts;
  for (const auto& a : timeline) {
    if (a.p99_ms <= 0) continue;  // nothing ended in that interval
    pts.push_back({a.t_s, a.p50_ms, a.p99_ms});
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
std::string latency_svg(const LatencySummary& lat) {
  const std::pair<const char*, double> keys[] = {
      {"p50", lat.p50}, {"p90", lat.p90}, {"p99", lat.p99}, {"p999", lat.p999}, {"max", lat.max}};
  double max_v = 0;
  for (const auto& [k, v] : keys) max_v = std::max(max_v, v);
  if (max_v <= 0) max_v = 1;
  std::ostringstream svg;
  svg << "<svg viewBox='0 0 600 130' width='600' height='130' role='img' aria-label='latency "
         "percentiles'>";
  int y = 8;
  for (const auto& [k, v] : keys) {
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

std::string render_markdown(const RunReport& r, const std::vector<std::string>& unmet) {
  std::ostringstream md;
  md << "# Stampede run " << md_escape(r.run_id) << "\n\n";
  if (!r.scenario.empty()) md << "Scenario: " << md_escape(r.scenario) << "  \n";
  md << "Started " << r.started_at << ", " << num(r.duration_s) << " s, " << r.agents.size()
     << " agent(s).\n\n";
  md << (unmet.empty() ? "**Every expectation held.**\n\n" : "**Expectations failed:**\n\n");
  for (const auto& line : unmet) md << "- " << md_escape(line) << "\n";
  if (!unmet.empty()) md << "\n";
  md << "| endpoint | integrity | attempts | acknowledged | stock before → after | ledger | "
        "oversold | "
        "lost updates | lost acks | phantoms | duplicates | recovered | req/s | p50 ms | p99 ms |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& e : r.endpoints) {
    md << "| " << md_escape(e.endpoint) << " | " << integrity_word(e.verdict) << " | " << e.attempts
       << " | " << e.acknowledged << " | " << stock(e.initial_stock) << " → "
       << stock(e.final_stock) << " | " << e.verdict.ledger_orders;
    for (const auto& [k, field] : kFigures) md << " | " << e.verdict.*field;
    md << " | " << num(e.throughput_rps, "%.0f") << " | " << num(e.latency_ms.p50, "%.2f") << " | "
       << num(e.latency_ms.p99, "%.2f") << " |\n";
  }
  for (const auto& e : r.endpoints) {
    if (!e.problems.empty()) {
      md << "\nProblems on " << md_escape(e.endpoint) << ":\n";
      for (const auto& p : e.problems) md << "- " << md_escape(p) << "\n";
    }
    if (const auto lines = evidence_lines(e.verdict); !lines.empty()) {
      md << "\nThe buyers' evidence on " << md_escape(e.endpoint) << ":\n";
      for (const auto& [name, value] : lines)
        md << "- " << md_escape(name) << ": " << value << "\n";
      for (const auto& c : e.verdict.remaining_clashes)
        md << "- " << md_escape(clash_text(c)) << "\n";
    }
    if (const auto lines = journey_lines(e); !lines.empty()) {
      md << "\nThe journey on " << md_escape(e.endpoint) << ":\n";
      for (const auto& line : lines) md << "- " << md_escape(line) << "\n";
    }
    if (!e.verdict.checks_skipped.empty()) {
      md << "\nChecks skipped on " << md_escape(e.endpoint) << ":";
      for (const auto& s : e.verdict.checks_skipped) md << " " << md_escape(s);
      md << "\n";
    }
  }
  return md.str();
}

std::string render_html(const RunReport& r, const std::vector<std::string>& unmet) {
  std::ostringstream h;
  h << "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Stampede run "
    << html_escape(r.run_id) << "</title><style>"
    << "body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}"
    << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}"
    << ".ok{color:#1a7f37;font-weight:bold}.violated{color:#c0362c;font-weight:bold}"
    << ".unchecked{color:#777;font-weight:bold}"
    << "</style></head><body>";
  h << "<h1>Stampede run " << html_escape(r.run_id) << "</h1><p>Scenario "
    << html_escape(r.scenario) << " · started " << html_escape(r.started_at) << " · "
    << num(r.duration_s) << " s · " << r.agents.size() << " agent(s)</p>";
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
  for (const auto& [k, field] : kFigures) h << "<th>" << k << "</th>";
  h << "<th>req/s</th></tr>";
  for (const auto& e : r.endpoints) {
    const std::string integrity = integrity_word(e.verdict);
    h << "<tr><td>" << html_escape(e.endpoint) << "</td><td class='" << integrity << "'>"
      << integrity << "</td><td>" << e.attempts << "</td><td>" << e.acknowledged << "</td><td>"
      << stock(e.initial_stock) << "</td><td>" << stock(e.final_stock) << "</td><td>"
      << e.verdict.ledger_orders << "</td>";
    for (const auto& [k, field] : kFigures) h << "<td>" << e.verdict.*field << "</td>";
    h << "<td>" << num(e.throughput_rps, "%.0f") << "</td></tr>";
  }
  h << "</table>";
  for (const auto& e : r.endpoints) {
    h << "<h2>" << html_escape(e.endpoint) << "</h2><h3>Requests per second</h3>";
    h << (e.timeline.empty() ? std::string("<p>No timeline.</p>") : throughput_svg(e.timeline));
    h << "<h3>Latency over time</h3>"
      << (e.timeline.empty() ? std::string("<p>No timeline.</p>")
                             : latency_over_time_svg(e.timeline));
    h << "<h3>Latency</h3>" << latency_svg(e.latency_ms);
    if (const auto lines = evidence_lines(e.verdict); !lines.empty()) {
      h << "<h3>The buyers' evidence</h3><table>";
      for (const auto& [name, value] : lines) {
        h << "<tr><th>" << html_escape(name) << "</th><td>" << html_escape(value) << "</td></tr>";
      }
      h << "</table>";
      if (!e.verdict.remaining_clashes.empty()) {
        h << "<p>Stock left that more than one sale was told (each a lost update):</p><ul>";
        for (const auto& c : e.verdict.remaining_clashes) {
          h << "<li>" << html_escape(clash_text(c)) << "</li>";
        }
        h << "</ul>";
      }
    }
    if (const auto lines = journey_lines(e); !lines.empty()) {
      h << "<h3>The journey</h3><ul>";
      for (const auto& line : lines) h << "<li>" << html_escape(line) << "</li>";
      h << "</ul>";
    }
    if (!e.verdict.checks_skipped.empty()) {
      h << "<p>Checks skipped:";
      for (const auto& c : e.verdict.checks_skipped) h << " " << html_escape(c);
      h << "</p>";
    }
    if (!e.problems.empty()) {
      h << "<h3>Problems</h3><ul>";
      for (const auto& p : e.problems) h << "<li>" << html_escape(p) << "</li>";
      h << "</ul>";
    }
  }
  h << "</body></html>\n";
  return h.str();
}

}  // namespace stampede::coordinator
