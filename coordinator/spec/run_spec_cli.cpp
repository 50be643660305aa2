// run_spec's table turned into CLI11 options.
#include "coordinator/spec/run_spec_cli.hpp"

#include <algorithm>

namespace stampede::coordinator {
namespace {

// What --help shows after the flag: the kind of value it takes.
std::string value_name(const Setting& s) {
  switch (s.bounds.kind) {
    case SettingBounds::Kind::count:
      return "N";
    case SettingBounds::Kind::number:
      return "X";
    case SettingBounds::Kind::duration:
      return "DURATION";
    case SettingBounds::Kind::none:
      break;
  }
  if (s.name == "header") return "K:V";
  if (s.name == "target" || s.name.ends_with("_url") || s.name == "pushgateway") return "URL";
  if (s.name.ends_with("_file") || s.name == "report" || s.name == "markdown" ||
      s.name == "html") {
    return "FILE";
  }
  return "TEXT";
}

}  // namespace

void add_run_flags(CLI::App& app, RunFlagTexts& texts, const std::vector<std::string_view>& only) {
  for (const auto& s : run_settings()) {
    if (!(s.sources & kFlag)) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), s.name) == only.end()) continue;
    const std::string name(s.name);
    CLI::Option* opt = nullptr;
    if (s.is_flag) {
      opt = app.add_flag(s.flag(), texts.switches[name], s.help_text());
    } else {
      opt = app.add_option(s.flag(), texts.values[name], s.help_text());
      opt->type_name(value_name(s));
      if (s.comma_list) opt->delimiter(',');
      if (!s.list) {
        // One value: given twice, the last one stands (as a later source would).
        opt->expected(1);
        opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      }
      if (!s.default_text.empty()) opt->default_str(std::string(s.default_text));
    }
    texts.options[name] = opt;
  }
}

SettingTexts given_flags(const RunFlagTexts& texts) {
  SettingTexts out;
  for (const auto& [name, opt] : texts.options) {
    if (opt->count() == 0) continue;
    SettingValues given;
    given.origin = opt->get_name();
    if (auto sw = texts.switches.find(name); sw != texts.switches.end()) {
      given.values = {sw->second ? "true" : "false"};
    } else {
      given.values = texts.values.at(name);
    }
    out[name] = std::move(given);
  }
  return out;
}

}  // namespace stampede::coordinator
