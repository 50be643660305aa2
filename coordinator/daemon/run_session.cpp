// The run state machine. Each step has a deadline, so no peer can make a run hang.
#include "coordinator/daemon/run_session.hpp"

#include <boost/json.hpp>

#include "common/clock.hpp"
#include "common/url.hpp"
#include "coordinator/daemon/job_split.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"
#include "coordinator/oracle/oracle.hpp"

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
// A lost share's remainder goes to another agent at most this many times over: an agent that
// keeps losing what it is handed (out of descriptors, say) must not make a run that never ends.
constexpr uint32_t kMaxReissueGenerations = 3;
}  // namespace

RunSession::RunSession(RunHost& host, v1::RunRequest request, std::string client_id, SteadyTime now)
    : host_(host), request_(std::move(request)), client_id_(std::move(client_id)), created_(now) {
  step_deadline_ = now + std::chrono::milliseconds(
                             request_.agents_wait_ms() ? request_.agents_wait_ms() : 30000);
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
    }
  }
  started_unix_ns_ = unix_now_ns();
  report_.run_id = request_.run_id();
  report_.scenario = request_.scenario();
  report_.started_at = rfc3339_utc(started_unix_ns_);
  save_journal();
}

RunSession::RunSession(RunHost& host, v1::RunJournal record, SteadyTime now)
    : host_(host), request_(std::move(*record.mutable_request())), created_(now) {
  started_unix_ns_ = record.started_unix_ns();
  phase_ = record.phase();
  initial_stock_ = record.initial_stock();
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
    finish(0, "");
    return;
  }
  if (record.shares().empty()) {
    // The phase had not started: nothing of it ran, so it starts again once agents are back.
    step_ = Step::wait_agents;
    step_deadline_ = now + std::chrono::milliseconds(
                               request_.agents_wait_ms() ? request_.agents_wait_ms() : 30000);
    return;
  }
  merge_ = std::make_unique<PhaseMerge>();
  for (const auto& s : record.shares()) {
    JobShare share;
    share.job_id = s.job_id();
    share.agent_name = s.agent_name();
    share.agent_host = s.agent_host();
    share.key_prefix = s.key_prefix();
    share.users = s.users();
    share.attempts = s.attempts();
    share.user_offset = s.user_offset();
    share.reissued = s.reissued();
    share.generation = s.generation();
    share.live = s.live();
    share.resync_progress = true;
    if (s.pending()) {
      reissue_.push_back(std::move(share));
      continue;
    }
    share.lost = s.lost();
    merge_->add_job(std::move(share));
    job_agents_.emplace_back();  // unknown until the agent that holds it speaks
  }
  merge_->note(
      "the coordinator was restarted during this phase and took the run over from its "
      "journal (restart " +
      std::to_string(restarts_) + "); progress reported meanwhile is missing from the timeline");
  step_ = Step::recover;
  step_deadline_ = now + kRecoverWindow;
  host_.say("taking over run " + request_.run_id() + " at phase " + std::to_string(phase_ + 1) +
            " of " + std::to_string(request_.phases_size()) + " (" + phase_endpoint() +
            "): waiting for its " + std::to_string(job_agents_.size()) + " job(s)' agents");
}

TargetProbe RunSession::probe_for(const std::string& endpoint) const {
  TargetProbe p;
  p.admin_url = request_.admin_url();
  p.admin_token = request_.admin_token();
  p.product_id = request_.product_id() ? request_.product_id() : 1;
  p.reset_stock = phase().stock();
  p.stock_url = substitute(request_.stock_url(), "endpoint", endpoint);
  p.stock_field = request_.stock_field().empty() ? "stock" : request_.stock_field();
  p.ledger_url = substitute(request_.ledger_url(), "endpoint", endpoint);
  return p;
}

