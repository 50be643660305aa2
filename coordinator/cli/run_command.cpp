// The run client: validation, the control-socket conversation, progress, report and exit code.
#include "coordinator/cli/run_command.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "agent/control/agent_loop.hpp"
#include "common/atomic_file.hpp"
#include "common/descriptor_budget.hpp"
#include "common/duration.hpp"
#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/printable.hpp"
#include "common/token_file.hpp"
#include "common/url.hpp"
#include "coordinator/cli/client_security.hpp"
#include "coordinator/daemon/coordinator.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"
#include "coordinator/metrics/pushgateway.hpp"
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

void show_update(const v1::RunUpdate& u, bool tty) {
  std::ostringstream line;
  if (!u.endpoint().empty()) {
    const auto& c = u.counts();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", u.rate_rps());
    line << "[" << u.phase() << "/" << u.phases() << " " << printable(u.endpoint(), 64)
         << "] attempts " << c.attempts() << "  ok " << c.ok() << "  fail " << c.fail() << "  info "
         << c.info() << "  " << rate << " req/s";
    if (u.window_attempts() != 0) {
      char lat[64];
      std::snprintf(lat, sizeof lat, "  p50 %.1f ms  p99 %.1f ms", u.window_p50_ms(),
                    u.window_p99_ms());
      line << lat;
    }
    if (u.has_stock_left()) line << "  stock left " << u.stock_left();
    line << "  agents " << u.agents();
  }
  if (!u.note().empty()) line << (line.tellp() > 0 ? "  " : "") << printable(u.note(), 512);
  if (line.tellp() == 0) return;
  if (tty) {
    std::cerr << "\r\033[K" << line.str() << std::flush;
  } else {
    std::cerr << line.str() << "\n";
  }
}

