// A coordinator run hosted in-process for tests: a fake RunHost whose agents, target and clocks
// the test plays. Nothing sleeps and nothing touches a socket: the test advances the clock,
// makes agents attempt, lose touch or come back, and pumps the frames through.
//
//   RunHarness h;
//   auto& a1 = h.add_agent("a1");
//   h.start(request_for("safe", /*stock=*/50, /*requests=*/300));
//   h.pump();                      // jobs assigned, accepted, started
//   a1.attempt(40); h.pump();      // progress and order batches reach the run
//   a1.finish(); h.pump();         // the result; the phase reconciles when every job is in
//   REQUIRE(h.finished());
#pragma once

#include <catch2/catch.hpp>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/order_batch.hpp"
#include "coordinator/daemon/run_journal.hpp"
#include "coordinator/daemon/run_session.hpp"
#include "coordinator/report/report.hpp"

namespace stampede::coordinator::testing {

using namespace std::chrono_literals;

// The target's stock and ledger, as a safe checkout keeps them: an attempt buys while stock is
// left and is sold out after.
struct FakeTarget {
  int64_t stock = 0;
  std::vector<LedgerOrder> ledger;
  uint64_t next_order = 1;
  // Like the lab's product route: each live reading also says what is held, and the ledger's
  // length as what is sold.
  std::optional<int64_t> held;

  // An order for the key, or nothing when sold out.
  std::optional<std::string> buy(const std::string& key) {
    if (stock <= 0) return std::nullopt;
    --stock;
    const std::string id = "o-" + std::to_string(next_order++);
    ledger.push_back({id, key, "safe", "u"});
    return id;
  }
};

class RunHarness;

// One agent as the run sees it: it takes jobs, attempts against the fake target when told,
// reports progress and orders, and sends its result; or goes silent.
class FakeAgent {
 public:
  FakeAgent(RunHarness& h, std::string name) : h_(h), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  std::string routing() const { return "r-" + name_ + "-" + std::to_string(incarnation_); }
  bool has_job() const { return job_.has_value(); }
  const v1::JobSpec& job() const { return *job_; }
  uint64_t remaining() const;
  bool started() const { return started_; }
  bool stopped() const { return stopped_; }
  bool acknowledged() const { return acked_; }

  // Makes n attempts of its job against the target (no more than the job has left), then sends
  // a Progress and an OrderBatch.
  void attempt(uint64_t n);
  // Attempts that reach the target but whose report never leaves (the agent dies right after).
  void attempt_unreported(uint64_t n);
  // Sends the job's result (and nothing more is attempted).
  void finish();
  // Sends the last order batch and the result again, as after a lost ack or a restart.
  void resend();
  // Registers with a new coordinator (after a restart) and replays what it kept.
  void rejoin();
  // Takes frames from the run: jobs, starts, stops, acks.
  void receive(v1::Envelope env);
  // A job refused with this reason, instead of accepted.
  std::optional<std::string> refuse_with;
  bool silent = false;           // lost: says nothing, takes nothing
  bool silent_at_start = false;  // goes silent as its StartJob arrives (lost during the start)

 private:
  void send(v1::Envelope env);
  RunHarness& h_;
  std::string name_;
  int incarnation_ = 1;
  std::optional<v1::JobSpec> job_;
  bool started_ = false, stopped_ = false, acked_ = false;
  v1::OutcomeCounts counts_;
  uint64_t progress_seq_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<v1::Envelope> batches_;  // kept until acknowledged, as a real agent keeps them
  std::optional<v1::Envelope> result_;
};

class RunHarness final : public RunHost {
 public:
  explicit RunHarness(std::string journal_dir = "") : journal_(std::move(journal_dir)) {}

  FakeAgent& add_agent(const std::string& name) {
    agents_.push_back(std::make_unique<FakeAgent>(*this, name));
    join(*agents_.back());
    return *agents_.back();
  }
  void join(FakeAgent& agent) {
    v1::Register reg;
    reg.set_name(agent.name());
    reg.set_host("host");
    reg.set_cores(1);
    reg.set_threads(1);
    REQUIRE(registry_.register_agent(agent.routing(), reg, steady_));
  }
  FakeAgent& agent(const std::string& name) {
    for (auto& a : agents_) {
      if (a->name() == name) return *a;
    }
    FAIL("no agent " << name);
    throw;
  }

  void start(v1::RunRequest request) {
    target.stock = request.phases(0).stock();
    run_ = std::make_unique<RunSession>(*this, std::move(request), "cli", steady_);
  }
  // A coordinator started again on the same journal: a new registry, the run taken over.
  void restart_coordinator() {
    run_.reset();
    registry_ = AgentRegistry();
    calls_.clear();
    std::string problem;
    auto record = journal_.load(problem);
    REQUIRE(record);
    run_ = std::make_unique<RunSession>(*this, std::move(*record), steady_);
    client_.clear();
  }

