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

bool ready(const auto& future) {
  return future.valid() && future.wait_for(0s) == std::future_status::ready;
}
}  // namespace

RunSession::RunSession(RunHost& host, v1::RunRequest request, std::string client_id, SteadyTime now)
    : host_(host), request_(std::move(request)), client_id_(std::move(client_id)), created_(now) {
  step_deadline_ = now + std::chrono::milliseconds(
                             request_.agents_wait_ms() ? request_.agents_wait_ms() : 30000);
  started_unix_ns_ = unix_now_ns();
  report_.run_id = request_.run_id();
  report_.scenario = request_.scenario();
  report_.started_at = rfc3339_utc(started_unix_ns_);
}

TargetProbe RunSession::probe_for(const std::string& endpoint) const {
  TargetProbe p;
  p.admin_url = request_.admin_url();
  p.admin_token = request_.admin_token();
  p.product_id = request_.product_id() ? request_.product_id() : 1;
  p.reset_stock = request_.stock();
  p.stock_url = substitute(request_.stock_url(), "endpoint", endpoint);
  p.stock_field = request_.stock_field().empty() ? "stock" : request_.stock_field();
  p.ledger_url = substitute(request_.ledger_url(), "endpoint", endpoint);
  return p;
}

bool RunSession::tick(SteadyTime now) {
  switch (step_) {
    case Step::wait_agents: {
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
      if (ready(preparing_)) {
        auto s = preparing_.get();
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
        for (size_t i = 0; i < job_agents_.size(); ++i) {
          v1::Envelope env;
          env.mutable_start()->set_job_id(merge_->jobs()[i].job_id);
          env.mutable_start()->set_start_at_unix_ns(phase_start_unix_ns_);
          send_to_job_agent(i, env);
        }
        step_ = Step::running;
        const uint64_t limit_ms =
            request_.duration_ms()
                ? request_.duration_ms() + request_.request().request_timeout_ms() + 60'000
                : 600'000;
        step_deadline_ = now + std::chrono::milliseconds(limit_ms);
        next_update_ = now + 1s;
      } else if (now > step_deadline_) {
        finish(3, "agents did not accept the " + phase_endpoint() + " job within 15 s");
      }
      break;
    case Step::running:
    case Step::stopping:
      if (merge_->complete()) {
        send_update("");
        step_ = Step::reconcile;
        reconciling_ = std::async(std::launch::async, read_phase_end, probe_for(phase_endpoint()));
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
        }
      } else if (now >= next_update_) {
        send_update("");
        next_update_ = now + 1s;
      }
      break;
    case Step::reconcile:
      if (ready(reconciling_)) {
        auto end = reconciling_.get();
        if (!end) {
          finish(3, end.error());
        } else {
          finish_phase(std::move(*end));
          if (step_ != Step::done) {
            if (++phase_ < static_cast<size_t>(request_.endpoints_size())) {
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
  preparing_ = std::async(std::launch::async, prepare_phase, probe_for(phase_endpoint()));
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
  const auto shares = split_shares(request_.users(), request_.attempts(), weights);
  const std::string endpoint = phase_endpoint();
  for (size_t i = 0; i < agents.size(); ++i) {
    if (shares[i].users == 0) continue;
    const std::string job_id = request_.run_id() + "-" + endpoint + "-" + std::to_string(i);
    v1::Envelope env;
    auto* job = env.mutable_job()->mutable_job();
    job->set_job_id(job_id);
    job->set_endpoint(endpoint);
    *job->mutable_request() = request_.request();
    job->mutable_request()->set_path(substitute(request_.request().path(), "endpoint", endpoint));
    job->set_users(shares[i].users);
    job->set_max_attempts(shares[i].attempts);
    job->set_duration_ms(request_.duration_ms());
    job->set_rate_per_s(request_.rate_per_s() * shares[i].users /
                        std::max<uint32_t>(1, request_.users()));
    job->set_key_prefix(request_.run_id() + "." + endpoint + ".a" + std::to_string(i));
    job->set_user_offset(shares[i].user_offset);
    job->set_threads(request_.agent_threads());
    merge_->add_job(job_id, agents[i]->name, agents[i]->host, job->key_prefix());
    job_agents_.push_back(agents[i]->agent_id);
    agents[i]->busy = true;
    if (!host_.send_to_agent(*agents[i], env)) merge_->mark_lost(job_id);
  }
  step_ = Step::assign;
  step_deadline_ = now + kAcceptWindow;
}

void RunSession::on_agent_message(const AgentRecord& agent, const v1::Envelope& env) {
  if (!merge_) return;
  switch (env.body_case()) {
    case v1::Envelope::kJobAccepted:
      for (const auto& j : merge_->jobs()) {
        if (j.job_id == env.job_accepted().job_id()) ++accepted_;
      }
      break;
    case v1::Envelope::kJobRejected:
      if (step_ == Step::assign) {
        finish(3, "agent " + agent.agent_id + " refused the job: " + env.job_rejected().reason());
      }
      break;
    case v1::Envelope::kProgress:
      merge_->add_progress(env.progress());
      break;
    case v1::Envelope::kOrders:
      merge_->add_batch(env.orders());
      break;
    case v1::Envelope::kResult:
      merge_->add_result(env.result());
      break;
    default:
      break;
  }
}

void RunSession::on_agent_lost(const std::string& agent_id) {
  if (!merge_) return;
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    if (job_agents_[i] == agent_id) {
      merge_->mark_lost(merge_->jobs()[i].job_id);
      send_update("agent " + agent_id + " lost: no heartbeat");
    }
  }
}

void RunSession::finish_phase(PhaseEnd end) {
  OracleInput in;
  in.initial_stock = initial_stock_;
  in.final_stock = end.final_stock;
  in.ledger = std::move(end.ledger);
  in.acknowledged = merge_->acknowledged();
  in.indeterminate = merge_->indeterminate();

  PhaseReport p;
  p.endpoint = phase_endpoint();
  p.initial_stock = initial_stock_;
  p.final_stock = end.final_stock;
  p.counts = merge_->totals();
  p.verdict = reconcile(in);
  const uint64_t first =
      merge_->first_send_unix_ns() ? merge_->first_send_unix_ns() : phase_start_unix_ns_;
  const uint64_t last = std::max(merge_->last_done_unix_ns(), first);
  p.duration_s = static_cast<double>(last - first) / 1e9;
  p.latency = merge_->latency();
  p.status_codes = merge_->status_codes();
  p.problems = merge_->problems();
  // Attempts of a lost agent are unknown: say so in the counts rather than drop them.
  for (const auto& j : merge_->jobs()) {
    if (j.lost) {
      auto* c = &p.counts;
      c->set_attempts(c->attempts() + j.live.attempts());
      c->set_ok(c->ok() + j.live.ok());
      c->set_fail(c->fail() + j.live.fail());
      c->set_info(c->info() + j.live.info());
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
  for (auto* a : host_.live_agents()) a->busy = false;
  if (auto* m = host_.metrics()) m->record_phase(p);
  report_.phases.push_back(std::move(p));
}

void RunSession::send_update(const std::string& note) {
  v1::Envelope env;
  auto* u = env.mutable_run_update();
  u->set_phase(static_cast<uint32_t>(phase_ + 1));
  u->set_phases(static_cast<uint32_t>(request_.endpoints_size()));
  u->set_agents(static_cast<uint32_t>(host_.live_agents().size()));
  u->set_note(note);
  if (merge_ && phase_ < static_cast<size_t>(request_.endpoints_size())) {
    u->set_endpoint(phase_endpoint());
    *u->mutable_counts() = merge_->live_totals();
    const double elapsed_s = static_cast<double>(unix_now_ns() - phase_start_unix_ns_) / 1e9;
    if (phase_start_unix_ns_ && elapsed_s > 0)
      u->set_rate_rps(static_cast<double>(u->counts().attempts()) / elapsed_s);
    if (auto* m = host_.metrics()) m->update_live(phase_endpoint(), u->counts());
  }
  host_.send_to_client(client_id_, env);
}

void RunSession::finish(int exit_code, const std::string& message) {
  if (step_ == Step::done) return;
  step_ = Step::done;
  report_.duration_s = static_cast<double>(unix_now_ns() - started_unix_ns_) / 1e9;
  for (auto* a : host_.live_agents()) a->busy = false;
  v1::Envelope env;
  auto* f = env.mutable_run_finished();
  f->set_exit_code(exit_code);
  f->set_message(message);
  f->set_report_json(boost::json::serialize(to_json(report_)));
  host_.send_to_client(client_id_, env);
  if (auto* m = host_.metrics()) {
    bool ok = exit_code == 0;
    for (const auto& p : report_.phases) ok = ok && p.verdict.integrity_ok;
    m->count_run(exit_code == 3 ? "error" : ok ? "ok" : "violated");
    m->set_run_active(false);
  }
}

}  // namespace stampede::coordinator
