// Expectation checks over the typed report, so what the CLI decides is what the report says.
#include "coordinator/report/expectations.hpp"

namespace stampede::coordinator {
namespace {

// The figures that are not clean, "oversold 3, remaining_duplicates 2".
std::string dirty_figures(const Verdict& v) {
  std::string out;
  auto add = [&](const char* name, int64_t value) {
    if (value != 0)
      out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(value);
  };
  add("oversold", v.oversold);
  add("lost_updates", v.lost_updates);
  add("lost_acks", v.lost_acks);
  add("phantoms", v.phantoms);
  add("duplicates", v.duplicates);
  if (v.negative_stock) out += std::string(out.empty() ? "" : ", ") + "negative stock";
  for (const auto& f : kOptionalFigures) {
    if (const auto& value = v.*f.field) add(f.key, *value);
  }
  return out;
}

}  // namespace

std::vector<std::string> unmet_expectations(const RunReport& report,
                                            const Expectations& expectations) {
  std::vector<std::string> out;
  if (report.endpoints.empty()) return {"report has no endpoints"};
  std::set<std::string> seen;
  for (const auto& e : report.endpoints) {
    const std::string& name = e.endpoint;
    seen.insert(name);
    const Verdict& v = e.verdict;
    if (e.untested()) {
      const std::string attempts = std::to_string(e.attempts) + " attempts";
      out.push_back(name + ": nothing was tested: " +
                    (e.unanswered() ? "the checkout answered none of its " + attempts
                                    : "none of its " + attempts + " bought or was told sold out"));
      // No threshold either: an endpoint nobody answered has only errors to show.
      if (e.unanswered()) continue;
    } else if (expectations.expect_violated.count(name)) {
      if (!v.checked) {
        out.push_back(name +
                      ": expected the oracle to catch a violation, but no check could be "
                      "made (a plain load test: no stock source, no ledger)");
      } else if (e.integrity_ok()) {
        out.push_back(name + ": expected the oracle to catch a violation, but integrity held");
      }
    } else if (!e.integrity_ok()) {
      out.push_back(name + ": integrity violated (" + dirty_figures(v) + ")");
    }
    Limits limits = expectations.all;
    if (auto it = expectations.per_endpoint.find(name); it != expectations.per_endpoint.end()) {
      if (it->second.max_p99_ms) limits.max_p99_ms = it->second.max_p99_ms;
      if (it->second.max_error_rate) limits.max_error_rate = it->second.max_error_rate;
    }
    if (limits.max_p99_ms && e.latency_ms.p99 > *limits.max_p99_ms) {
      out.push_back(name + ": p99 latency " + figure("%.2f", e.latency_ms.p99) +
                    " ms is over the limit of " + figure("%g", *limits.max_p99_ms) + " ms");
    }
    if (limits.max_error_rate) {
      const double attempts = static_cast<double>(e.attempts);
      const double errors = static_cast<double>(e.errors + e.indeterminate);
      const double rate = attempts > 0 ? errors / attempts : 0.0;
      if (rate > *limits.max_error_rate) {
        out.push_back(name + ": error rate " + figure("%.4f", rate) +
                      " (errors and indeterminate) is over the limit of " +
                      figure("%g", *limits.max_error_rate));
      }
    }
  }
  for (const auto& name : expectations.expect_violated) {
    if (!seen.count(name)) {
      out.push_back(name + ": expected a violation, but the endpoint was not run");
    }
  }
  return out;
}

}  // namespace stampede::coordinator
