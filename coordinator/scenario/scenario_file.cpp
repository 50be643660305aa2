// Reads scenario files with yaml-cpp into raw setting texts; run_spec checks the values.
#include "coordinator/scenario/scenario_file.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/http_server/json_reply.hpp"

namespace stampede::coordinator {
namespace {

// A structured value (a flow's steps) as JSON text, every scalar a string as YAML wrote it:
// the setting's own check reads the types it wants.
void append_json(std::string& out, const YAML::Node& node) {
  if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& kv : node) {
      if (!first) out += ',';
      first = false;
      http_server::append_json_string(out, kv.first.IsScalar() ? kv.first.Scalar() : std::string());
      out += ':';
      append_json(out, kv.second);
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    for (size_t i = 0; i < node.size(); ++i) {
      if (i > 0) out += ',';
      append_json(out, node[i]);
    }
    out += ']';
  } else if (node.IsScalar()) {
    http_server::append_json_string(out, node.Scalar());
  } else {
    out += "null";
  }
}

// A setting's values as written: one scalar, or a list of them where the setting takes many.
Expected<SettingValues> values_of(const YAML::Node& node, const Setting& setting,
                                  const std::string& where) {
  SettingValues out;
  out.origin = where;
  if (setting.name == "flow" && !node.IsScalar()) {
    // A flow written as YAML; written as one string, it is JSON text already.
    std::string text;
    append_json(text, node);
    out.values.push_back(std::move(text));
  } else if (node.IsScalar()) {
    out.values.push_back(node.Scalar());
  } else if (node.IsSequence() && setting.list) {
    for (const auto& item : node) {
      if (!item.IsScalar()) return unexpected(where + " entries must be single values");
      out.values.push_back(item.Scalar());
    }
  } else {
    return unexpected(where + (setting.list ? " must be a value or a list of values"
                                            : " must be a single value"));
  }
  return out;
}

Expected<SettingTexts> read_map(const YAML::Node& node, const std::string& where, unsigned source) {
  SettingTexts out;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return unexpected(where + ": keys must be names");
    const std::string key = kv.first.Scalar();
    const Setting* setting = find_setting(key);
    if (!setting || !(setting->sources & source)) {
      return unexpected(where + ": unknown key '" + key + "'" +
                        (setting
                             ? " (not a setting " + std::string(source == kPhase ? "a phase takes)"
                                                                                 : "of a scenario)")
                             : ""));
    }
    auto values = values_of(kv.second, *setting, where + (source == kPhase ? "." : ": ") + key);
    if (!values) return unexpected(values.error());
    out[key] = std::move(*values);
  }
  return out;
}

}  // namespace

Expected<RunInput> parse_scenario(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return unexpected(origin + ": not YAML or JSON: " + e.msg + " (line " +
                      std::to_string(e.mark.line + 1) + ")");
  }
  if (!root.IsMap()) return unexpected(origin + ": the scenario must be a mapping");
  RunInput input;
  YAML::Node settings;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (key == "name") {
      if (!kv.second.IsScalar()) return unexpected(origin + ": name must be a single value");
      input.scenario_name = kv.second.Scalar();
    } else if (key == "phases") {
      const YAML::Node& phases = kv.second;
      if (!phases.IsSequence() || phases.size() == 0) {
        return unexpected(origin + ": phases must be a non-empty list");
      }
      if (phases.size() > 64) return unexpected(origin + ": at most 64 phases");
      for (size_t i = 0; i < phases.size(); ++i) {
        const std::string where = origin + ": phases[" + std::to_string(i) + "]";
        if (!phases[i].IsMap()) return unexpected(where + " must be a mapping");
        auto phase = read_map(phases[i], where, kPhase);
        if (!phase) return unexpected(phase.error());
        if (!phase->count("endpoint")) return unexpected(where + " needs an endpoint");
        input.phases.push_back(std::move(*phase));
      }
    } else {
      settings[key] = kv.second;
    }
  }
  auto run = read_map(settings, origin, kScenario);
  if (!run) return unexpected(run.error());
  input.run = std::move(*run);
  return input;
}

Expected<RunInput> load_scenario_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return unexpected("scenario file " + path + " is not a readable file");
  }
  if (std::filesystem::file_size(path, ec) > (4u << 20)) {
    return unexpected("scenario file " + path + " is over 4 MiB");
  }
  std::ifstream in(path);
  if (!in) return unexpected("cannot read scenario file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace stampede::coordinator
