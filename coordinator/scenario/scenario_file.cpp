// Reads scenario files with yaml-cpp and checks every key and value before a run starts.
#include "coordinator/scenario/scenario_file.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/duration.hpp"

namespace stampede::coordinator {
namespace {

const std::set<std::string> kPhaseKeys = {"endpoint", "users",      "requests",      "duration",
                                          "rate",     "stock",      "ramp",          "think_time",
                                          "expect",   "max_p99_ms", "max_error_rate"};

Expected<std::string> scalar(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) return unexpected(where + " must be a single value");
  return node.Scalar();
}

template <class T>
Expected<T> number(const YAML::Node& node, const std::string& where, T lo, T hi) {
  T value{};
  if (!node.IsScalar() || !YAML::convert<T>::decode(node, value) || value < lo || value > hi) {
    std::ostringstream range;
    range << lo << ".." << hi;
    return unexpected(where + " must be a number in " + range.str());
  }
  return value;
}

Expected<ScenarioPhase> parse_phase(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) return unexpected(where + " must be a mapping");
  ScenarioPhase phase;
  phase.spec.set_stock(-1);
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string at = where + "." + key;
    const YAML::Node& v = kv.second;
    if (!kPhaseKeys.count(key)) return unexpected(where + ": unknown key '" + key + "'");
    if (key == "endpoint") {
      auto s = scalar(v, at);
      if (!s) return unexpected(s.error());
      phase.spec.set_endpoint(*s);
    } else if (key == "users") {
      auto n = number<uint32_t>(v, at, 1, 10'000'000);
      if (!n) return unexpected(n.error());
      phase.spec.set_users(*n);
    } else if (key == "requests") {
      auto n = number<uint64_t>(v, at, 1, uint64_t{1} << 40);
      if (!n) return unexpected(n.error());
      phase.spec.set_attempts(*n);
    } else if (key == "rate") {
      auto n = number<double>(v, at, 0, 1e9);
      if (!n) return unexpected(n.error());
      phase.spec.set_rate_per_s(*n);
    } else if (key == "stock") {
      auto n = number<int64_t>(v, at, 0, int64_t{1} << 40);
      if (!n) return unexpected(n.error());
      phase.spec.set_stock(*n);
    } else if (key == "duration" || key == "ramp" || key == "think_time") {
      auto s = scalar(v, at);
      if (!s) return unexpected(s.error());
      auto ms = parse_duration_ms(*s);
      if (!ms) return unexpected(at + ": " + ms.error());
      if (key == "duration") phase.spec.set_duration_ms(*ms);
      if (key == "ramp") phase.spec.set_ramp_ms(*ms);
      if (key == "think_time") phase.spec.set_think_time_ms(*ms);
    } else if (key == "expect") {
      auto s = scalar(v, at);
      if (!s || (*s != "hold" && *s != "violated"))
        return unexpected(at + " must be 'hold' or 'violated'");
      phase.expect_violated = *s == "violated";
    } else if (key == "max_p99_ms") {
      auto n = number<double>(v, at, 0, 3.6e6);
      if (!n) return unexpected(n.error());
      phase.max_p99_ms = *n;
    } else if (key == "max_error_rate") {
      auto n = number<double>(v, at, 0, 1);
      if (!n) return unexpected(n.error());
      phase.max_error_rate = *n;
    }
  }
  if (phase.spec.endpoint().empty()) return unexpected(where + " needs an endpoint");
  return phase;
}

}  // namespace

const std::vector<std::string>& scenario_setting_keys() {
  static const std::vector<std::string> keys = {"target",
                                                "admin_url",
                                                "admin_token_file",
                                                "expect_agents",
                                                "agents_wait",
                                                "method",
                                                "path",
                                                "header",
                                                "body",
                                                "sold_out_status",
                                                "order_id_field",
                                                "stock_url",
                                                "stock_field",
                                                "ledger_url",
                                                "connect_timeout_ms",
                                                "request_timeout_ms",
                                                "retries",
                                                "retry_backoff_ms",
                                                "agent_threads",
                                                "users",
                                                "requests",
                                                "duration",
                                                "rate",
                                                "stock",
                                                "ramp",
                                                "think_time",
                                                "max_p99_ms",
                                                "max_error_rate",
                                                "report"};
  return keys;
}

Expected<Scenario> parse_scenario(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return unexpected(origin + ": not YAML or JSON: " + e.msg + " (line " +
                      std::to_string(e.mark.line + 1) + ")");
  }
  if (!root.IsMap()) return unexpected(origin + ": the scenario must be a mapping");
  Scenario out;
  const auto& allowed = scenario_setting_keys();
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      auto s = scalar(v, origin + ": name");
      if (!s) return unexpected(s.error());
      out.name = *s;
    } else if (key == "phases") {
      if (!v.IsSequence() || v.size() == 0)
        return unexpected(origin + ": phases must be a non-empty list");
      for (size_t i = 0; i < v.size(); ++i) {
        auto phase = parse_phase(v[i], origin + ": phases[" + std::to_string(i) + "]");
        if (!phase) return unexpected(phase.error());
        out.phases.push_back(std::move(*phase));
      }
    } else if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
      auto& values = out.settings[key];
      if (v.IsSequence()) {
        for (const auto& item : v) {
          if (!item.IsScalar())
            return unexpected(origin + ": " + key + " entries must be single values");
          values.push_back(item.Scalar());
        }
      } else {
        auto s = scalar(v, origin + ": " + key);
        if (!s) return unexpected(s.error());
        values.push_back(*s);
      }
    } else {
      return unexpected(origin + ": unknown key '" + key + "'");
    }
  }
  return out;
}

Expected<Scenario> load_scenario_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected("cannot read scenario file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace stampede::coordinator