bool RunSession::tick(SteadyTime now) {
  switch (step_) {
    case Step::wait_agents: {
      if (request_.phases_size() == 0) {
        finish(2, "the run names no endpoint or phase");
        break;
      }
      const auto live = host_.live_agents();
      const size_t want = std::max<uint32_t>(1, request_.expect_agents());
      if (live.size() >= want) {
        for (auto* a : live) agent_ids_.push_back(a->agent_id);
        begin_phase(now);
      } else if (now > step_deadline_) {
        finish(3, "only " + std::to_string(live.size()) + " of " + std::to_string(want) +
                      " agents connected after " +
                      std::to_string(request_.agents_wait_ms() / 1000) + " s");
      } else if (now >= next_update_) {
        send_update("waiting for agents: " + std::to_string(live.size()) + "/" +
                    std::to_string(want));
        next_update_ = now + 1s;
      }
      break;
    }
    case Step::prepare:
      if (preparing_.ready()) {
        auto s = preparing_.take();
        if (!s) {
          finish(3, s.error());
        } else {
          initial_stock_ = *s;
          assign_jobs(now);
        }
      }
      break;
    case Step::assign:
      if (accepted_ == job_agents_.size()) {
        // One start instant in the coordinator's clock for every agent.
        phase_start_unix_ns_ = unix_now_ns() + std::chrono::nanoseconds(kStartLead).count();
        // Recorded before any agent can start: a coordinator taking over then knows the jobs.
        save_journal();
        for (size_t i = 0; i < job_agents_.size(); ++i) {
          v1::Envelope env;
          env.mutable_start()->set_job_id(merge_->jobs()[i].job_id);
          env.mutable_start()->set_start_at_unix_ns(phase_start_unix_ns_);
          send_to_job_agent(i, env);
        }
        enter_running(now);
      } else if (now > step_deadline_) {
        finish(3, "agents did not accept the " + phase_endpoint() + " job within 15 s");
      }
      break;
    case Step::recover: {
      bool all_back = true;
      for (size_t i = 0; i < job_agents_.size(); ++i) {
        const auto& j = merge_->jobs()[i];
        if (job_agents_[i].empty() && !j.lost && !j.has_result) all_back = false;
      }
      if (all_back || now > step_deadline_) {
        for (size_t i = 0; i < job_agents_.size(); ++i) {
          if (job_agents_[i].empty() && !merge_->jobs()[i].has_result) lose_job(i);
        }
        // The agents this run goes on with: the ones here now.
        agent_ids_.clear();
        for (auto* a : host_.live_agents()) agent_ids_.push_back(a->agent_id);
        enter_running(now);
        send_update("took the run over after a coordinator restart");
        save_journal();
      }
      break;
    }
    case Step::running:
    case Step::stopping:
      if (step_ == Step::running && !phase().duration_ms()) {
        const uint64_t attempts = merge_->live_totals().attempts();
        if (attempts != last_attempts_) {
          last_attempts_ = attempts;
          step_deadline_ = now + stall_window();
        }
      }
      if (merge_->complete() && reissue_.empty()) {
        send_update("");
        step_ = Step::reconcile;
        reconciling_.start(host_.target_io(),
                           [probe = probe_for(phase_endpoint())] { return read_phase_end(probe); });
      } else if (now > step_deadline_) {
        if (step_ == Step::running) {
          // Past its time: ask every agent to stop, then give their results a grace period.
          for (size_t i = 0; i < job_agents_.size(); ++i) {
            v1::Envelope env;
            env.mutable_stop()->set_job_id(merge_->jobs()[i].job_id);
            send_to_job_agent(i, env);
          }
          step_ = Step::stopping;
          step_deadline_ = now + kStopGrace;
        } else {
          for (const auto& j : merge_->jobs()) merge_->mark_lost(j.job_id);
          for (const auto& r : reissue_) {
            merge_->note(std::to_string(r.attempts) +
                         " attempts of a lost agent were never run: no agent was free");
          }
          reissue_.clear();
        }
      } else {
        reissue_lost_shares();
        read_stock_live(now);
        if (now >= next_update_) {
          send_update("");
          next_update_ = now + 1s;
        }
      }
      break;
    case Step::reconcile:
      if (reconciling_.ready()) {
        auto end = reconciling_.take();
        if (!end) {
          finish(3, end.error());
        } else {
          finish_phase(std::move(*end));
          if (step_ != Step::done) {
            if (++phase_ < static_cast<size_t>(request_.phases_size())) {
              begin_phase(now);
            } else {
              finish(0, "");
            }
          }
        }
      }
      break;
    case Step::done:
      break;
  }
  return step_ == Step::done;
}

