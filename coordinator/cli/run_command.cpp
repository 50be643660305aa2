// `stampede run`: settings checked, the run sent (to a coordinator, or one in this process), and
// what the CLI makes of its end: the table, the files, expectations, baseline and exit code.
#include "coordinator/cli/run_command.hpp"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>
#include <variant>

#include "agent/control/agent_loop.hpp"
#include "common/atomic_file.hpp"
#include "common/descriptor_budget.hpp"
#include "common/printable.hpp"
#include "coordinator/cli/run_client.hpp"
#include "coordinator/daemon/coordinator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"
#include "coordinator/metrics/pushgateway.hpp"
#include "coordinator/report/compare.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/report/report.hpp"
#include "coordinator/report/summary_writers.hpp"
#include "coordinator/scenario/scenario_file.hpp"
#include "coordinator/spec/run_request.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
std::atomic<bool> g_interrupted{false};
void on_interrupt(int) {
  g_interrupted.store(true);
}

bool write_output(const std::string& path, const std::string& text) {
  std::string error;
  if (write_file_atomically(path, text, 0644, error)) return true;
  std::cerr << "stampede: " << error << "\n";
  return false;
}

// What the CLI makes of a finished run: the table and the files asked for, then the exit code
// from the expectations (and the baseline, when there is one).
int report_run(const v1::RunFinished& fin, const RunSettings& settings,
               const std::optional<RunReport>& baseline) {
  auto report = parse_report(fin.report_json());
  if (report && !settings.report.empty()) {
    if (!write_output(settings.report, report_json_text(*report) + "\n")) return 3;
  }
  if (report && !report->endpoints.empty()) std::cout << render_table(*report) << std::flush;
  if (fin.exit_code() != 0) {
    std::cerr << "stampede: " << printable(fin.message(), 1024) << "\n";
    return fin.exit_code();
  }
  if (!report) {
    std::cerr << "stampede: the coordinator sent an unreadable report: " << report.error() << "\n";
    return 3;
  }
  const Expectations expectations = expectations_for(settings);
  auto unmet = unmet_expectations(*report, expectations);
  if (baseline) {
    for (auto& line : regressions(*baseline, *report, settings.max_regression_pct / 100)) {
      unmet.push_back(std::move(line));
    }
  }
  for (const auto& e : report->endpoints) {
    if (!e.integrity_ok() && expectations.expect_violated.count(e.endpoint)) {
      std::cout << e.endpoint << ": integrity violated, as expected: the oracle caught it\n";
    }
  }
  for (const auto& line : unmet) std::cout << "FAILED " << line << "\n";
  if (!settings.report.empty()) std::cout << "report written to " << settings.report << "\n";
  if (!settings.markdown.empty()) {
    if (!write_output(settings.markdown, render_markdown(*report, unmet))) return 3;
    std::cout << "summary written to " << settings.markdown << "\n";
  }
  if (!settings.html.empty()) {
    if (!write_output(settings.html, render_html(*report, unmet))) return 3;
    std::cout << "summary written to " << settings.html << "\n";
  }
  if (!settings.pushgateway.empty()) {
    const std::string verdict = report->integrity_ok() ? "ok" : "violated";
    if (auto problem = push_run_metrics(settings.pushgateway, *report, verdict)) {
      std::cerr << "stampede: " << *problem << "\n";
      // The metrics asked for are missing: an infrastructure failure unless the run failed.
      return unmet.empty() ? 3 : 1;
    }
    std::cout << "metrics pushed to " << settings.pushgateway << "\n";
  }
  return unmet.empty() ? 0 : 1;
}

int finish(std::variant<v1::RunFinished, int> outcome, const RunSettings& settings,
           const std::optional<RunReport>& baseline) {
  if (const int* code = std::get_if<int>(&outcome)) return *code;
  return report_run(std::get<v1::RunFinished>(outcome), settings, baseline);
}

