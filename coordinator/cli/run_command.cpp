// `stampede run`: settings checked, the run sent (to a coordinator, or one in this process), and
// what the CLI makes of its end: the table, the files, expectations, baseline and exit code.
#include "coordinator/cli/run_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <thread>

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

// A file asked for and checked before the run, that still could not be written (disk full).
std::optional<Unexpected> write_output(const std::string& path, const std::string& text) {
  std::string error;
  if (write_file_atomically(path, text, 0644, error)) return std::nullopt;
  return unreachable(error);
}

// What the coordinator said when the run did not finish (its code is design.md's, or 3).
Unexpected run_failure(const v1::RunFinished& fin) {
  const int32_t code = fin.exit_code();
  return Unexpected{printable(fin.message(), 1024),
                    code == 1 || code == 2 ? ExitCode(code) : ExitCode::infrastructure};
}

// 1 for any expectation that failed, but 3 when each failure is an endpoint no answer came
// from (one line each): that is the target down as the agents saw it, not a verdict.
ExitCode exit_code_for(const std::vector<std::string>& unmet, const RunReport& report) {
  if (unmet.empty()) return ExitCode::ok;
  const auto unanswered = std::count_if(report.endpoints.begin(), report.endpoints.end(),
                                        [](const EndpointReport& e) { return e.unanswered(); });
  return static_cast<size_t>(unanswered) == unmet.size() ? ExitCode::infrastructure
                                                         : ExitCode::unmet;
}

// What the CLI makes of a finished run: the table and the files asked for, then the exit code
// from the expectations (and the baseline, when there is one).
CommandResult report_run(const v1::RunFinished& fin, const RunSettings& settings,
                         const std::optional<RunReport>& baseline) {
  auto report = parse_report(fin.report_json());
  if (report && !settings.report.empty()) {
    if (auto failed = write_output(settings.report, report_json_text(*report) + "\n")) {
      return std::move(*failed);
    }
  }
  if (report && !report->endpoints.empty()) std::cout << render_table(*report) << std::flush;
  if (fin.exit_code() != 0) return run_failure(fin);
  if (!report) return report.failure("the coordinator sent an unreadable report: ");
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
    if (auto failed = write_output(settings.markdown, render_markdown(*report, unmet))) {
      return std::move(*failed);
    }
    std::cout << "summary written to " << settings.markdown << "\n";
  }
  if (!settings.html.empty()) {
    if (auto failed = write_output(settings.html, render_html(*report, unmet))) {
      return std::move(*failed);
    }
    std::cout << "summary written to " << settings.html << "\n";
  }
  if (!settings.pushgateway.empty()) {
    const std::string verdict = report->integrity_word();
    if (auto problem = push_run_metrics(settings.pushgateway, *report, verdict)) {
      // The metrics asked for are missing: an infrastructure failure unless the run failed.
      return Unexpected{*problem,
                        unmet.empty() ? ExitCode::infrastructure : exit_code_for(unmet, *report)};
    }
    std::cout << "metrics pushed to " << settings.pushgateway << "\n";
  }
  return exit_code_for(unmet, *report);
}

CommandResult finish(const Expected<v1::RunFinished>& outcome, const RunSettings& settings,
                     const std::optional<RunReport>& baseline) {
  if (!outcome) return outcome.failure();
  return report_run(*outcome, settings, baseline);
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
CommandResult run_embedded(zmq::context_t& ctx, const v1::RunRequest& request,
                           const RunSettings& settings, const std::optional<RunReport>& baseline) {
  const DescriptorBudget budget = raise_descriptor_limit();
  for (const auto& phase : request.phases()) {
    if (phase.users() > budget.connections) {
      return unexpected("--users " + std::to_string(phase.users()) +
                        " with --embedded: " + budget.explain(phase.users()));
    }
  }
  std::unique_ptr<CoordinatorMetrics> metrics;
  if (!settings.metrics_bind.empty()) {
    metrics = std::make_unique<CoordinatorMetrics>();
    try {
      metrics->serve(settings.metrics_bind);
    } catch (const std::exception& e) {
      return unexpected("--metrics-bind " + settings.metrics_bind + ": " + e.what());
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
  return finish(outcome, settings, baseline);
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

CommandResult run_command(const RunSettings& settings) {
  auto request = build_run_request(settings);
  if (!request) return request.failure();
  auto baseline = check_before_run(settings);
  if (!baseline) return baseline.failure();
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  zmq::context_t ctx;
  if (settings.embedded) return run_embedded(ctx, *request, settings, *baseline);
  auto outcome = RunClient(ctx, settings.coordinator, settings.quiet, &g_interrupted).run(*request);
  return finish(outcome, settings, *baseline);
}

}  // namespace stampede::coordinator
