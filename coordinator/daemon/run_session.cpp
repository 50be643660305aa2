// The run state machine. Each step has a deadline, so no peer can make a run hang.
#include "coordinator/daemon/run_session.hpp"

#include "common/clock.hpp"
#include "common/url.hpp"
#include "coordinator/daemon/run_journal.hpp"
#include "coordinator/merge/endpoint_report.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"

namespace stampede::coordinator {
using namespace std::chrono_literals;

namespace {
constexpr auto kAcceptWindow = 15s;
constexpr auto kStartLead = 300ms;  // time for StartJob to reach every agent before the instant
constexpr auto kStopGrace = 20s;    // after StopJob, how long results may still take
constexpr auto kReissueLead = 100ms;
// How long a coordinator that took a run over waits for the phase's agents to come back: they
// notice within a heartbeat or two and register again.
constexpr auto kRecoverWindow = 15s;

uint64_t ns(std::chrono::nanoseconds d) {
  return static_cast<uint64_t>(d.count());
}

std::chrono::milliseconds agents_wait(const v1::RunRequest& r) {
  return std::chrono::milliseconds(r.agents_wait_ms() ? r.agents_wait_ms() : 30000);
}
}  // namespace

RunSession::RunSession(RunHost& host, v1::RunRequest request, std::string client_id, SteadyTime now)
    : host_(host), request_(std::move(request)), client_id_(std::move(client_id)) {
  step_deadline_ = now + agents_wait(request_);
  if (request_.phases_size() == 0) {
    // The flat form: one phase per endpoint, all with the run's settings.
    for (const auto& endpoint : request_.endpoints()) {
      auto* ph = request_.add_phases();
      ph->set_endpoint(endpoint);
      ph->set_users(request_.users());
      ph->set_attempts(request_.attempts());
      ph->set_duration_ms(request_.duration_ms());
      ph->set_rate_per_s(request_.rate_per_s());
      ph->set_stock(request_.stock());
      ph->set_ramp_ms(request_.ramp_ms());
      ph->set_think_time_ms(request_.think_time_ms());
      ph->set_per_user_limit(request_.per_user_limit());
    }
  }
  started_unix_ns_ = host_.now_unix_ns();
  report_.run_id = request_.run_id();
  report_.scenario = request_.scenario();
  report_.started_at = rfc3339_utc(started_unix_ns_);
  save_journal();
}

RunSession::RunSession(RunHost& host, v1::RunJournal record, SteadyTime now)
    : host_(host), request_(std::move(*record.mutable_request())) {
  started_unix_ns_ = record.started_unix_ns();
  phase_ = record.phase();
  if (!record.initial_stock_unknown()) initial_stock_ = record.initial_stock();
  phase_start_unix_ns_ = record.phase_start_unix_ns();
  restarts_ = record.restarts() + 1;
  report_.run_id = request_.run_id();
  report_.scenario = request_.scenario();
  report_.started_at = rfc3339_utc(started_unix_ns_);
  // The phases a coordinator that died had finished come first in this one's report.
  if (auto done = parse_report(record.report_json())) {
    report_.agents = std::move(done->agents);
    report_.endpoints = std::move(done->endpoints);
  } else if (!record.report_json().empty()) {
    host_.say("run " + request_.run_id() + ": the journal's report is unreadable (" + done.error() +
              "); its finished phases are missing from the report");
  }
  if (phase_ >= static_cast<size_t>(request_.phases_size())) {
    step_ = Step::reconcile;  // every phase was done: only the end was not sent
    finish(ExitCode::ok, "");
    return;
  }
  if (record.shares().empty()) {
    // The phase had not started: nothing of it ran, so it starts again once agents are back.
    step_deadline_ = now + agents_wait(request_);
    return;
  }
  jobs_ = std::make_unique<PhaseRunner>(host_, request_, phase_, restarts_);
  jobs_->restore(record);
  jobs_->set_phase_start(phase_start_unix_ns_);
  jobs_->merge().note(
      "the coordinator was restarted during this phase and took the run over from its "
      "journal (restart " +
      std::to_string(restarts_) + "); progress reported meanwhile is missing from the timeline");
  step_ = Step::recover;
  step_deadline_ = now + kRecoverWindow;
  host_.say("taking over run " + request_.run_id() + " at phase " + std::to_string(phase_ + 1) +
            " of " + std::to_string(request_.phases_size()) + " (" + phase_endpoint() +
            "): waiting for its jobs' agents");
}

RunSession::~RunSession() = default;

TargetProbe RunSession::probe_for(const std::string& endpoint) const {
  TargetProbe p;
  p.admin_url = request_.admin_url();
  p.admin_token = request_.admin_token();
  p.product_id = request_.product_id() ? request_.product_id() : 1;
  p.reset_stock = phase().stock();
  p.stock_url = substitute(request_.stock_url(), "endpoint", endpoint);
  p.stock_field = request_.stock_field().empty() ? "stock" : request_.stock_field();
  p.ledger_url = substitute(request_.ledger_url(), "endpoint", endpoint);
  p.tls = tls_client_settings(request_.request().tls());
  p.target_url = request_.request().target_url();
  return p;
}

uint64_t RunSession::call_target(TargetCall::Kind kind) {
  const uint64_t id = next_call_id_++;
  host_.call_target(TargetCall{kind, id, probe_for(phase_endpoint())});
  return id;
}

void RunSession::on_target_answer(TargetAnswer answer) {
  if (answer.call_id != 0 && answer.call_id == stock_reading_) {
    stock_reading_ = 0;
    if (!answer.error.empty()) return;  // a failed one keeps the last
    stock_left_ = answer.stock;
    if (answer.held && answer.sold && initial_stock_) {
      ++samples_.taken;
      if (*answer.held + *answer.sold > *initial_stock_) ++samples_.over_stock;
    }
    return;
  }
  if (answer.call_id != 0 && (answer.call_id == preparing_ || answer.call_id == reconciling_)) {
    preparing_ = reconciling_ = 0;
    answer_ = std::move(answer);
  }
}

std::optional<TargetAnswer> RunSession::take_answer() {
  if (!answer_) return std::nullopt;
  TargetAnswer a = std::move(*answer_);
  answer_.reset();
  if (a.error.empty()) return a;
  finish(ExitCode::infrastructure,
         a.error);  // the target could not be reset or read: the run cannot be judged
  return std::nullopt;
}

bool RunSession::tick(SteadyTime now) {
  switch (step_) {
    case Step::wait_agents:
      wait_for_agents(now);
      break;
    case Step::prepare:
      if (auto a = take_answer()) {
        initial_stock_ = a->stock;
        assign_jobs(now);
      }
      break;
    case Step::assign:
      if (jobs_->refusal()) {
        finish(ExitCode::infrastructure, *jobs_->refusal());
      } else if (jobs_->all_accepted()) {
        start_phase(now);
      } else if (now > step_deadline_) {
        finish(ExitCode::infrastructure,
               "agents did not accept the " + phase_endpoint() + " job within 15 s");
      }
      break;
    case Step::recover:
      recover(now);
      break;
    case Step::running:
    case Step::stopping:
      follow_jobs(now);
      break;
    case Step::reconcile:
      if (auto a = take_answer()) finish_phase(std::move(a->phase_end), now);
      break;
    case Step::done:
      break;
  }
  return step_ == Step::done;
}

void RunSession::wait_for_agents(SteadyTime now) {
  if (request_.phases_size() == 0)
    return finish(ExitCode::usage, "the run names no endpoint or phase");
  const auto live = host_.live_agents();
  const size_t want = std::max<uint32_t>(1, request_.expect_agents());
  if (live.size() >= want) {
    for (auto* a : live) agent_ids_.push_back(a->agent_id);
    begin_phase(now);
  } else if (now > step_deadline_) {
    finish(ExitCode::infrastructure, "only " + std::to_string(live.size()) + " of " +
                                         std::to_string(want) + " agents connected after " +
                                         std::to_string(request_.agents_wait_ms() / 1000) + " s");
  } else if (now >= next_update_) {
    send_update("waiting for agents: " + std::to_string(live.size()) + "/" + std::to_string(want));
    next_update_ = now + 1s;
  }
}

std::vector<AgentRecord*> RunSession::run_agents() {
  std::vector<AgentRecord*> agents;
  for (auto* a : host_.live_agents()) {
    if (std::find(agent_ids_.begin(), agent_ids_.end(), a->agent_id) != agent_ids_.end()) {
      agents.push_back(a);
    }
  }
  return agents;
}

void RunSession::begin_phase(SteadyTime now) {
  step_ = Step::prepare;
  jobs_.reset();
  phase_start_unix_ns_ = 0;
  stock_left_.reset();
  samples_ = {};
  stock_reading_ = 0;  // a reading of the last phase's stock is not this one's
  // No journal write here: the constructor recorded phase 0, and finish_phase() each next one.
  preparing_ = call_target(TargetCall::Kind::prepare);
  send_update("preparing " + phase_endpoint());
}

void RunSession::assign_jobs(SteadyTime now) {
  const auto agents = run_agents();
  if (agents.empty()) return finish(ExitCode::infrastructure, "every agent of this run was lost");
  jobs_ = std::make_unique<PhaseRunner>(host_, request_, phase_, restarts_);
  jobs_->assign(agents);
  step_ = Step::assign;
  step_deadline_ = now + kAcceptWindow;
}

void RunSession::start_phase(SteadyTime now) {
  // One start instant in the coordinator's clock for every agent.
  phase_start_unix_ns_ = host_.now_unix_ns() + ns(kStartLead);
  // Recorded before any agent can start: a coordinator taking over then knows the jobs.
  save_journal();
  jobs_->start(phase_start_unix_ns_);
  enter_running(now);
}

void RunSession::recover(SteadyTime now) {
  if (!jobs_->all_back() && now <= step_deadline_) return;
  jobs_->lose_absent();
  // The agents this run goes on with: the ones here now.
  agent_ids_.clear();
  for (auto* a : host_.live_agents()) agent_ids_.push_back(a->agent_id);
  enter_running(now);
  send_update("took the run over after a coordinator restart");
  save_journal();
}

void RunSession::enter_running(SteadyTime now) {
  step_ = Step::running;
  // A timed phase ends by its clock; one bounded by attempts may run for hours, so its deadline
  // measures a stall instead and moves whenever attempts advance (see follow_jobs()).
  auto left = 0ms;
  if (phase().duration_ms()) {
    const int64_t end_ns = static_cast<int64_t>(phase_start_unix_ns_) +
                           static_cast<int64_t>(phase().duration_ms()) * 1'000'000;
    left = std::chrono::milliseconds(
        std::max<int64_t>(0, (end_ns - static_cast<int64_t>(host_.now_unix_ns())) / 1'000'000));
  }
  step_deadline_ = now + left + stall_window();
  last_attempts_ = 0;
  next_update_ = now + 1s;
}

std::chrono::milliseconds RunSession::stall_window() const {
  return std::chrono::milliseconds(request_.request().request_timeout_ms()) + 60s;
}

void RunSession::follow_jobs(SteadyTime now) {
  if (step_ == Step::running && !phase().duration_ms()) {
    const uint64_t attempts = jobs_->merge().live_totals().attempts();
    if (attempts != last_attempts_) {
      last_attempts_ = attempts;
      step_deadline_ = now + stall_window();
    }
  }
  if (jobs_->done()) {
    send_update("");
    step_ = Step::reconcile;
    reconciling_ = call_target(TargetCall::Kind::read_phase_end);
    return;
  }
  if (now > step_deadline_) {
    if (step_ == Step::running) {
      // Past its time: ask every agent to stop, then give their results a grace period.
      jobs_->stop_jobs();
      step_ = Step::stopping;
      step_deadline_ = now + kStopGrace;
    } else {
      jobs_->give_up();
    }
    return;
  }
  for (const auto& line : jobs_->reissue_lost_shares(host_.now_unix_ns() + ns(kReissueLead))) {
    send_update(line);
    save_journal();
  }
  read_stock_live(now);
  if (now >= next_update_) {
    send_update("");
    next_update_ = now + 1s;
  }
}

void RunSession::read_stock_live(SteadyTime now) {
  if (stock_reading_ || now < next_stock_read_ || request_.stock_url().empty()) return;
  stock_reading_ = call_target(TargetCall::Kind::read_stock);
  next_stock_read_ = now + 1s;
}

bool RunSession::on_agent_message(const AgentRecord& agent, v1::Envelope& env) {
  if (!jobs_) return false;
  // A refusal before the phase starts ends the run; one of a hand-over only loses that share.
  const bool kept = jobs_->on_agent_message(agent, env, step_ != Step::assign);
  if (jobs_->uses_agent(agent.agent_id) &&
      std::find(agent_ids_.begin(), agent_ids_.end(), agent.agent_id) == agent_ids_.end()) {
    agent_ids_.push_back(agent.agent_id);  // an agent back under a new id after a restart
  }
  return kept;
}

void RunSession::on_agent_lost(const std::string& agent_id) {
  if (!jobs_ || step_ == Step::reconcile || step_ == Step::done) return;
  // Its unfinished attempts are handed on once the phase runs (queued until then).
  if (jobs_->on_agent_lost(agent_id, true)) {
    send_update("agent " + agent_id + " lost: no heartbeat");
    save_journal();
  }
}

void RunSession::on_agent_silent(const std::string& agent_id, std::chrono::milliseconds silent,
                                 std::chrono::milliseconds deadline) {
  if (!jobs_ || (step_ != Step::running && step_ != Step::stopping)) return;
  if (std::find(agent_ids_.begin(), agent_ids_.end(), agent_id) == agent_ids_.end()) return;
  const std::string line = "agent " + agent_id + " was silent for " +
                           std::to_string(silent.count()) + " ms (under its " +
                           std::to_string(deadline.count()) + " ms heartbeat deadline), then back";
  jobs_->merge().note(line);
  send_update(line);
}

void RunSession::finish_phase(PhaseEnd end, SteadyTime now) {
  if (samples_.taken > 0) end.samples = samples_;
  const auto& spec = request_.request();
  const bool https = spec.target_url().rfind("https://", 0) == 0;
  PhaseFacts facts{phase_endpoint(),
                   initial_stock_,
                   phase_start_unix_ns_,
                   !spec.order_id_field().empty(),
                   !spec.remaining_field().empty(),
                   https ? std::optional<bool>(!spec.tls().insecure()) : std::nullopt,
                   phase().per_user_limit() ? phase().per_user_limit() : request_.per_user_limit()};
  PhaseMerge& merge = jobs_->merge();
  EndpointReport p = report_phase(merge, std::move(end), facts);
  for (const auto& j : merge.jobs()) {
    auto agent = std::find_if(report_.agents.begin(), report_.agents.end(),
                              [&](const AgentTotals& a) { return a.name == j.agent_name; });
    if (agent == report_.agents.end()) {
      report_.agents.push_back({j.agent_name, j.agent_host, 0});
      agent = report_.agents.end() - 1;
    }
    agent->requests += j.live.attempts();
  }
  for (auto* a : host_.live_agents()) a->busy = false;
  if (auto* m = host_.metrics()) m->record_phase(p, &merge.latency());
  report_.endpoints.push_back(std::move(p));
  // The phase is in the report and the journal: the agents may let go of what they kept for it.
  save_journal(/*phase_done=*/true);
  jobs_->ack_results();
  if (++phase_ < static_cast<size_t>(request_.phases_size())) {
    begin_phase(now);
  } else {
    finish(ExitCode::ok, "");
  }
}

void RunSession::save_journal(bool phase_done) {
  RunJournal* journal = host_.journal();
  if (!journal || !journal->enabled() || step_ == Step::done) return;
  v1::RunJournal record;
  *record.mutable_request() = request_;
  record.set_started_unix_ns(started_unix_ns_);
  record.set_phase(static_cast<uint32_t>(phase_ + (phase_done ? 1 : 0)));
  record.set_initial_stock(initial_stock_.value_or(0));
  record.set_initial_stock_unknown(!initial_stock_);
  record.set_phase_start_unix_ns(phase_start_unix_ns_);
  record.set_restarts(restarts_);
  record.set_report_json(report_json_text(report_));
  // Shares only once they may have started: before that a taker starts the phase afresh.
  if (jobs_ && phase_start_unix_ns_ && step_ != Step::prepare && !phase_done) {
    jobs_->add_shares_to(record);
  }
  std::string error;
  if (!journal->save(record, error) && !journal_failed_) {
    journal_failed_ = true;
    host_.say("run " + request_.run_id() + ": " + error +
              "; a coordinator restart could not take this run over");
  }
}

void RunSession::attach(const std::string& client_id) {
  client_id_ = client_id;
  send_update("the coordinator took this run over after a restart; reports continue");
}

v1::RunUpdate RunSession::snapshot(const std::string& note) const {
  v1::RunUpdate u;
  u.set_phase(static_cast<uint32_t>(phase_ + 1));
  u.set_phases(static_cast<uint32_t>(request_.phases_size()));
  u.set_agents(static_cast<uint32_t>(host_.live_agents().size()));
  u.set_note(note);
  if (jobs_ && phase_ < static_cast<size_t>(request_.phases_size())) {
    u.set_endpoint(phase_endpoint());
    *u.mutable_counts() = jobs_->merge().live_totals();
    if (stock_left_) u.set_stock_left(*stock_left_);
    const double elapsed_s = phase_elapsed_s();
    if (elapsed_s > 0) u.set_rate_rps(static_cast<double>(u.counts().attempts()) / elapsed_s);
  }
  return u;
}

double RunSession::phase_elapsed_s() const {
  if (!phase_start_unix_ns_) return 0;
  // Signed: the start instant lies a little in the future right after StartJob goes out.
  return static_cast<double>(static_cast<int64_t>(host_.now_unix_ns() - phase_start_unix_ns_)) /
         1e9;
}

void RunSession::send_update(const std::string& note) {
  v1::Envelope env;
  auto* update = env.mutable_run_update();
  *update = snapshot(note);
  if (jobs_ && (step_ == Step::running || step_ == Step::stopping || step_ == Step::recover)) {
    // Latency over time: what ended since the last update, every agent's windows merged.
    const auto window = jobs_->merge().take_window();
    if (window.total() != 0) {
      update->set_window_attempts(window.total());
      update->set_window_p50_ms(static_cast<double>(window.percentile_us(50)) / 1e3);
      update->set_window_p99_ms(static_cast<double>(window.percentile_us(99)) / 1e3);
    }
    for (auto& second : jobs_->merge().take_settled_seconds()) {
      *update->add_seconds() = std::move(second);
    }
  }
  const auto& u = *update;
  if (!u.endpoint().empty()) {
    if (auto* m = host_.metrics()) m->update_live(u.endpoint(), u.counts());
  }
  host_.send_to_client(client_id_, env);
}

void RunSession::abort(const std::string& reason) {
  if (step_ == Step::done) return;
  if (jobs_) jobs_->stop_jobs();
  finish(ExitCode::infrastructure, reason);
}

void RunSession::finish(ExitCode exit_code, const std::string& message) {
  if (step_ == Step::done) return;
  if (step_ != Step::reconcile && jobs_) jobs_->ack_results();  // nothing more will merge
  step_ = Step::done;
  report_.duration_s = static_cast<double>(host_.now_unix_ns() - started_unix_ns_) / 1e9;
  for (auto* a : host_.live_agents()) a->busy = false;
  v1::Envelope env;
  auto* f = env.mutable_run_finished();
  f->set_run_id(request_.run_id());
  f->set_exit_code(static_cast<int32_t>(exit_code));
  f->set_message(message);
  f->set_report_json(report_json_text(report_));
  host_.send_to_client(client_id_, env);
  if (auto* journal = host_.journal()) journal->clear();
  if (auto* m = host_.metrics()) {
    bool ok = exit_code == ExitCode::ok;
    bool untested = false;
    for (const auto& p : report_.endpoints) {
      ok = ok && p.verdict.integrity_ok;
      untested = untested || p.untested();
    }
    m->count_run(exit_code == ExitCode::infrastructure ? "error"
                 : !ok                                 ? "violated"
                 : untested                            ? "unchecked"
                                                       : "ok");
    m->set_run_active(false);
  }
}

}  // namespace stampede::coordinator
