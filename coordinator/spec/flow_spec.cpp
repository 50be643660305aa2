// parse_flow: a journey's steps from the JSON text the scenario reader made of `flow:`.
#include "coordinator/spec/flow_spec.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>

#include "common/duration.hpp"
#include "coordinator/spec/value_checks.hpp"

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

// A scalar as text: the scenario reader writes every YAML scalar as a string; a JSON scenario
// may give numbers and booleans as such.
Expected<std::string> scalar(const json::value& v, const std::string& what) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return unexpected(what + " must be a single value");
}

Expected<bool> truth(const json::value& v, const std::string& what) {
  auto text = scalar(v, what);
  if (!text) return unexpected(text.error());
  if (*text == "true") return true;
  if (*text == "false") return false;
  return unexpected(what + " must be true or false");
}

// A mapping of names to single values (headers, capture), in the order written.
Expected<std::vector<std::pair<std::string, std::string>>> pairs(const json::value& v,
                                                                 const std::string& what) {
  if (!v.is_object()) return unexpected(what + " must be a mapping");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : v.get_object()) {
    auto text = scalar(kv.value(), what + "." + std::string(kv.key()));
    if (!text) return unexpected(text.error());
    out.emplace_back(std::string(kv.key()), std::move(*text));
  }
  return out;
}

Expected<FlowStepSettings> parse_step(const json::value& v, const std::string& where) {
  if (!v.is_object()) return unexpected(where + " must be a mapping");
  FlowStepSettings step;
  for (const auto& kv : v.get_object()) {
    const std::string key(kv.key());
    const std::string what = where + "." + key;
    const json::value& value = kv.value();
    std::string problem;
    if (key == "name" || key == "method" || key == "path" || key == "body" || key == "think") {
      auto text = scalar(value, what);
      if (!text) return unexpected(text.error());
      if (key == "name") {
        step.name = *text;
        if (!placeholder_name(step.name)) problem = "want 1 to 64 of letters, digits and '_'";
      } else if (key == "method") {
        step.method = *text;
        problem = method_token(step.method);
      } else if (key == "path") {
        step.path = *text;
        problem = request_path(step.path);
      } else if (key == "body") {
        step.body = *text;
        if (step.body.size() > 64 * 1024) problem = "the body template is over 64 KiB";
      } else {
        auto ms = parse_duration_ms(*text);
        if (!ms) return unexpected(what + ": " + ms.error());
        step.think_ms = *ms;
      }
    } else if (key == "headers") {
      auto headers = pairs(value, what);
      if (!headers) return unexpected(headers.error());
      if (headers->size() > 64) problem = "at most 64 headers";
      for (const auto& [name, text] : *headers) {
        if (problem.empty()) problem = header_line(name + ":" + text);
      }
      step.headers = std::move(*headers);
    } else if (key == "capture") {
      auto captures = pairs(value, what);
      if (!captures) return unexpected(captures.error());
      for (const auto& [name, field] : *captures) {
        if (!placeholder_name(name)) {
          problem = "'" + name + "' is not a placeholder name ([A-Za-z_][A-Za-z0-9_]*)";
        } else if (problem.empty()) {
          problem = json_field(field);
        }
      }
      step.captures = std::move(*captures);
    } else if (key == "accept") {
      if (!value.is_array() || value.get_array().empty()) {
        return unexpected(what + " must be a list of statuses");
      }
      for (const auto& item : value.get_array()) {
        auto text = scalar(item, what);
        if (!text) return unexpected(text.error());
        uint32_t status = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), status);
        if (ec != std::errc{} || end != text->data() + text->size() || status < 100 ||
            status > 599) {
          return unexpected(what + ": want statuses from 100 to 599, not '" + *text + "'");
        }
        step.accept.push_back(status);
      }
    } else if (key == "purchase" || key == "takes_stock") {
      auto flag = truth(value, what);
      if (!flag) return unexpected(flag.error());
      (key == "purchase" ? step.purchase : step.takes_stock) = *flag;
    } else {
      return unexpected(where + ": unknown key '" + key +
                        "' (a step takes name, method, path, headers, body, accept, capture, "
                        "think, purchase, takes_stock)");
    }
    if (!problem.empty()) return unexpected(what + ": " + problem);
  }
  if (step.name.empty()) return unexpected(where + " needs a name");
  if (step.path.empty()) return unexpected(where + " (" + step.name + ") needs a path");
  return step;
}

}  // namespace

Expected<std::vector<FlowStepSettings>> parse_flow(std::string_view text) {
  json::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return unexpected(std::string("flow must be a list of steps"));
  const auto& list = v.get_array();
  if (list.empty() || list.size() > kMaxFlowSteps) {
    return unexpected("flow must have 1 to " + std::to_string(kMaxFlowSteps) + " steps");
  }
  std::vector<FlowStepSettings> steps;
  std::vector<std::string> captured;
  for (size_t i = 0; i < list.size(); ++i) {
    auto step = parse_step(list[i], "flow[" + std::to_string(i) + "]");
    if (!step) return unexpected(step.error());
    const std::string where = "flow[" + std::to_string(i) + "] (" + step->name + ")";
    for (const auto& earlier : steps) {
      if (earlier.name == step->name) return unexpected(where + ": a step of that name is there");
    }
    for (const auto& [name, field] : step->captures) {
      if (name == "user_id" || name == "key" || name == "endpoint" ||
          std::find(captured.begin(), captured.end(), name) != captured.end()) {
        return unexpected(where + ": capture '" + name + "' is already a placeholder");
      }
      captured.push_back(name);
    }
    steps.push_back(std::move(*step));
  }
  const auto purchases = std::count_if(steps.begin(), steps.end(),
                                       [](const FlowStepSettings& s) { return s.purchase; });
  if (purchases > 1) return unexpected(std::string("flow: only one step may be the purchase"));
  if (purchases == 0) steps.back().purchase = true;  // the journey's last answer is its sale
  // The sale's answer ends the journey, so nothing may come after it.
  if (!steps.back().purchase) {
    return unexpected("flow: the purchase step must be the last, not " +
                      std::find_if(steps.begin(), steps.end(), [](const FlowStepSettings& s) {
                        return s.purchase;
                      })->name);
  }
  return steps;
}

std::vector<std::string> captures_before(const std::vector<FlowStepSettings>& flow, size_t step) {
  std::vector<std::string> out;
  for (size_t i = 0; i < step && i < flow.size(); ++i) {
    for (const auto& [name, field] : flow[i].captures) out.push_back(name);
  }
  return out;
}

}  // namespace stampede::coordinator
