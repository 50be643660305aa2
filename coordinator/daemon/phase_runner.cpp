// PhaseRunner: a phase's jobs, from assignment to acknowledged results.
#include "coordinator/daemon/phase_runner.hpp"

#include <algorithm>

#include "common/url.hpp"
#include "coordinator/daemon/job_split.hpp"
#include "coordinator/spec/data_file.hpp"

namespace stampede::coordinator {

namespace {
// A lost share's remainder goes to another agent at most this many times over: an agent that
// keeps losing what it is handed (out of descriptors, say) must not make a run that never ends.
constexpr uint32_t kMaxReissueGenerations = 3;
}  // namespace

PhaseRunner::PhaseRunner(RunHost& host, const v1::RunRequest& request, size_t phase,
                         uint32_t restarts)
    : host_(host),
      request_(request),
      spec_(request.phases(static_cast<int>(phase))),
      restarts_(restarts) {}

void PhaseRunner::assign(const std::vector<AgentRecord*>& agents) {
  std::vector<uint32_t> weights;
  for (auto* a : agents) {
    weights.push_back(request_.agent_threads() ? request_.agent_threads() : a->threads);
  }
  const auto shares = split_shares(spec_.users(), spec_.attempts(), weights);
  for (size_t i = 0; i < agents.size(); ++i) {
    if (shares[i].users == 0) continue;
    JobShare share;
    share.job_id = request_.run_id() + "-" + endpoint() + "-" + std::to_string(i);
    share.key_prefix = request_.run_id() + "." + endpoint() + ".a" + std::to_string(i);
    share.users = shares[i].users;
    share.attempts = shares[i].attempts;
    share.user_offset = shares[i].user_offset;
    dispatch(*agents[i], std::move(share), 0);
  }
}

void PhaseRunner::restore(const v1::RunJournal& record) {
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
    share.accepted = true;
    // What the dead coordinator heard is not a gap on the wire: the next progress resets it.
    share.resync_progress = true;
    if (s.pending()) {
      reissue_.push_back(std::move(share));
      continue;
    }
    share.lost = s.lost();
    merge_.add_job(std::move(share));
    job_agents_.emplace_back();  // unknown until the agent that holds it speaks
  }
}

void PhaseRunner::add_shares_to(v1::RunJournal& record) const {
  auto add = [&](const JobShare& j, bool pending) {
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
  for (const auto& j : merge_.jobs()) add(j, false);
  for (const auto& j : reissue_) add(j, true);
}

void PhaseRunner::start(uint64_t start_at_unix_ns) {
  phase_start_unix_ns_ = start_at_unix_ns;
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    v1::Envelope env;
    env.mutable_start()->set_job_id(merge_.jobs()[i].job_id);
    env.mutable_start()->set_start_at_unix_ns(start_at_unix_ns);
    send_to_job_agent(i, env);
  }
}

bool PhaseRunner::all_accepted() const {
  return std::all_of(merge_.jobs().begin(), merge_.jobs().end(),
                     [](const JobShare& j) { return j.accepted || j.lost; });
}

bool PhaseRunner::all_back() const {
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    const auto& j = merge_.jobs()[i];
    if (job_agents_[i].empty() && !j.lost && !j.has_result) return false;
  }
  return true;
}

void PhaseRunner::lose_absent() {
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    if (job_agents_[i].empty() && !merge_.jobs()[i].has_result) lose_job(i, true);
  }
}