  // The coordinator's housekeeping: agents silent past the timeout are lost to the run.
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ns_ += static_cast<uint64_t>(std::chrono::nanoseconds(d).count());
    for (auto& a : agents_) {
      if (!a->silent) registry_.by_routing_id(a->routing())->last_seen = steady_;
    }
    for (const auto& id : registry_.expire(steady_, 5000ms)) {
      if (run_) run_->on_agent_lost(id);
    }
  }

  // The coordinator's loop hearing from an agent again after a silence under its deadline.
  void agent_silent(const std::string& id, std::chrono::milliseconds silent) {
    if (run_) run_->on_agent_silent(id, silent, 5000ms);
  }

  // Moves every frame to where it goes and answers the target's calls, until nothing moves.
  void pump() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      while (!to_agents_.empty()) {
        auto [routing, env] = std::move(to_agents_.front());
        to_agents_.pop_front();
        moved = true;
        for (auto& a : agents_) {
          if (a->routing() == routing && !a->silent) a->receive(std::move(env));
        }
      }
      if (answer_calls()) moved = true;
      if (run_ && run_->tick(steady_)) {
        finished_ = true;
      }
      if (!moved && to_agents_.empty() && calls_.empty()) return;
    }
  }

  // A frame from an agent, as the coordinator's loop hands it to the run.
  void from_agent(FakeAgent& a, v1::Envelope env) {
    AgentRecord* record = registry_.by_routing_id(a.routing());
    if (!record || !run_) return;
    record->missing = false;  // an agent that speaks is back, as the coordinator's loop says
    record->last_seen = steady_;
    const bool result = env.has_result();
    const std::string job_id = result ? env.result().job_id() : "";
    if (!run_->on_agent_message(*record, env) && result) {
      v1::Envelope ack;  // not the run's to keep: acknowledged at once
      ack.mutable_result_ack()->set_job_id(job_id);
      to_agents_.emplace_back(a.routing(), std::move(ack));
    }
  }

  bool finished() const { return finished_; }
  const v1::RunFinished& finish_frame() const {
    for (const auto& env : client_) {
      if (env.has_run_finished()) return env.run_finished();
    }
    FAIL("the run sent no RunFinished");
    throw;
  }
  RunReport report() const {
    auto r = parse_report(finish_frame().report_json());
    REQUIRE(r);
    return *r;
  }
  std::vector<std::string> notes() const {
    std::vector<std::string> out;
    for (const auto& env : client_) {
      if (env.has_run_update() && !env.run_update().note().empty()) {
        out.push_back(env.run_update().note());
      }
    }
    return out;
  }

  FakeTarget target;
  int64_t initial_stock = 0;

  // --- RunHost ---
  std::vector<AgentRecord*> live_agents() override { return registry_.live(); }
  bool send_to_agent(const AgentRecord& agent, v1::Envelope& envelope) override {
    to_agents_.emplace_back(agent.routing_id, envelope);
    return true;
  }
  void send_to_client(const std::string&, v1::Envelope& envelope) override {
    client_.push_back(envelope);
  }
  void call_target(const TargetCall& call) override { calls_.push_back(call); }
  uint64_t now_unix_ns() override { return wall_ns_; }
  CoordinatorMetrics* metrics() override { return nullptr; }
  RunJournal* journal() override { return &journal_; }
  void say(const std::string&) override {}

  uint64_t wall_ns() const { return wall_ns_; }

 private:
  bool answer_calls() {
    if (calls_.empty()) return false;
    auto calls = std::move(calls_);
    calls_.clear();
    for (const auto& call : calls) {
      TargetAnswer answer;
      answer.call_id = call.id;
      answer.stock = target.stock;
      if (call.kind == TargetCall::Kind::prepare && call.probe.reset_stock >= 0) {
        target.stock = call.probe.reset_stock;
        answer.stock = target.stock;
      }
      if (call.kind == TargetCall::Kind::read_stock && target.held) {
        answer.held = target.held;
        answer.sold = static_cast<int64_t>(target.ledger.size());
      }
      if (call.kind == TargetCall::Kind::read_phase_end) {
        answer.phase_end.final_stock = target.stock;
        answer.phase_end.ledger = target.ledger;
      }
      if (run_) run_->on_target_answer(std::move(answer));
    }
    return true;
  }

  AgentRegistry registry_;
  RunJournal journal_;
  std::vector<std::unique_ptr<FakeAgent>> agents_;
  std::deque<std::pair<std::string, v1::Envelope>> to_agents_;
  std::vector<v1::Envelope> client_;
  std::vector<TargetCall> calls_;
  std::unique_ptr<RunSession> run_;
  SteadyTime steady_ = SteadyTime{} + 1h;
  uint64_t wall_ns_ = 1'700'000'000'000'000'000ull;
  bool finished_ = false;
};