void RunSession::read_stock_live(SteadyTime now) {
  if (stock_reading_.ready()) {
    auto s = stock_reading_.take();
    if (s && stock_reading_phase_ == phase_) stock_left_ = *s;  // a failed one keeps the last
  }
  if (stock_reading_.pending() || now < next_stock_read_ || request_.stock_url().empty()) return;
  stock_reading_.start(host_.target_io(),
                       [probe = probe_for(phase_endpoint())] { return read_stock(probe); });
  stock_reading_phase_ = phase_;
  next_stock_read_ = now + 1s;
}

void RunSession::enter_running(SteadyTime now) {
  step_ = Step::running;
  // A timed phase ends by its clock; one bounded by attempts may run for hours, so its deadline
  // measures a stall instead and moves whenever attempts advance (see tick()).
  auto left = 0ms;
  if (phase().duration_ms()) {
    const int64_t end_ns = static_cast<int64_t>(phase_start_unix_ns_) +
                           static_cast<int64_t>(phase().duration_ms()) * 1'000'000;
    left = std::chrono::milliseconds(
        std::max<int64_t>(0, (end_ns - static_cast<int64_t>(unix_now_ns())) / 1'000'000));
  }
  step_deadline_ = now + left + stall_window();
  last_attempts_ = 0;
  next_update_ = now + 1s;
}

std::chrono::milliseconds RunSession::stall_window() const {
  return std::chrono::milliseconds(request_.request().request_timeout_ms()) + 60s;
}

void RunSession::send_to_job_agent(size_t job, v1::Envelope& env) {
  for (auto* agent : host_.live_agents()) {
    if (agent->agent_id == job_agents_[job]) host_.send_to_agent(*agent, env);
  }
}

void RunSession::begin_phase(SteadyTime now) {
  step_ = Step::prepare;
  merge_ = std::make_unique<PhaseMerge>();
  job_agents_.clear();
  accepted_ = 0;
  phase_start_unix_ns_ = 0;
  stock_left_.reset();
  // No journal write here: the constructor recorded phase 0, and finish_phase() each next one.
  preparing_.start(host_.target_io(),
                   [probe = probe_for(phase_endpoint())] { return prepare_phase(probe); });
  send_update("preparing " + phase_endpoint());
}

void RunSession::assign_jobs(SteadyTime now) {
  std::vector<AgentRecord*> agents;
  for (auto* a : host_.live_agents()) {
    for (const auto& id : agent_ids_) {
      if (a->agent_id == id) agents.push_back(a);
    }
  }
  if (agents.empty()) return finish(3, "every agent of this run was lost");
  std::vector<uint32_t> weights;
  for (auto* a : agents)
    weights.push_back(request_.agent_threads() ? request_.agent_threads() : a->threads);
  const auto shares = split_shares(phase().users(), phase().attempts(), weights);
  const std::string endpoint = phase_endpoint();
  for (size_t i = 0; i < agents.size(); ++i) {
    if (shares[i].users == 0) continue;
    JobShare share;
    share.job_id = request_.run_id() + "-" + endpoint + "-" + std::to_string(i);
    share.key_prefix = request_.run_id() + "." + endpoint + ".a" + std::to_string(i);
    share.users = shares[i].users;
    share.attempts = shares[i].attempts;
    share.user_offset = shares[i].user_offset;
    dispatch(*agents[i], std::move(share), 0);
  }
  step_ = Step::assign;
  step_deadline_ = now + kAcceptWindow;
}

