// Walks run_spec's table and holds every adapter to it: each setting's flag (and its STAMPEDE_
// variable), scenario key, phase key and form field takes a value in bounds and refuses one
// outside them with the same words, and --help shows each flag with its bounds. A setting added
// to the table without a sample here fails the first case, so none goes unchecked.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "common/cli_env.hpp"
#include "coordinator/cli/run_command.hpp"
#include "coordinator/scenario/scenario_file.hpp"
#include "coordinator/ui/launch_form.hpp"

using namespace stampede;
using namespace stampede::coordinator;

namespace {

struct Sample {
  std::string good;
  std::string bad;  // "": nothing a source can type is refused (a flag, a free text)
};

// One value in bounds and one outside them, for each setting.
const std::map<std::string, Sample, std::less<>>& samples() {
  static const std::map<std::string, Sample, std::less<>> table = {
      {"endpoint", {"safe", "Bad Label"}},
      {"users", {"10000000", "10000001"}},
      {"requests", {"1", "-5"}},
      {"duration", {"2s", "25h"}},
      {"rate", {"0", "NaN"}},
      {"stock", {"0", "1099511627777"}},
      {"ramp", {"1ms", "later"}},
      {"think_time", {"100ms", "0"}},
      {"per_user_limit", {"1", "1000001"}},
      {"flow", {R"([{"name": "buy", "path": "/x"}])", "[]"}},
      {"expect", {"violated", "maybe"}},
      {"max_p99_ms", {"250", "nan"}},
      {"max_error_rate", {"0.01", "1.5"}},
      {"target", {"http://127.0.0.1:9", "ftp://shop.test"}},
      {"ca_file", {"ca.pem", ""}},
      {"insecure", {"true", ""}},
      {"client_cert", {"client.pem", ""}},
      {"client_key", {"client.key", ""}},
      {"tls_sessions", {"fresh", "sometimes"}},
      {"connection_per_attempt", {"true", ""}},
      {"method", {"GET", "get it"}},
      {"path", {"/x", "no-slash"}},
      {"header", {"X-A: 1", "NoColon"}},
      {"body", {"{}", ""}},
      {"data", {"users.csv", ""}},
      {"data_mode", {"cycle", "sometimes"}},
      {"sold_out_status", {"410", "99"}},
      {"sold_out_match", {"Sold out", ""}},
      {"success_status", {"200", "600"}},
      {"order_id_field", {"id", ""}},
      {"remaining_field", {"remaining_stock", ""}},
      {"stock_url", {"http://127.0.0.1:1/s", "ftp://x"}},
      {"stock_field", {"left", ""}},
      {"ledger_url", {"http://127.0.0.1:1/l", "ledger"}},
      {"admin_url", {"http://127.0.0.1:2", "admin"}},
      {"admin_token_file", {"token", ""}},
      {"connect_timeout_ms", {"3000", "0"}},
      {"request_timeout_ms", {"3600000", "3600001"}},
      {"retries", {"20", "1000"}},
      {"retry_backoff_ms", {"0", "60001"}},
      {"expect_agents", {"3", "0"}},
      {"agents_wait", {"30", "-1"}},
      {"agent_threads", {"256", "257"}},
      {"expect_violated", {"buggy", "BUGGY"}},
      {"report", {"r.json", ""}},
      {"markdown", {"r.md", ""}},
      {"html", {"r.html", ""}},
      {"pushgateway", {"http://127.0.0.1:9091", "gateway"}},
      {"baseline", {"base.json", ""}},
      {"max_regression", {"10%", "NaN%"}},
      {"run_id", {"run-1", "run 1"}},
      {"coordinator", {"tcp://127.0.0.1:5556", "127.0.0.1:5556"}},
      {"embedded", {"3", "257"}},
      {"metrics_bind", {"127.0.0.1:0", "nowhere"}},
      {"quiet", {"true", ""}},
  };
  return table;
}

// The problem a source's error states, without the origin that starts it.
std::string problem_of(const std::string& error, const std::string& origin) {
  REQUIRE(error.starts_with(origin + ": "));
  return error.substr(origin.size() + 2);
}

// --name VALUE through CLI11 and resolve(), as `stampede run` parses it.
Expected<RunSettings> from_flag(const Setting& s, const std::string& value) {
  CLI::App app;
  RunCommandFlags flags;
  add_run_command_flags(app, flags);
  std::vector<std::string> args = {s.flag()};
  if (!s.is_flag) args.push_back(value);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last to first
  app.parse(args);
  return run_settings_from(flags);
}

Expected<RunSettings> from_scenario(const std::string& text) {
  auto in = parse_scenario(text, "s.yaml");
  if (!in) return unexpected(in.error());
  return resolve(*in);
}

std::string yaml_scalar(const std::string& v) {
  return "'" + v + "'";
}

}  // namespace

