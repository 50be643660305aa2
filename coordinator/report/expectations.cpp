// Expectation checks over the JSON report, so scripts reading the report see what the CLI saw.
#include "coordinator/report/expectations.hpp"

#include <boost/json.hpp>

namespace stampede::coordinator {

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
                    std::to_string(e.at("oversold").to_number<int64_t>()) + ", lost_updates " +
                    std::to_string(e.at("lost_updates").to_number<int64_t>()) + ", lost_acks " +
                    std::to_string(e.at("lost_acks").to_number<int64_t>()) + ", phantoms " +
                    std::to_string(e.at("phantoms").to_number<int64_t>()) + ", duplicates " +
                    std::to_string(e.at("duplicates").to_number<int64_t>()) + ")");
    }
  }
  for (const auto& name : expectations.expect_violated) {
    if (!seen.count(name))
      out.push_back(name + ": expected a violation, but the endpoint was not run");
  }
  return out;
}

}  // namespace stampede::coordinator
