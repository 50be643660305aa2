// Form fields to RunFlags, checked in the form's own words, then build_run_request for the rest.
#include "coordinator/ui/launch_form.hpp"

#include <array>
#include <boost/json.hpp>
#include <optional>

#include "common/url.hpp"
#include "coordinator/cli/run_command.hpp"

namespace stampede::coordinator::ui {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 9> kFields = {
    "target", "endpoint", "strategy", "stock", "users", "attempts", "duration", "rate", "agents"};

bool blank(const json::value* v) {
  return v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty());
}

Expected<std::optional<std::string>> text_field(const json::object& form, std::string_view key) {
  const json::value* v = form.if_contains(key);
  if (blank(v)) return std::optional<std::string>{};
  if (!v->is_string()) return unexpected(std::string(key) + " must be a string");
  return std::optional<std::string>{std::string(v->get_string())};
}

// A whole number from min to max; a JSON number only, so "12abc" cannot half-parse.
Expected<std::optional<uint64_t>> count_field(const json::object& form, std::string_view key,
                                              uint64_t min, uint64_t max) {
  const json::value* v = form.if_contains(key);
  if (blank(v)) return std::optional<uint64_t>{};
  std::optional<uint64_t> n;
  if (v->is_uint64()) n = v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) n = static_cast<uint64_t>(v->get_int64());
  if (v->is_double() && v->get_double() >= 0 && v->get_double() <= 1e15 &&
      v->get_double() == static_cast<double>(static_cast<uint64_t>(v->get_double()))) {
    n = static_cast<uint64_t>(v->get_double());
  }
  if (!n || *n < min || *n > max) {
    return unexpected(std::string(key) + " must be a whole number from " + std::to_string(min) +
                      " to " + std::to_string(max));
  }
  return n;
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
  for (const auto& kv : form) {
    if (std::find(kFields.begin(), kFields.end(), kv.key()) == kFields.end()) {
      return unexpected("unknown field '" + std::string(kv.key()) + "'");
    }
  }
  auto target = text_field(form, "target");
  auto endpoint = text_field(form, "endpoint");
  auto strategy = text_field(form, "strategy");
  auto duration = text_field(form, "duration");
  for (const auto* f : {&target, &endpoint, &strategy, &duration}) {
    if (!*f) return unexpected(f->error());
  }
  auto users = count_field(form, "users", 1, 10'000'000);
  auto attempts = count_field(form, "attempts", 1, uint64_t{1} << 40);
  auto stock = count_field(form, "stock", 0, uint64_t{1} << 40);
  auto agents = count_field(form, "agents", 1, 1000);
  for (const auto* f : {&users, &attempts, &stock, &agents}) {
    if (!*f) return unexpected(f->error());
  }
  double rate = 0;
  if (const json::value* v = form.if_contains("rate"); !blank(v)) {
    if (!v->is_number() || v->to_number<double>() < 0 || v->to_number<double>() > 1e7) {
      return unexpected("rate must be a number from 0 (closed loop) to 10000000 per second");
    }
    rate = v->to_number<double>();
  }

  RunFlags f;
  f.run_id = run_id;
  f.quiet = true;
  f.target = target->value_or(defaults.target);
  if (f.target.empty()) return unexpected("give a target URL (http://host:port)");
  if (!*endpoint) return unexpected("give an endpoint (buggy, unstable, safe)");
  f.endpoints = {**endpoint};
  std::string label = **endpoint;
  if (*strategy) {
    if ((*strategy)->size() > 64 || !label_chars(**strategy)) {
      return unexpected("strategy: up to 64 letters, digits, '-', '_' and '.'");
    }
    label += " (" + **strategy + ")";
  }
  f.scenario_name = label;
  if (*users) f.users = static_cast<unsigned>(**users);
  if (*attempts && *duration) return unexpected("give attempts or duration, not both");
  if (!*attempts && !*duration) return unexpected("give attempts or a duration (30s, 2m)");
  if (*attempts) f.requests = **attempts;
  if (*duration) f.duration = **duration;
  f.rate = rate;
  f.expect_agents = *agents ? static_cast<unsigned>(**agents) : std::max(1u, live_agents);
  if (*stock) {
    // Only the bundled target's admin listener and token are known to the console; sending that
    // token to any other address would hand it out.
    if (defaults.admin_url.empty() || defaults.admin_token_file.empty()) {
      return unexpected(
          "stock: the console was started without --ui-admin-url and --ui-admin-token-file; "
          "leave stock empty to read it from the target instead");
    }
    if (origin_of(f.target) != origin_of(defaults.target)) {
      return unexpected("stock: a reset goes only to the bundled target (" + defaults.target +
                        "); leave stock empty for another target");
    }
    f.stock = static_cast<int64_t>(**stock);
    f.admin_url = defaults.admin_url;
    f.admin_token_file = defaults.admin_token_file;
  }
  auto request = build_run_request(f);
  if (!request) return unexpected(request.error());
  return LaunchPlan{std::move(*request), std::move(label), origin_of(f.target)};
}

}  // namespace stampede::coordinator::ui