void PhaseRunner::dispatch(AgentRecord& agent, JobShare share, uint64_t start_at_unix_ns) {
  v1::Envelope env;
  auto* job = env.mutable_job()->mutable_job();
  job->set_job_id(share.job_id);
  job->set_endpoint(endpoint());
  *job->mutable_request() = request_.request();
  // ${endpoint} is the phase's, the same for every user: filled here, once, in the request
  // and in each step of a journey (both carry a path, a body and headers).
  auto* request = job->mutable_request();
  if (spec_.flow_size() > 0) *request->mutable_flow() = spec_.flow();
  const auto fill_endpoint = [this](auto& sent) {
    sent.set_path(substitute(sent.path(), "endpoint", endpoint()));
    sent.set_body_template(substitute(sent.body_template(), "endpoint", endpoint()));
    for (auto& h : *sent.mutable_headers()) {
      h.set_value(substitute(h.value(), "endpoint", endpoint()));
    }
  };
  fill_endpoint(*request);
  for (auto& step : *request->mutable_flow()) fill_endpoint(step);
  job->set_users(share.users);
  job->set_max_attempts(share.attempts);
  job->set_duration_ms(spec_.duration_ms());
  job->set_rate_per_s(spec_.rate_per_s() * share.users / std::max<uint32_t>(1, spec_.users()));
  job->set_key_prefix(share.key_prefix);
  job->set_user_offset(share.user_offset);
  job->set_threads(request_.agent_threads());
  job->set_ramp_ms(spec_.ramp_ms());
  job->set_think_time_ms(spec_.think_time_ms());
  job->set_max_retries(request_.max_retries());
  job->set_retry_backoff_ms(request_.retry_backoff_ms());
  if (request_.data().columns_size() > 0) {
    *job->mutable_data() = rows_for_users(request_.data(), share.user_offset, share.users);
  }
  share.agent_name = agent.name;
  share.agent_host = agent.host;
  const std::string job_id = share.job_id;
  merge_.add_job(std::move(share));
  job_agents_.push_back(agent.agent_id);
  agent.busy = true;
  bool sent = host_.send_to_agent(agent, env);
  if (sent && start_at_unix_ns) {
    // A re-issued share starts at once: the agent takes the job and then the start, in order.
    v1::Envelope start;
    start.mutable_start()->set_job_id(job_id);
    start.mutable_start()->set_start_at_unix_ns(start_at_unix_ns);
    // Its attempts are binned by the phase's seconds, not its own.
    start.mutable_start()->set_phase_start_unix_ns(phase_start_unix_ns_);
    sent = host_.send_to_agent(agent, start);
  }
  if (!sent) merge_.mark_lost(job_id);
}

void PhaseRunner::send_to_job_agent(size_t job, v1::Envelope& env) {
  for (auto* agent : host_.live_agents()) {
    if (agent->agent_id == job_agents_[job]) host_.send_to_agent(*agent, env);
  }
}

std::vector<std::string> PhaseRunner::reissue_lost_shares(uint64_t start_at_unix_ns) {
  std::vector<std::string> said;
  while (!reissue_.empty()) {
    // An agent of this phase that has delivered every result it owes is free for more. One
    // whose job was declared lost but that came back is still running that job (an agent holds
    // one at a time) and would refuse the hand-over, so it is free only once its late result is
    // in.
    AgentRecord* free_agent = nullptr;
    for (auto* a : host_.live_agents()) {
      bool has_open_job = false, ran_here = false;
      for (size_t i = 0; i < job_agents_.size(); ++i) {
        if (job_agents_[i] != a->agent_id) continue;
        ran_here = true;
        if (!merge_.jobs()[i].has_result) has_open_job = true;
      }
      if (ran_here && !has_open_job) {
        free_agent = a;
        break;
      }
    }
    if (!free_agent) break;
    JobShare share = std::move(reissue_.front());
    reissue_.erase(reissue_.begin());
    said.push_back("re-issuing " + std::to_string(share.attempts) +
                   " attempts of a lost agent to " + free_agent->agent_id);
    dispatch(*free_agent, std::move(share), start_at_unix_ns);
  }
  return said;
}

