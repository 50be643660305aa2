// The report's derived figures and its terminal table.
#include "coordinator/report/report.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace stampede::coordinator {

namespace {

double ms(uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

}  // namespace

std::string figure(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

LatencySummary LatencySummary::of(const LatencyHistogram& h) {
  return {ms(h.percentile_us(50)), ms(h.percentile_us(90)), ms(h.percentile_us(99)),
          ms(h.percentile_us(99.9)), ms(h.max_us())};
}

const EndpointReport* RunReport::endpoint(std::string_view name) const {
  for (const auto& e : endpoints) {
    if (e.endpoint == name) return &e;
  }
  return nullptr;
}

bool RunReport::integrity_ok() const {
  if (endpoints.empty()) return false;
  for (const auto& e : endpoints) {
    if (!e.integrity_ok()) return false;
  }
  return true;
}

const char* RunReport::integrity_word() const {
  if (!integrity_ok()) return "violated";
  // An endpoint on which nothing was tested keeps the run from reading "ok".
  const bool any_untested =
      std::any_of(endpoints.begin(), endpoints.end(), [](const auto& e) { return e.untested(); });
  const bool any_checked = std::any_of(endpoints.begin(), endpoints.end(),
                                       [](const auto& e) { return e.verdict.checked; });
  return any_checked && !any_untested ? "ok" : "unchecked";
}

namespace {

// A figure's cell: "-" where its check was skipped, so a zero always means checked and clean.
std::string checked(const EndpointReport& e, const char* key, int64_t value) {
  const auto& skipped = e.verdict.checks_skipped;
  if (std::find(skipped.begin(), skipped.end(), key) != skipped.end()) return "-";
  return std::to_string(value);
}

std::string optional_cell(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : std::string("-");
}

}  // namespace

namespace {

// A journey's steps, one line an endpoint: how far the buyers got, and how fast; then the lab's
// holds where it reported any.
void steps_lines(std::ostringstream& out, const RunReport& report) {
  for (const auto& e : report.endpoints) {
    if (!e.steps.empty()) {
      out << e.endpoint << " steps:";
      for (const auto& step : e.steps) {
        out << ' ' << step.name << ' ' << step.attempts << " (";
        bool first = true;
        for (const auto& [code, n] : step.status_codes) {
          out << (first ? "" : ", ") << code << ": " << n;
          first = false;
        }
        out << (first ? "" : ", ") << "p99 " << figure("%.2f", step.latency_ms.p99) << " ms)";
      }
      if (e.journeys_abandoned > 0) {
        out << "; " << e.journeys_abandoned << " abandoned holding stock";
      }
      out << '\n';
    }
    if (const auto& h = e.verdict.holds; h && h->placed > 0) {
      out << e.endpoint << " holds: " << holds_text(*h) << '\n';
    }
  }
}

}  // namespace

std::string holds_text(const HoldFigures& h) {
  std::string text = std::to_string(h.placed);
  text.append(" placed, ").append(std::to_string(h.confirmed)).append(" confirmed, ");
  text.append(std::to_string(h.expired)).append(" expired, ").append(std::to_string(h.open));
  return text.append(" open at the end");
}

std::string render_table(const RunReport& report) {
  using Cell = std::string (*)(const EndpointReport&);
  struct Col {
    const char* title;
    Cell cell;
  };
  static const Col cols[] = {
      {"endpoint", [](const EndpointReport& e) { return e.endpoint; }},
      {"attempts", [](const EndpointReport& e) { return std::to_string(e.attempts); }},
      {"acked", [](const EndpointReport& e) { return std::to_string(e.acknowledged); }},
      {"sold_out", [](const EndpointReport& e) { return std::to_string(e.sold_out); }},
      {"errors", [](const EndpointReport& e) { return std::to_string(e.errors); }},
      {"info", [](const EndpointReport& e) { return std::to_string(e.indeterminate); }},
      {"ledger",
       [](const EndpointReport& e) { return checked(e, "phantoms", e.verdict.ledger_orders); }},
      {"stock", [](const EndpointReport& e) { return optional_cell(e.initial_stock); }},
      {"final", [](const EndpointReport& e) { return optional_cell(e.final_stock); }},
      {"oversold",
       [](const EndpointReport& e) { return checked(e, "oversold", e.verdict.oversold); }},
      {"lost_upd",
       [](const EndpointReport& e) { return checked(e, "lost_updates", e.verdict.lost_updates); }},
      {"lost_ack",
       [](const EndpointReport& e) { return checked(e, "lost_acks", e.verdict.lost_acks); }},
      {"phantom",
       [](const EndpointReport& e) { return checked(e, "phantoms", e.verdict.phantoms); }},
      {"dup",
       [](const EndpointReport& e) { return checked(e, "duplicates", e.verdict.duplicates); }},
      {"recov",
       [](const EndpointReport& e) { return checked(e, "recovered", e.verdict.recovered); }},
      {"rem_dup",
       [](const EndpointReport& e) { return optional_cell(e.verdict.remaining_duplicates); }},
      {"unseen", [](const EndpointReport& e) { return optional_cell(e.verdict.unseen_sales); }},
      {"false_so", [](const EndpointReport& e) { return optional_cell(e.verdict.false_sold_out); }},
      {"rps", [](const EndpointReport& e) { return figure("%.1f", e.throughput_rps); }},
      {"p50_ms", [](const EndpointReport& e) { return figure("%.2f", e.latency_ms.p50); }},
      {"p99_ms", [](const EndpointReport& e) { return figure("%.2f", e.latency_ms.p99); }},
      {"integrity", [](const EndpointReport& e) { return std::string(integrity_word(e.verdict)); }},
  };
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& c : cols) header.emplace_back(c.title);
  rows.push_back(header);
  for (const auto& e : report.endpoints) {
    std::vector<std::string> row;
    for (const auto& c : cols) row.push_back(c.cell(e));
    rows.push_back(std::move(row));
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
  // The figures without a column, named where they are not clean.
  for (const auto& e : report.endpoints) {
    std::string dirty;
    for (const auto& f : kOptionalFigures) {
      const std::string_view key = f.key;
      const bool has_column =
          key == "remaining_duplicates" || key == "unseen_sales" || key == "false_sold_out";
      const auto& value = e.verdict.*f.field;
      if (!has_column && value && *value != 0)
        dirty.append(" ").append(key).append(" ").append(std::to_string(*value));
    }
    if (!dirty.empty()) out << e.endpoint << ":" << dirty << '\n';
  }
  steps_lines(out, report);
  return out.str();
}

}  // namespace stampede::coordinator