// Everything a run needs that can be checked before it starts: a run whose report could not
// be written, or whose baseline cannot be read, is refused now rather than lost at its end.
Expected<std::optional<RunReport>> check_before_run(const RunSettings& settings) {
  if (!settings.pushgateway.empty()) {
    if (auto problem = check_pushgateway_url(settings.pushgateway)) return unexpected(*problem);
  }
  for (const auto& [flag, path] :
       {std::pair{"--report", &settings.report}, std::pair{"--markdown", &settings.markdown},
        std::pair{"--html", &settings.html}}) {
    if (path->empty()) continue;
    if (auto problem = output_path_problem(*path); !problem.empty()) {
      return unexpected(std::string(flag) + " " + *path + ": " + problem);
    }
  }
  if (settings.baseline.empty()) return std::optional<RunReport>{};
  auto baseline = load_report_file(settings.baseline);
  if (!baseline) return unexpected("--baseline: " + baseline.error());
  return std::optional<RunReport>{std::move(*baseline)};
}

// The same coordinator and agents, over inproc sockets in this process, whose descriptors
// every user's connection comes out of.
int run_embedded(zmq::context_t& ctx, const v1::RunRequest& request, const RunSettings& settings,
                 const std::optional<RunReport>& baseline) {
  const DescriptorBudget budget = raise_descriptor_limit();
  for (const auto& phase : request.phases()) {
    if (phase.users() > budget.connections) {
      std::cerr << "stampede run: --users " << phase.users()
                << " with --embedded: " << budget.explain(phase.users()) << "\n";
      return 2;
    }
  }
  std::unique_ptr<CoordinatorMetrics> metrics;
  if (!settings.metrics_bind.empty()) {
    metrics = std::make_unique<CoordinatorMetrics>();
    try {
      metrics->serve(settings.metrics_bind);
    } catch (const std::exception& e) {
      std::cerr << "stampede run: --metrics-bind " << settings.metrics_bind << ": " << e.what()
                << "\n";
      return 2;
    }
  }
  CoordinatorOptions options;
  options.agents_bind = "inproc://agents";
  options.control_bind = "inproc://control";
  options.log = false;
  Coordinator coordinator(ctx, options, metrics.get());
  coordinator.bind();
  std::atomic<bool> stop{false};
  std::thread coordinator_thread([&] { coordinator.serve(stop); });
  std::vector<std::unique_ptr<agent::AgentLoop>> agents;
  std::vector<std::thread> agent_threads;
  for (unsigned i = 0; i < settings.embedded; ++i) {
    agent::AgentOptions ao;
    ao.coordinator = "inproc://agents";
    ao.name = "embedded-" + std::to_string(i + 1);
    ao.threads = settings.agent_threads ? static_cast<unsigned>(settings.agent_threads) : 1;
    ao.log = false;
    // In-process agents answer only this process's coordinator, aimed by the user right here.
    ao.limits = agent::JobLimits::anywhere();
    ao.limits.max_connections = budget.connections;
    ao.limits.descriptor_limit = budget.limit;
    agents.push_back(std::make_unique<agent::AgentLoop>(ctx, ao));
  }
  for (auto& a : agents) agent_threads.emplace_back([&stop, &a] { a->run(stop); });
  auto outcome = RunClient(ctx, "inproc://control", settings.quiet, &g_interrupted).run(request);
  stop.store(true);
  for (auto& t : agent_threads) t.join();
  coordinator_thread.join();
  return finish(std::move(outcome), settings, baseline);
}

}  // namespace

void add_run_command_flags(CLI::App& sub, RunCommandFlags& f) {
  sub.add_option("SCENARIO_FILE", f.scenario_file,
                 "Scenario in YAML or JSON (flags given win over it)");
  add_run_flags(sub, f.texts);
}

Expected<RunSettings> run_settings_from(const RunCommandFlags& f) {
  RunInput input;
  if (!f.scenario_file.empty()) {
    auto scenario = load_scenario_file(f.scenario_file);
    if (!scenario) return unexpected(scenario.error());
    input = std::move(*scenario);
  }
  input.overlay(given_flags(f.texts));
  return resolve(input);
}

int run_command(const RunSettings& settings) {
  auto request = build_run_request(settings);
  if (!request) {
    std::cerr << "stampede run: " << request.error() << "\n";
    return 2;
  }
  auto baseline = check_before_run(settings);
  if (!baseline) {
    std::cerr << "stampede run: " << baseline.error() << "\n";
    return 2;
  }
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  zmq::context_t ctx;
  if (settings.embedded) return run_embedded(ctx, *request, settings, *baseline);
  auto outcome = RunClient(ctx, settings.coordinator, settings.quiet, &g_interrupted).run(*request);
  return finish(std::move(outcome), settings, *baseline);
}

}  // namespace stampede::coordinator