inline uint64_t FakeAgent::remaining() const {
  if (!job_) return 0;
  return job_->max_attempts() > counts_.attempts() ? job_->max_attempts() - counts_.attempts() : 0;
}

inline void FakeAgent::send(v1::Envelope env) {
  if (!silent) h_.from_agent(*this, std::move(env));
}

inline void FakeAgent::receive(v1::Envelope env) {
  if (env.has_job()) {
    v1::Envelope reply;
    const auto& spec = env.job().job();
    if (refuse_with) {
      reply.mutable_job_rejected()->set_job_id(spec.job_id());
      reply.mutable_job_rejected()->set_reason(*refuse_with);
    } else if (job_ && started_ && !result_) {
      reply.mutable_job_rejected()->set_job_id(spec.job_id());
      reply.mutable_job_rejected()->set_reason("busy with job " + job_->job_id());
    } else {
      job_ = spec;
      started_ = stopped_ = acked_ = false;
      counts_.Clear();
      progress_seq_ = next_seq_ = 0;
      batches_.clear();
      result_.reset();
      reply.mutable_job_accepted()->set_job_id(spec.job_id());
    }
    send(std::move(reply));
  } else if (env.has_start() && job_ && env.start().job_id() == job_->job_id()) {
    if (silent_at_start) {
      silent = true;
      return;
    }
    started_ = true;
  } else if (env.has_stop() && job_ && env.stop().job_id() == job_->job_id()) {
    stopped_ = true;
  } else if (env.has_result_ack() && job_ && env.result_ack().job_id() == job_->job_id()) {
    acked_ = true;
  }
}

inline void FakeAgent::attempt(uint64_t n) {
  REQUIRE(job_);
  REQUIRE(started_);
  v1::Envelope batch;
  auto* b = batch.mutable_orders();
  b->set_job_id(job_->job_id());
  b->set_batch_seq(batches_.size() + 1);
  for (uint64_t i = 0; i < n && remaining() > 0; ++i) {
    const uint64_t seq = next_seq_++;
    counts_.set_attempts(counts_.attempts() + 1);
    if (auto order = h_.target.buy(job_->key_prefix() + "." + std::to_string(seq))) {
      counts_.set_ok(counts_.ok() + 1);
      append_acknowledged(*b, seq, *order);
    } else {
      counts_.set_fail(counts_.fail() + 1);
      counts_.set_sold_out(counts_.sold_out() + 1);
    }
  }
  v1::Envelope progress;
  auto* p = progress.mutable_progress();
  p->set_job_id(job_->job_id());
  p->set_seq(++progress_seq_);
  *p->mutable_counts() = counts_;
  send(progress);
  batches_.push_back(batch);
  send(batch);
}

inline void FakeAgent::attempt_unreported(uint64_t n) {
  REQUIRE(job_);
  for (uint64_t i = 0; i < n && remaining() > 0; ++i) {
    const uint64_t seq = next_seq_++;
    counts_.set_attempts(counts_.attempts() + 1);
    h_.target.buy(job_->key_prefix() + "." + std::to_string(seq));
  }
}

inline void FakeAgent::finish() {
  REQUIRE(job_);
  v1::Envelope env;
  auto* r = env.mutable_result();
  r->set_job_id(job_->job_id());
  *r->mutable_counts() = counts_;
  r->set_batches(batches_.size());
  r->set_first_send_unix_ns(h_.wall_ns());
  r->set_last_done_unix_ns(h_.wall_ns() + 1'000'000'000);
  r->mutable_latency();
  result_ = env;
  send(env);
}

inline void FakeAgent::resend() {
  for (const auto& b : batches_) send(b);
  if (result_) send(*result_);
}

inline void FakeAgent::rejoin() {
  ++incarnation_;
  silent = false;
  h_.join(*this);
  resend();
}

// A one-phase run of the safe endpoint.
inline v1::RunRequest request_for(const std::string& endpoint, int64_t stock, uint64_t requests,
                                  uint32_t users = 30, uint32_t agents = 3) {
  v1::RunRequest r;
  r.set_run_id("t1");
  r.add_endpoints(endpoint);
  auto* p = r.add_phases();
  p->set_endpoint(endpoint);
  p->set_users(users);
  p->set_attempts(requests);
  p->set_stock(stock);
  r.set_expect_agents(agents);
  r.set_admin_url("http://127.0.0.1:1");
  r.set_stock_url("http://127.0.0.1:1/s");
  r.set_ledger_url("http://127.0.0.1:1/l");
  r.mutable_request()->set_request_timeout_ms(1000);
  r.mutable_request()->set_order_id_field("order_id");
  return r;
}

// design.md's sum: every attempt ends in one class.
inline bool counts_add_up(const EndpointReport& e) {
  return e.attempts == e.acknowledged + e.sold_out + e.errors + e.indeterminate;
}

}  // namespace stampede::coordinator::testing