void RunSession::dispatch(AgentRecord& agent, JobShare share, uint64_t start_at_unix_ns) {
  const std::string endpoint = phase_endpoint();
  v1::Envelope env;
  auto* job = env.mutable_job()->mutable_job();
  job->set_job_id(share.job_id);
  job->set_endpoint(endpoint);
  *job->mutable_request() = request_.request();
  job->mutable_request()->set_path(substitute(request_.request().path(), "endpoint", endpoint));
  job->set_users(share.users);
  job->set_max_attempts(share.attempts);
  job->set_duration_ms(phase().duration_ms());
  job->set_rate_per_s(phase().rate_per_s() * share.users / std::max<uint32_t>(1, phase().users()));
  job->set_key_prefix(share.key_prefix);
  job->set_user_offset(share.user_offset);
  job->set_threads(request_.agent_threads());
  job->set_ramp_ms(phase().ramp_ms());
  job->set_think_time_ms(phase().think_time_ms());
  job->set_max_retries(request_.max_retries());
  job->set_retry_backoff_ms(request_.retry_backoff_ms());
  share.agent_name = agent.name;
  share.agent_host = agent.host;
  const std::string job_id = share.job_id;
  merge_->add_job(std::move(share));
  job_agents_.push_back(agent.agent_id);
  agent.busy = true;
  bool sent = host_.send_to_agent(agent, env);
  if (sent && start_at_unix_ns) {
    // A re-issued share starts at once: the agent takes the job and then the start, in order.
    v1::Envelope start;
    start.mutable_start()->set_job_id(job_id);
    start.mutable_start()->set_start_at_unix_ns(start_at_unix_ns);
    sent = host_.send_to_agent(agent, start);
  }
  if (!sent) merge_->mark_lost(job_id);
}

void RunSession::reissue_lost_shares() {
  while (!reissue_.empty()) {
    // An agent of this run that has delivered every result it owes is free for more. One whose
    // job was declared lost but that came back is still running that job (an agent holds one
    // at a time) and would refuse the hand-over, so it is free only once its late result is in.
    AgentRecord* free_agent = nullptr;
    for (auto* a : host_.live_agents()) {
      bool has_open_job = false, ran_here = false;
      for (size_t i = 0; i < job_agents_.size(); ++i) {
        if (job_agents_[i] != a->agent_id) continue;
        ran_here = true;
        if (!merge_->jobs()[i].has_result) has_open_job = true;
      }
      if (ran_here && !has_open_job) {
        free_agent = a;
        break;
      }
    }
    if (!free_agent) return;
    JobShare share = std::move(reissue_.front());
    reissue_.erase(reissue_.begin());
    send_update("re-issuing " + std::to_string(share.attempts) + " attempts of a lost agent to " +
                free_agent->agent_id);
    dispatch(*free_agent, std::move(share),
             unix_now_ns() + std::chrono::nanoseconds(kReissueLead).count());
    save_journal();
  }
}