TEST_CASE("every setting in the table has a sample here", "[coordinator][spec]") {
  for (const auto& s : run_settings()) {
    INFO(s.name);
    CHECK(samples().count(s.name) == 1);
    CHECK_FALSE(s.help.empty());
  }
  CHECK(samples().size() == run_settings().size());
}

TEST_CASE("each flag takes its setting's values and refuses the rest in the table's words",
          "[coordinator][spec]") {
  for (const auto& s : run_settings()) {
    if (!(s.sources & kFlag)) continue;
    const Sample& sample = samples().find(s.name)->second;
    INFO(s.flag());
    CHECK(from_flag(s, sample.good));
    if (sample.bad.empty() || s.is_flag) continue;
    auto bad = from_flag(s, sample.bad);
    REQUIRE_FALSE(bad);
    // The same value from a scenario (where the setting is one) fails for the same reason.
    if (s.sources & kScenario) {
      auto scenario = from_scenario(std::string(s.name) + ": " + yaml_scalar(sample.bad) + "\n");
      REQUIRE_FALSE(scenario);
      CHECK(problem_of(scenario.error(), "s.yaml: " + std::string(s.name)) ==
            problem_of(bad.error(), s.flag()));
    }
  }
}

TEST_CASE("each STAMPEDE_ variable is its flag", "[coordinator][spec]") {
  for (const auto& s : run_settings()) {
    if (!(s.sources & kFlag)) continue;
    const Sample& sample = samples().find(s.name)->second;
    std::string env = "STAMPEDE_" + std::string(s.name);
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    INFO(env);
    ::setenv(env.c_str(), s.is_flag ? "1" : sample.good.c_str(), 1);
    CLI::App app;
    RunCommandFlags flags;
    add_run_command_flags(app, flags);
    bind_env_names(app);
    app.parse(std::vector<std::string>{});
    const SettingTexts given = given_flags(flags.texts);
    ::unsetenv(env.c_str());
    REQUIRE(given.count(s.name) == 1);
    CHECK(resolve(RunInput{"", given, {}}));
  }
}

TEST_CASE("each phase key takes its setting's values and refuses the rest", "[coordinator][spec]") {
  for (const auto& s : run_settings()) {
    if (!(s.sources & kPhase) || s.name == "endpoint") continue;
    const Sample& sample = samples().find(s.name)->second;
    INFO(s.name);
    const std::string head = "phases:\n  - endpoint: safe\n    " + std::string(s.name) + ": ";
    CHECK(from_scenario(head + yaml_scalar(sample.good) + "\n"));
    auto bad = from_scenario(head + yaml_scalar(sample.bad) + "\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().starts_with("s.yaml: phases[0]." + std::string(s.name) + ": "));
  }
  // A run-only setting is no phase key.
  CHECK_FALSE(parse_scenario("phases: [{endpoint: safe, retries: 1}]\n", "s.yaml"));
}

TEST_CASE("each form field takes its setting's values and refuses the rest",
          "[coordinator][spec]") {
  const ui::LaunchDefaults defaults{"http://127.0.0.1:8080", "", ""};
  for (const auto& s : run_settings()) {
    if (!(s.sources & kForm) || s.name == "endpoint" || s.name == "stock") continue;
    const Sample& sample = samples().find(s.name)->second;
    INFO(s.name);
    boost::json::object form{{"endpoint", "safe"}};
    if (s.name != "duration" && s.name != "requests") form["requests"] = 10;
    form[s.name] = sample.good;
    CHECK(ui::run_request_from_form(form, defaults, 1, "ui-1"));
    form[s.name] = sample.bad;
    auto bad = ui::run_request_from_form(form, defaults, 1, "ui-1");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().starts_with(std::string(s.name) + ": "));
  }
}

TEST_CASE("--help shows every flag with its bounds", "[coordinator][spec]") {
  CLI::App app;
  RunCommandFlags flags;
  add_run_command_flags(app, flags);
  const std::string help = app.help();
  for (const auto& s : run_settings()) {
    if (!(s.sources & kFlag)) continue;
    INFO(s.name);
    CHECK(help.find(s.flag()) != std::string::npos);
    if (!s.bounds_text().empty()) CHECK(help.find(s.bounds_text()) != std::string::npos);
  }
}
