// render_comparison and regressions: see the header.
#include "coordinator/report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>

namespace stampede::coordinator {
namespace {

// One row of the comparison: how to read the figure, and how to print it.
struct Row {
  const char* name;
  std::function<double(const EndpointReport&)> value;
  const char* format;
};

const std::vector<Row>& rows() {
  static const std::vector<Row> table = {
      {"throughput_rps", [](const EndpointReport& e) { return e.throughput_rps; }, "%.1f"},
      {"latency p50 ms", [](const EndpointReport& e) { return e.latency_ms.p50; }, "%.3f"},
      {"latency p90 ms", [](const EndpointReport& e) { return e.latency_ms.p90; }, "%.3f"},
      {"latency p99 ms", [](const EndpointReport& e) { return e.latency_ms.p99; }, "%.3f"},
      {"latency p999 ms", [](const EndpointReport& e) { return e.latency_ms.p999; }, "%.3f"},
      {"latency max ms", [](const EndpointReport& e) { return e.latency_ms.max; }, "%.3f"},
      {"duration_s", [](const EndpointReport& e) { return e.duration_s; }, "%.2f"},
      {"attempts", [](const EndpointReport& e) { return double(e.attempts); }, "%.0f"},
      {"acknowledged", [](const EndpointReport& e) { return double(e.acknowledged); }, "%.0f"},
      {"sold_out", [](const EndpointReport& e) { return double(e.sold_out); }, "%.0f"},
      {"errors", [](const EndpointReport& e) { return double(e.errors); }, "%.0f"},
      {"indeterminate", [](const EndpointReport& e) { return double(e.indeterminate); }, "%.0f"},
      {"ledger_orders", [](const EndpointReport& e) { return double(e.verdict.ledger_orders); },
       "%.0f"},
      {"oversold", [](const EndpointReport& e) { return double(e.verdict.oversold); }, "%.0f"},
      {"lost_updates", [](const EndpointReport& e) { return double(e.verdict.lost_updates); },
       "%.0f"},
      {"lost_acks", [](const EndpointReport& e) { return double(e.verdict.lost_acks); }, "%.0f"},
      {"phantoms", [](const EndpointReport& e) { return double(e.verdict.phantoms); }, "%.0f"},
      {"duplicates", [](const EndpointReport& e) { return double(e.verdict.duplicates); }, "%.0f"},
      {"recovered", [](const EndpointReport& e) { return double(e.verdict.recovered); }, "%.0f"},
  };
  static const std::vector<Row> with_evidence = [] {
    std::vector<Row> out = table;
    // A check one run skipped is NaN there, and shows as "-".
    for (const auto& f : kOptionalFigures) {
      out.push_back({f.key,
                     [field = f.field](const EndpointReport& e) {
                       const auto& v = e.verdict.*field;
                       return v ? double(*v) : std::nan("");
                     },
                     "%.0f"});
    }
    return out;
  }();
  return with_evidence;
}

std::string shown(const char* format, double v) {
  return std::isnan(v) ? std::string("-") : figure(format, v);
}

std::string change(double a, double b, const char* format) {
  if (std::isnan(a) || std::isnan(b)) return "";
  if (a == b) return "=";
  if (a == 0) {
    // Appended: GCC 12 warns falsely on "+" + std::string (-Wrestrict).
    std::string out = "+";
    return out.append(figure(format, b));
  }
  return figure("%+.1f%%", 100.0 * (b - a) / std::fabs(a));
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// Wide enough for the longest figure's name, remaining_out_of_range.
constexpr size_t kNameWidth = 24;

std::string name_cell(std::string_view name) {
  std::string out(name);
  out.resize(std::max(kNameWidth, name.size() + 1), ' ');
  return out;
}

}  // namespace

std::string render_comparison(const RunReport& a, const RunReport& b) {
  std::ostringstream out;
  out << "A: run " << a.run_id << " started " << a.started_at << "\n"
      << "B: run " << b.run_id << " started " << b.started_at << "\n";
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto* r : {&a, &b}) {
    for (const auto& e : r->endpoints) {
      if (seen.insert(e.endpoint).second) names.push_back(e.endpoint);
    }
  }
  for (const auto& name : names) {
    const EndpointReport* ea = a.endpoint(name);
    const EndpointReport* eb = b.endpoint(name);
    out << "\nendpoint " << name;
    if (!ea || !eb) {
      out << ": only in " << (ea ? "A" : "B") << "\n";
      continue;
    }
    out << "\n"
        << pad("", kNameWidth + 2) << pad("A", 14) << pad("B", 14) << pad("change", 12) << "\n";
    for (const auto& row : rows()) {
      const double va = row.value(*ea), vb = row.value(*eb);
      out << "  " << name_cell(row.name) << pad(shown(row.format, va), 14)
          << pad(shown(row.format, vb), 14) << pad(change(va, vb, row.format), 12) << "\n";
    }
    out << "  " << name_cell("integrity") << pad(integrity_word(ea->verdict), 14)
        << pad(integrity_word(eb->verdict), 14) << "\n";
  }
  return out.str();
}

std::vector<std::string> regressions(const RunReport& baseline, const RunReport& run,
                                     double max_regression) {
  std::vector<std::string> out;
  const std::string limit = figure("%g", 100 * max_regression) + " %";
  for (const auto& base : baseline.endpoints) {
    const EndpointReport* now = run.endpoint(base.endpoint);
    if (!now) {
      out.push_back(base.endpoint + ": in the baseline but not in this run");
      continue;
    }
    if (now->throughput_rps < base.throughput_rps * (1 - max_regression)) {
      out.push_back(base.endpoint + ": throughput fell from " +
                    figure("%.1f", base.throughput_rps) + " to " +
                    figure("%.1f", now->throughput_rps) + " req/s (" +
                    change(base.throughput_rps, now->throughput_rps, "%.1f") + "), more than the " +
                    limit + " allowed");
    }
    const double rise = now->latency_ms.p99 - base.latency_ms.p99;
    if (rise > base.latency_ms.p99 * max_regression && rise > kP99NoiseFloorMs) {
      out.push_back(base.endpoint + ": p99 latency rose from " +
                    figure("%.2f", base.latency_ms.p99) + " to " +
                    figure("%.2f", now->latency_ms.p99) + " ms (" +
                    change(base.latency_ms.p99, now->latency_ms.p99, "%.2f") + "), more than the " +
                    limit + " allowed");
    }
  }
  return out;
}

}  // namespace stampede::coordinator