bool RunSession::on_agent_message(const AgentRecord& agent, v1::Envelope& env) {
  if (!merge_) return false;
  if (step_ == Step::recover || step_ == Step::running || step_ == Step::stopping) {
    // Whoever speaks for a job holds it: after a restart the agents come back under new ids.
    std::string job_id;
    if (env.has_progress()) job_id = env.progress().job_id();
    if (env.has_orders()) job_id = env.orders().job_id();
    if (env.has_result()) job_id = env.result().job_id();
    for (size_t i = 0; !job_id.empty() && i < job_agents_.size(); ++i) {
      if (merge_->jobs()[i].job_id != job_id || job_agents_[i] == agent.agent_id) continue;
      job_agents_[i] = agent.agent_id;
      if (std::find(agent_ids_.begin(), agent_ids_.end(), agent.agent_id) == agent_ids_.end()) {
        agent_ids_.push_back(agent.agent_id);
      }
    }
  }
  switch (env.body_case()) {
    case v1::Envelope::kJobAccepted:
      for (const auto& j : merge_->jobs()) {
        if (j.job_id == env.job_accepted().job_id()) ++accepted_;
      }
      break;
    case v1::Envelope::kJobRejected:
      if (step_ == Step::assign) {
        finish(3, "agent " + agent.agent_id + " refused the job: " + env.job_rejected().reason());
      } else {
        merge_->mark_lost(env.job_rejected().job_id());
        merge_->note("agent " + agent.agent_id +
                     " refused a hand-over: " + env.job_rejected().reason());
      }
      break;
    case v1::Envelope::kProgress:
      merge_->add_progress(env.progress());
      break;
    case v1::Envelope::kOrders:
      merge_->add_batch(std::move(*env.mutable_orders()));
      break;
    case v1::Envelope::kResult:
      return merge_->add_result(env.result());
    default:
      break;
  }
  return false;
}

void RunSession::on_agent_lost(const std::string& agent_id) {
  if (!merge_) return;
  bool lost_any = false;
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    const JobShare& job = merge_->jobs()[i];
    if (job_agents_[i] != agent_id || job.has_result || job.lost) continue;
    send_update("agent " + agent_id + " lost: no heartbeat");
    lose_job(i);
    lost_any = true;
  }
  if (lost_any) save_journal();
}

void RunSession::lose_job(size_t i) {
  const JobShare& job = merge_->jobs()[i];
  if (job.has_result || job.lost) return;
  merge_->mark_lost(job.job_id);
  // Hand its unfinished attempts to the others, under a new key prefix so the oracle can still
  // tell whose attempt each ledger order was. Duration-bound runs need no hand-over: the others
  // run to the end anyway.
  const uint64_t done = job.live.attempts();
  if ((step_ != Step::running && step_ != Step::recover) || job.attempts <= done) return;
  if (job.generation >= kMaxReissueGenerations) {
    merge_->note(std::to_string(job.attempts - done) + " attempts of job " + job.job_id +
                 " were not re-issued: that share had already been handed on " +
                 std::to_string(kMaxReissueGenerations) + " times");
    return;
  }
  JobShare rest;
  // Unique across coordinator restarts too: a second process counts its re-issues afresh.
  const std::string n =
      std::to_string(++reissued_) + (restarts_ ? "s" + std::to_string(restarts_) : std::string());
  rest.job_id = job.job_id + "-r" + n;
  rest.key_prefix = job.key_prefix + "r" + n;
  rest.users = job.users;
  rest.attempts = job.attempts - done;
  rest.user_offset = job.user_offset;
  rest.reissued = true;
  rest.generation = job.generation + 1;
  reissue_.push_back(std::move(rest));
}

void RunSession::ack_results() {
  if (!merge_) return;
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    if (!merge_->jobs()[i].has_result || job_agents_[i].empty()) continue;
    v1::Envelope env;
    env.mutable_result_ack()->set_job_id(merge_->jobs()[i].job_id);
    send_to_job_agent(i, env);
  }
}

