// Expectation checks over the JSON report, so scripts reading the report see what the CLI saw.
#include "coordinator/report/expectations.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace stampede::coordinator {
namespace {

std::string fixed(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

int64_t figure(const boost::json::object& e, const char* key) {
  return e.at(key).to_number<int64_t>();
}

}  // namespace

std::vector<std::string> unmet_expectations(const boost::json::object& report,
                                            const Expectations& expectations) {
  std::vector<std::string> out;
  const auto* endpoints = report.if_contains("endpoints");
  if (!endpoints || !endpoints->is_array()) return {"report has no endpoints"};
  std::set<std::string> seen;
  for (const auto& ev : endpoints->get_array()) {
    const auto& e = ev.get_object();
    const std::string name(e.at("endpoint").get_string());
    seen.insert(name);
    const bool ok = e.at("integrity").get_string() == "ok";
    if (expectations.expect_violated.count(name)) {
      if (ok)
        out.push_back(name + ": expected the oracle to catch a violation, but integrity held");
    } else if (!ok) {
      out.push_back(name + ": integrity violated (oversold " +
                    std::to_string(figure(e, "oversold")) + ", lost_updates " +
                    std::to_string(figure(e, "lost_updates")) + ", lost_acks " +
                    std::to_string(figure(e, "lost_acks")) + ", phantoms " +
                    std::to_string(figure(e, "phantoms")) + ", duplicates " +
                    std::to_string(figure(e, "duplicates")) + ")");
    }
    Limits limits = expectations.all;
    if (auto it = expectations.per_endpoint.find(name); it != expectations.per_endpoint.end()) {
      if (it->second.max_p99_ms) limits.max_p99_ms = it->second.max_p99_ms;
      if (it->second.max_error_rate) limits.max_error_rate = it->second.max_error_rate;
    }
    if (limits.max_p99_ms) {
      const double p99 = e.at("latency_ms").at("p99").to_number<double>();
      if (p99 > *limits.max_p99_ms) {
        out.push_back(name + ": p99 latency " + fixed(p99, "%.2f") + " ms is over the limit of " +
                      fixed(*limits.max_p99_ms, "%g") + " ms");
      }
    }
    if (limits.max_error_rate) {
      const double attempts = static_cast<double>(figure(e, "attempts"));
      const double errors = static_cast<double>(figure(e, "errors") + figure(e, "indeterminate"));
      const double rate = attempts > 0 ? errors / attempts : 0.0;
      if (rate > *limits.max_error_rate) {
        out.push_back(name + ": error rate " + fixed(rate, "%.4f") +
                      " (errors and indeterminate) is over the limit of " +
                      fixed(*limits.max_error_rate, "%g"));
      }
    }
  }
  for (const auto& name : expectations.expect_violated) {
    if (!seen.count(name))
      out.push_back(name + ": expected a violation, but the endpoint was not run");
  }
  return out;
}

}  // namespace stampede::coordinator
