// Form fields as run settings, resolved and built as the command line's are.
#include "coordinator/ui/launch_form.hpp"

#include <boost/json.hpp>
#include <optional>

#include "common/url.hpp"
#include "coordinator/spec/run_request.hpp"
#include "coordinator/spec/run_spec.hpp"

namespace stampede::coordinator::ui {
namespace json = boost::json;

namespace {

// The form's fields: run settings (kForm in run_spec), and the run's label.
bool is_field(std::string_view key) {
  if (key == "strategy") return true;
  const Setting* s = find_setting(key);
  return s && (s->sources & kForm);
}

bool blank(const json::value& v) {
  return v.is_null() || (v.is_string() && v.get_string().empty());
}

// A field's value as the text a flag would carry: strings as they are, numbers as JSON writes
// them, so 2000 and "2000" are the same and 1e400 is refused by the setting, not half-read.
Expected<std::string> text_of(std::string_view key, const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64() || v.is_uint64() || v.is_double()) return json::serialize(v);
  return unexpected(std::string(key) + " must be a string or a number");
}

bool label_chars(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return true;
}

std::string origin_of(const std::string& url) {
  auto u = HttpUrl::parse(url);
  return u ? u->origin() : std::string();
}

}  // namespace

Expected<LaunchPlan> run_request_from_form(const json::object& form, const LaunchDefaults& defaults,
                                           unsigned live_agents, const std::string& run_id) {
  RunInput input;
  std::string strategy;
  for (const auto& kv : form) {
    const std::string key(kv.key());
    if (!is_field(key)) return unexpected("unknown field '" + key + "'");
    if (blank(kv.value())) continue;
    auto text = text_of(key, kv.value());
    if (!text) return unexpected(text.error());
    if (key == "strategy") {
      strategy = *text;
    } else {
      input.run[key] = SettingValues{{*text}, key};
    }
  }
  if (!input.run.count("endpoint")) return unexpected("give an endpoint (buggy, unstable, safe)");
  if (input.run.count("requests") && input.run.count("duration")) {
    return unexpected("give requests or duration, not both");
  }
  if (!input.run.count("requests") && !input.run.count("duration")) {
    return unexpected("give requests or a duration (30s, 2m)");
  }
  if (!strategy.empty() && (strategy.size() > 64 || !label_chars(strategy))) {
    return unexpected("strategy: up to 64 letters, digits, '-', '_' and '.'");
  }
  if (!input.run.count("target")) {
    if (defaults.target.empty()) return unexpected("give a target URL (http://host:port)");
    input.run["target"] = SettingValues{{defaults.target}, "the console's --ui-target"};
  }
  if (!input.run.count("expect_agents")) {
    input.run["expect_agents"] =
        SettingValues{{std::to_string(std::max(1u, live_agents))}, "the agents live"};
  }
  input.run["run_id"] = SettingValues{{run_id}, "the console's run id"};
  input.run["quiet"] = SettingValues{{"true"}, "the console"};
  if (input.run.count("stock")) {
    // Only the bundled target's admin listener and token are known to the console; sending that
    // token to any other address would hand it out.
    if (defaults.admin_url.empty() || defaults.admin_token_file.empty()) {
      return unexpected(
          "stock: the console was started without --ui-admin-url and --ui-admin-token-file; "
          "leave stock empty to read it from the target instead");
    }
    if (origin_of(input.run["target"].values.front()) != origin_of(defaults.target)) {
      return unexpected("stock: a reset goes only to the bundled target (" + defaults.target +
                        "); leave stock empty for another target");
    }
    input.run["admin_url"] = SettingValues{{defaults.admin_url}, "the console's --ui-admin-url"};
    input.run["admin_token_file"] =
        SettingValues{{defaults.admin_token_file}, "the console's --ui-admin-token-file"};
  }
  const std::string endpoint = input.run["endpoint"].values.front();
  input.scenario_name = strategy.empty() ? endpoint : endpoint + " (" + strategy + ")";
  auto settings = resolve(input);
  if (!settings) return unexpected(settings.error());
  auto request = build_run_request(*settings);
  if (!request) return unexpected(request.error());
  return LaunchPlan{std::move(*request), input.scenario_name, origin_of(settings->target)};
}

}  // namespace stampede::coordinator::ui