void RunSession::save_journal(bool phase_done) {
  RunJournal* journal = host_.journal();
  if (!journal || !journal->enabled() || step_ == Step::done) return;
  v1::RunJournal record;
  *record.mutable_request() = request_;
  record.set_started_unix_ns(started_unix_ns_);
  record.set_phase(static_cast<uint32_t>(phase_ + (phase_done ? 1 : 0)));
  record.set_initial_stock(initial_stock_);
  record.set_phase_start_unix_ns(phase_start_unix_ns_);
  record.set_restarts(restarts_);
  record.set_report_json(report_json_text(report_));
  auto add_share = [&](const JobShare& j, bool pending) {
    auto* s = record.add_shares();
    s->set_job_id(j.job_id);
    s->set_agent_name(j.agent_name);
    s->set_agent_host(j.agent_host);
    s->set_key_prefix(j.key_prefix);
    s->set_users(j.users);
    s->set_attempts(j.attempts);
    s->set_user_offset(j.user_offset);
    s->set_reissued(j.reissued);
    s->set_generation(j.generation);
    s->set_lost(j.lost);
    *s->mutable_live() = j.live;
    s->set_pending(pending);
  };
  // Shares only once they may have started: before that a taker starts the phase afresh.
  if (merge_ && phase_start_unix_ns_ && step_ != Step::prepare && !phase_done) {
    for (const auto& j : merge_->jobs()) add_share(j, false);
    for (const auto& j : reissue_) add_share(j, true);
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

void RunSession::finish_phase(PhaseEnd end) {
  OracleInput in;
  in.initial_stock = initial_stock_;
  in.final_stock = end.final_stock;
  in.ledger = std::move(end.ledger);
  in.acknowledged = merge_->take_acknowledged();
  in.indeterminate = merge_->indeterminate();
  for (const auto& j : merge_->jobs()) {
    if (j.lost) in.indeterminate_prefixes.push_back(j.key_prefix);
  }

  EndpointReport p;
  p.endpoint = phase_endpoint();
  p.initial_stock = initial_stock_;
  p.final_stock = end.final_stock;
  const v1::OutcomeCounts& totals = merge_->totals();
  p.attempts = totals.attempts();
  p.acknowledged = totals.ok();
  p.sold_out = totals.sold_out();
  p.errors = totals.errors();
  p.indeterminate = totals.info();
  p.verdict = reconcile(in);
  const uint64_t first =
      merge_->first_send_unix_ns() ? merge_->first_send_unix_ns() : phase_start_unix_ns_;
  const uint64_t last = std::max(merge_->last_done_unix_ns(), first);
  p.duration_s = static_cast<double>(last - first) / 1e9;
  p.latency_ms = LatencySummary::of(merge_->latency());
  if (merge_->latency_uncorrected().total() > 0) {
    p.latency_ms_uncorrected = LatencySummary::of(merge_->latency_uncorrected());
  }
  p.retries = merge_->retries();
  p.status_codes = merge_->status_codes();
  p.problems = merge_->problems();
  p.start_spread_ms = merge_->start_spread_ms();
  // Attempts of a lost agent are unknown: say so in the counts rather than drop them.
  for (const auto& j : merge_->jobs()) {
    // A lost agent's last report stands for what it did; one that came back and delivered its
    // result is already in the totals (its share ran twice: its own and the re-issued one).
    if (j.lost && !j.has_result) {
      p.attempts += j.live.attempts();
      p.acknowledged += j.live.ok();
      p.indeterminate += j.live.info();
    }
    bool found = false;
    for (auto& a : report_.agents) {
      if (a.name == j.agent_name) {
        a.requests += j.live.attempts();
        found = true;
      }
    }
    if (!found) report_.agents.push_back({j.agent_name, j.agent_host, j.live.attempts()});
  }
  p.throughput_rps = p.duration_s > 0 ? static_cast<double>(p.attempts) / p.duration_s : 0.0;
  // Anchored at the start, so even a phase shorter than one update has an interval to chart.
  p.timeline.push_back({0, 0, 0, 0, 0});
  p.timeline.insert(p.timeline.end(), timeline_.begin(), timeline_.end());
  timeline_.clear();
  const double final_t =
      p.duration_s > 0 ? p.duration_s : (p.timeline.empty() ? 0 : p.timeline.back().t_s);
  p.timeline.push_back({final_t, p.attempts, p.acknowledged, p.fail(), p.indeterminate});
  for (auto* a : host_.live_agents()) a->busy = false;
  if (auto* m = host_.metrics()) m->record_phase(p, &merge_->latency());
  report_.endpoints.push_back(std::move(p));
  // The phase is in the report and the journal: the agents may let go of what they kept for it.
  save_journal(/*phase_done=*/true);
  ack_results();
}

v1::RunUpdate RunSession::snapshot(const std::string& note) const {
  v1::RunUpdate u;
  u.set_phase(static_cast<uint32_t>(phase_ + 1));
  u.set_phases(static_cast<uint32_t>(request_.phases_size()));
  u.set_agents(static_cast<uint32_t>(host_.live_agents().size()));
  u.set_note(note);
  if (merge_ && phase_ < static_cast<size_t>(request_.phases_size())) {
    u.set_endpoint(phase_endpoint());
    *u.mutable_counts() = merge_->live_totals();
    if (stock_left_) u.set_stock_left(*stock_left_);
    const double elapsed_s = phase_elapsed_s();
    if (elapsed_s > 0) u.set_rate_rps(static_cast<double>(u.counts().attempts()) / elapsed_s);
  }
  return u;
}

double RunSession::phase_elapsed_s() const {
  if (!phase_start_unix_ns_) return 0;
  // Signed: the start instant lies a little in the future right after StartJob goes out.
  return static_cast<double>(static_cast<int64_t>(unix_now_ns() - phase_start_unix_ns_)) / 1e9;
}

void RunSession::send_update(const std::string& note) {
  v1::Envelope env;
  auto* update = env.mutable_run_update();
  *update = snapshot(note);
  if (merge_ && (step_ == Step::running || step_ == Step::stopping || step_ == Step::recover)) {
    // Latency over time: what ended since the last update, every agent's windows merged.
    const auto window = merge_->take_window();
    if (window.total() != 0) {
      update->set_window_attempts(window.total());
      update->set_window_p50_ms(static_cast<double>(window.percentile_us(50)) / 1e3);
      update->set_window_p99_ms(static_cast<double>(window.percentile_us(99)) / 1e3);
    }
  }
  const auto& u = *update;
  if (!u.endpoint().empty()) {
    const double elapsed_s = phase_elapsed_s();
    if (elapsed_s > 0 && step_ != Step::prepare && step_ != Step::assign) {
      const auto& c = u.counts();
      timeline_.push_back({elapsed_s, c.attempts(), c.ok(), c.fail(), c.info(), u.window_p50_ms(),
                           u.window_p99_ms()});
    }
    if (auto* m = host_.metrics()) m->update_live(u.endpoint(), u.counts());
  }
  host_.send_to_client(client_id_, env);
}

void RunSession::abort(const std::string& reason) {
  if (step_ == Step::done) return;
  if (merge_) {
    for (size_t i = 0; i < job_agents_.size(); ++i) {
      if (merge_->jobs()[i].has_result) continue;
      v1::Envelope env;
      env.mutable_stop()->set_job_id(merge_->jobs()[i].job_id);
      send_to_job_agent(i, env);
    }
  }
  finish(3, reason);
}

void RunSession::finish(int exit_code, const std::string& message) {
  if (step_ == Step::done) return;
  if (step_ != Step::reconcile) ack_results();  // an aborted phase: nothing more will merge
  step_ = Step::done;
  report_.duration_s = static_cast<double>(unix_now_ns() - started_unix_ns_) / 1e9;
  for (auto* a : host_.live_agents()) a->busy = false;
  v1::Envelope env;
  auto* f = env.mutable_run_finished();
  f->set_run_id(request_.run_id());
  f->set_exit_code(exit_code);
  f->set_message(message);
  f->set_report_json(report_json_text(report_));
  host_.send_to_client(client_id_, env);
  if (auto* journal = host_.journal()) journal->clear();
  if (auto* m = host_.metrics()) {
    bool ok = exit_code == 0;
    for (const auto& p : report_.endpoints) ok = ok && p.verdict.integrity_ok;
    m->count_run(exit_code == 3 ? "error" : ok ? "ok" : "violated");
    m->set_run_active(false);
  }
}

}  // namespace stampede::coordinator