bool PhaseRunner::on_agent_message(const AgentRecord& agent, v1::Envelope& env, bool handing_on) {
  // Whoever speaks for a job holds it: after a restart the agents come back under new ids.
  std::string job_id;
  if (env.has_progress()) job_id = env.progress().job_id();
  if (env.has_orders()) job_id = env.orders().job_id();
  if (env.has_result()) job_id = env.result().job_id();
  for (size_t i = 0; !job_id.empty() && i < job_agents_.size(); ++i) {
    if (merge_.jobs()[i].job_id == job_id) job_agents_[i] = agent.agent_id;
  }
  switch (env.body_case()) {
    case v1::Envelope::kJobAccepted:
      merge_.mark_accepted(env.job_accepted().job_id());
      break;
    case v1::Envelope::kJobRejected:
      if (!handing_on) {
        refusal_ = "agent " + agent.agent_id + " refused the job: " + env.job_rejected().reason();
      } else {
        merge_.mark_lost(env.job_rejected().job_id());
        merge_.note("agent " + agent.agent_id +
                    " refused a hand-over: " + env.job_rejected().reason());
      }
      break;
    case v1::Envelope::kProgress:
      merge_.add_progress(env.progress());
      break;
    case v1::Envelope::kOrders:
      merge_.add_batch(std::move(*env.mutable_orders()));
      break;
    case v1::Envelope::kResult:
      return merge_.add_result(env.result());
    default:
      break;
  }
  return false;
}

bool PhaseRunner::on_agent_lost(const std::string& agent_id, bool handing_on) {
  bool lost_any = false;
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    const JobShare& job = merge_.jobs()[i];
    if (job_agents_[i] != agent_id || job.has_result || job.lost) continue;
    lose_job(i, handing_on);
    lost_any = true;
  }
  return lost_any;
}

void PhaseRunner::lose_job(size_t i, bool handing_on) {
  const JobShare& job = merge_.jobs()[i];
  if (job.has_result || job.lost) return;
  merge_.mark_lost(job.job_id);
  // Hand its unfinished attempts to the others, under a new key prefix so the oracle can still
  // tell whose attempt each ledger order was. Duration-bound runs need no hand-over: the others
  // run to the end anyway.
  const uint64_t done = job.live.attempts();
  if (!handing_on || job.attempts <= done) return;
  if (job.generation >= kMaxReissueGenerations) {
    merge_.note(std::to_string(job.attempts - done) + " attempts of job " + job.job_id +
                " were not re-issued: that share had already been handed on " +
                std::to_string(kMaxReissueGenerations) + " times");
    return;
  }
  JobShare rest;
  // Unique across coordinator restarts too: a second process counts its re-issues afresh.
  std::string n = std::to_string(++reissued_);
  if (restarts_) n.append("s").append(std::to_string(restarts_));
  rest.job_id = job.job_id + "-r" + n;
  rest.key_prefix = job.key_prefix + "r" + n;
  rest.users = job.users;
  rest.attempts = job.attempts - done;
  rest.user_offset = job.user_offset;
  rest.reissued = true;
  rest.generation = job.generation + 1;
  reissue_.push_back(std::move(rest));
}

void PhaseRunner::stop_jobs() {
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    if (merge_.jobs()[i].has_result) continue;
    v1::Envelope env;
    env.mutable_stop()->set_job_id(merge_.jobs()[i].job_id);
    send_to_job_agent(i, env);
  }
}

void PhaseRunner::give_up() {
  for (const auto& j : merge_.jobs()) merge_.mark_lost(j.job_id);
  for (const auto& r : reissue_) {
    merge_.note(std::to_string(r.attempts) +
                " attempts of a lost agent were never run: no agent was free");
  }
  reissue_.clear();
}

void PhaseRunner::ack_results() {
  for (size_t i = 0; i < job_agents_.size(); ++i) {
    if (!merge_.jobs()[i].has_result || job_agents_[i].empty()) continue;
    v1::Envelope env;
    env.mutable_result_ack()->set_job_id(merge_.jobs()[i].job_id);
    send_to_job_agent(i, env);
  }
}

bool PhaseRunner::uses_agent(const std::string& agent_id) const {
  return std::find(job_agents_.begin(), job_agents_.end(), agent_id) != job_agents_.end();
}

}  // namespace stampede::coordinator