// Sends the request and waits for RunFinished, showing updates. Returns the exit code.
int converse(zmq::context_t& ctx, const std::string& endpoint, v1::RunRequest request,
             const RunSettings& flags) {
  // Named here, so that this CLI can find its run again on a coordinator that restarted.
  if (request.run_id().empty()) request.set_run_id(random_run_id());
  zmq::socket_t socket(ctx, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  apply_client_security(socket, endpoint);  // CURVE keys from main, if given
  HandshakeWatch handshakes(ctx, socket);
  socket.connect(endpoint);
  v1::Envelope env;
  *env.mutable_run_request() = request;
  send_envelope(socket, env);  // DEALER queues it until the connection is up

  const bool tty = isatty(STDERR_FILENO) && !flags.quiet;
  // Updates come every second while a run lives. Silence before the first word means nobody is
  // there; silence mid-run may be a coordinator restarting, which this CLI asks for its run
  // every second until the longer limit.
  const auto silence_limit = 15s;
  const auto reattach_after = 3s;
  const auto lost_limit = 60s;
  bool heard_any = false, said_waiting = false;
  auto last_heard = std::chrono::steady_clock::now();
  auto next_attach = last_heard;
  while (true) {
    if (g_interrupted.load()) {
      std::cerr << "\nstampede: interrupted\n";
      return 3;
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    poll_interruptible(&item, 1, 200ms);
    auto in = receive_envelope(socket, false);
    const auto now = std::chrono::steady_clock::now();
    if (in.status == RecvStatus::none) {
      if (auto refused = handshakes.poll(); refused && !heard_any) {
        // Refused before the run reached it: no run was started, and none will be.
        std::cerr << "stampede: " << *refused << "\n";
        return 3;
      }
      if (!heard_any && now - last_heard > silence_limit) {
        std::cerr << "stampede: coordinator " << endpoint << " not answering (no word for 15 s)\n";
        return 3;
      }
      if (heard_any && now - last_heard > lost_limit) {
        std::cerr << (tty ? "\n" : "") << "stampede: lost the coordinator " << endpoint
                  << " mid-run (no word for 60 s); run " << request.run_id() << " has no report\n";
        return 3;
      }
      if (heard_any && now - last_heard > reattach_after && now >= next_attach) {
        if (!said_waiting) {
          std::cerr << (tty ? "\n" : "") << "stampede: coordinator silent; asking for run "
                    << request.run_id() << " again until it answers (up to 60 s)\n";
          said_waiting = true;
        }
        v1::Envelope attach;
        attach.mutable_run_attach()->set_run_id(request.run_id());
        send_envelope(socket, attach);
        next_attach = now + 1s;
      }
      continue;
    }
    if (in.status == RecvStatus::malformed) continue;
    last_heard = now;
    heard_any = true;
    said_waiting = false;
    if (in.envelope.has_run_update()) {
      if (!flags.quiet) show_update(in.envelope.run_update(), tty);
      continue;
    }
    if (!in.envelope.has_run_finished()) continue;
    if (tty) std::cerr << "\n";
    const auto& fin = in.envelope.run_finished();
    boost::system::error_code ec;
    auto report = boost::json::parse(fin.report_json(), ec);
    if (!flags.report.empty() && !ec) {
      std::string error;
      if (!write_file_atomically(flags.report, boost::json::serialize(report) + "\n", 0644,
                                 error)) {
        std::cerr << "stampede: " << error << "\n";
        return 3;
      }
    }
    if (!ec && report.is_object() && !report.get_object().at("endpoints").get_array().empty()) {
      std::cout << render_table(report.get_object()) << std::flush;
    }
    if (fin.exit_code() != 0) {
      std::cerr << "stampede: " << printable(fin.message(), 1024) << "\n";
      return fin.exit_code();
    }
    if (ec || !report.is_object()) {
      std::cerr << "stampede: the coordinator sent an unreadable report\n";
      return 3;
    }
    const Expectations expectations = expectations_for(flags);
    const auto unmet = unmet_expectations(report.get_object(), expectations);
    for (const auto& ep : report.get_object().at("endpoints").get_array()) {
      const std::string name(ep.at("endpoint").get_string());
      const bool ok = ep.at("integrity").get_string() == "ok";
      if (!ok && expectations.expect_violated.count(name)) {
        std::cout << name << ": integrity violated, as expected: the oracle caught it\n";
      }
    }
    for (const auto& line : unmet) std::cout << "FAILED " << line << "\n";
    if (!flags.report.empty()) std::cout << "report written to " << flags.report << "\n";
    for (const auto& [path, text] :
         {std::pair{flags.markdown,
                    flags.markdown.empty() ? "" : render_markdown(report.get_object(), unmet)},
          std::pair{flags.html,
                    flags.html.empty() ? "" : render_html(report.get_object(), unmet)}}) {
      if (path.empty()) continue;
      std::string error;
      if (!write_file_atomically(path, text, 0644, error)) {
        std::cerr << "stampede: " << error << "\n";
        return 3;
      }
      std::cout << "summary written to " << path << "\n";
    }
    bool violated = false;
    for (const auto& ep : report.get_object().at("endpoints").get_array()) {
      violated = violated || ep.at("integrity").get_string() != "ok";
    }
    if (!flags.pushgateway.empty()) {
      const auto problem =
          push_run_metrics(flags.pushgateway, report.get_object(), violated ? "violated" : "ok");
      if (problem) {
        std::cerr << "stampede: " << *problem << "\n";
        // The metrics asked for are missing: an infrastructure failure unless the run failed.
        return unmet.empty() ? 3 : 1;
      }
      std::cout << "metrics pushed to " << flags.pushgateway << "\n";
    }
    return unmet.empty() ? 0 : 1;
  }
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

int run_command(const RunSettings& flags) {
  auto request = build_run_request(flags);
  if (!request) {
    std::cerr << "stampede run: " << request.error() << "\n";
    return 2;
  }
  if (!flags.pushgateway.empty()) {
    if (auto problem = check_pushgateway_url(flags.pushgateway)) {
      std::cerr << "stampede run: " << *problem << "\n";
      return 2;
    }
  }
  // Where the run's figures go is checked before it starts: a report that cannot be written at
  // the end is a run lost.
  for (const auto& [flag, path] :
       {std::pair{"--report", &flags.report}, std::pair{"--markdown", &flags.markdown},
        std::pair{"--html", &flags.html}}) {
    if (path->empty()) continue;
    if (auto problem = output_path_problem(*path); !problem.empty()) {
      std::cerr << "stampede run: " << flag << " " << *path << ": " << problem << "\n";
      return 2;
    }
  }
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  zmq::context_t ctx;
  if (flags.embedded == 0) return converse(ctx, flags.coordinator, *request, flags);

  // Embedded: the same coordinator and agents, over inproc sockets in this process, whose
  // descriptors every user's connection comes out of.
  const DescriptorBudget budget = raise_descriptor_limit();
  for (const auto& phase : request->phases()) {
    if (phase.users() > budget.connections) {
      std::cerr << "stampede run: --users " << phase.users()
                << " with --embedded: " << budget.explain(phase.users()) << "\n";
      return 2;
    }
  }
  std::unique_ptr<CoordinatorMetrics> metrics;
  if (!flags.metrics_bind.empty()) {
    metrics = std::make_unique<CoordinatorMetrics>();
    try {
      metrics->serve(flags.metrics_bind);
    } catch (const std::exception& e) {
      std::cerr << "stampede run: --metrics-bind " << flags.metrics_bind << ": " << e.what()
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
  for (unsigned i = 0; i < flags.embedded; ++i) {
    agent::AgentOptions ao;
    ao.coordinator = "inproc://agents";
    ao.name = "embedded-" + std::to_string(i + 1);
    ao.threads = flags.agent_threads ? flags.agent_threads : 1;
    ao.log = false;
    // In-process agents answer only this process's coordinator, aimed by the user right here.
    ao.limits = agent::JobLimits::anywhere();
    ao.limits.max_connections = budget.connections;
    ao.limits.descriptor_limit = budget.limit;
    agents.push_back(std::make_unique<agent::AgentLoop>(ctx, ao));
  }
  for (auto& a : agents) agent_threads.emplace_back([&stop, &a] { a->run(stop); });
  const int code = converse(ctx, "inproc://control", *request, flags);
  stop.store(true);
  for (auto& t : agent_threads) t.join();
  coordinator_thread.join();
  return code;
}

}  // namespace stampede::coordinator
