// AgentSession: the agent's protocol and its job's life, as a pure function of frames and time.
#include "agent/control/agent_session.hpp"

#include <algorithm>

#include "common/framing.hpp"
#include "common/order_batch.hpp"

namespace stampede::agent {
using namespace std::chrono_literals;

namespace {
// Orders per OrderBatch frame: keeps frames well under the cap.
constexpr size_t kBatchMax = 10'000;
constexpr auto kProgressEvery = 500ms;
constexpr auto kResultResendEvery = 2s;
// Between a job's assignment and its start, and for a while after registering, heartbeats go
// this often: the start instant is only as good as the clock offset it is converted with, and
// the best of many round trips is a far better offset than the one or two a second gives.
constexpr auto kProbeEvery = 10ms;
constexpr auto kProbeAfterRegistering = 200ms;
// The engine starts this long before the start instant: time to make its threads and connect
// its users, while the offset has had the probes since the assignment to settle.
constexpr auto kEngineLead = 150ms;

void fill_counts(v1::OutcomeCounts* c, const SwarmProgress& p) {
  c->set_attempts(p.attempts);
  c->set_ok(p.ok);
  c->set_fail(p.fail);
  c->set_info(p.info);
  c->set_sold_out(p.sold_out);
  c->set_errors(p.errors);
  c->set_abandoned(p.abandoned);
}
void fill_bin(v1::TimelineBin* b, const SecondCounts& c) {
  b->set_second(c.second);
  b->set_attempts(c.attempts);
  b->set_ok(c.ok);
  b->set_fail(c.fail);
  b->set_info(c.info);
}
}  // namespace

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::idle:
      return "idle";
    case JobState::assigned:
      return "assigned";
    case JobState::running:
      return "running";
    case JobState::reporting:
      return "reporting";
    case JobState::acknowledged:
      return "acknowledged";
  }
  return "?";
}

// One job from assignment to acknowledged result.
struct AgentSession::Job {
  v1::JobSpec spec;
  std::unique_ptr<JobRunner> runner;
  uint64_t progress_seq = 0;
  uint64_t batches = 0;
  // Every OrderBatch sent, serialized, kept until the ResultAck: a coordinator that died and
  // came back has lost what it had merged, and gets all of them again when this agent registers
  // anew. About 40 bytes an order with its evidence, so a million orders cost some 40 MB until
  // the ack.
  std::vector<std::string> sent_batches;
  OrderDrain drain;                   // reused, so the engine's order buffers keep their capacity
  std::optional<std::string> result;  // sent, awaiting ResultAck
  Steady::time_point next_progress{};
  Steady::time_point next_resend{};
  std::optional<Steady::time_point> stop_by;  // --max-duration, in this agent's clock
  // StartJob's instant (coordinator clock) until the engine is started with it, and the phase's
  // (second 0 of its timeline).
  std::optional<uint64_t> pending_start;
  uint64_t phase_start = 0;
  // How far off the offset the start was converted with may be: half that sample's round trip.
  uint64_t clock_error_us = 0;
  std::vector<SecondBin> seconds;  // reused between drains
};

AgentSession::AgentSession(AgentSessionOptions options, const WallClock& wall, Say say)
    : options_(std::move(options)), wall_(wall), say_(std::move(say)) {}

AgentSession::~AgentSession() = default;

std::vector<std::string> AgentSession::take_outbox() {
  std::vector<std::string> out;
  out.swap(outbox_);
  return out;
}

std::chrono::milliseconds AgentSession::idle_tick() const {
  // Probes want their 10 ms; a running job wants progress and order batches often; an idle
  // agent only heartbeats, and a fleet of idle agents waking 20 times a second each costs the
  // host more than it should.
  if (state_ == JobState::assigned || (state_ == JobState::running && job_->pending_start)) {
    return kProbeEvery;
  }
  if (state_ == JobState::running) return 50ms;
  return std::min<std::chrono::milliseconds>(250ms, options_.heartbeat_interval / 2);
}

void AgentSession::send(v1::Envelope& envelope) {
  outbox_.push_back(serialize_envelope(envelope));
}

uint64_t AgentSession::to_coordinator_clock(uint64_t local_ns) const {
  return local_ns
             ? static_cast<uint64_t>(static_cast<int64_t>(local_ns) + clock_offset_.offset_ns())
             : uint64_t{0};
}

void AgentSession::send_register() {
  v1::Envelope env;
  auto* r = env.mutable_register_();
  r->set_name(options_.name);
  r->set_host(options_.host);
  r->set_cores(options_.cores);
  r->set_threads(options_.threads);
  r->set_version(options_.version);
  send(env);
}

void AgentSession::on_frame(const v1::Envelope& env, Steady::time_point now) {
  last_heard_ = now;
  switch (env.body_case()) {
    case v1::Envelope::kRegistered:
      if (!registered_) {
        say_("registered with " + options_.coordinator + " as " + env.registered().agent_id());
        clock_offset_.reset();
        registered_ = true;
        probe_until_ = now + kProbeAfterRegistering;
        replay_job();
      }
      break;
    case v1::Envelope::kRefused:
      if (env.refused().fatal()) {
        say_("refused by the coordinator: " + env.refused().reason());
        fatal_ = env.refused().reason();
        break;
      }
      registered_ = false;
      // At once after a coordinator restart (the last Register is long past), but never
      // faster than one a second, whatever the coordinator answers.
      next_register_ = std::max(now, next_register_);
      break;
    case v1::Envelope::kJob:
      on_job(env.job().job());
      break;
    case v1::Envelope::kStart:
      on_start(env.start(), now);
      break;
    case v1::Envelope::kStop:
      if (job_ && job_->spec.job_id() == env.stop().job_id()) job_->runner->stop();
      break;
    case v1::Envelope::kResultAck:
      if (state_ == JobState::reporting && job_->spec.job_id() == env.result_ack().job_id()) {
        job_.reset();  // the coordinator has it all: what was kept for a replay goes
        state_ = JobState::acknowledged;
      }
      break;
    case v1::Envelope::kHeartbeat:
      // The coordinator's clock against ours, so its start instant means the same moment here.
      clock_offset_.add_sample(env.heartbeat().echo_unix_ns(), env.heartbeat().sent_unix_ns(),
                               wall_.now_unix_ns());
      break;
    default:
      // A type this agent does not take (or none: a newer peer's message) is not worth
      // stopping for; it is counted and said once in a while.
      if (++dropped_ % 1000 == 1) {
        say_("dropped a frame of a type agents do not take (" +
             std::to_string(static_cast<int>(env.body_case())) + ")");
      }
      break;
  }
}

void AgentSession::on_job(const v1::JobSpec& spec) {
  v1::Envelope reply;
  if (state_ == JobState::running) {
    // One job at a time. A result awaiting its ack does not hold the agent: the coordinator
    // hands it more only once it has that result.
    reply.mutable_job_rejected()->set_job_id(spec.job_id());
    reply.mutable_job_rejected()->set_reason("busy with job " + job_->spec.job_id());
    return send(reply);
  }
  if (auto why = options_.check(spec, options_.limits)) {
    say_("refused job " + spec.job_id() + ": " + *why);
    reply.mutable_job_rejected()->set_job_id(spec.job_id());
    reply.mutable_job_rejected()->set_reason("agent " + options_.name + ": " + *why);
    return send(reply);
  }
  auto runner = options_.make_job(spec, spec.threads() ? spec.threads() : options_.threads);
  if (!runner) {
    reply.mutable_job_rejected()->set_job_id(spec.job_id());
    reply.mutable_job_rejected()->set_reason(runner.error());
    return send(reply);
  }
  if (state_ == JobState::assigned) {
    // Assigned by a coordinator that never started it (it died, or gave up): nothing of it ran,
    // so it is dropped for the new one.
    say_("dropping job " + job_->spec.job_id() + ", never started, for job " + spec.job_id());
  }
  job_ = std::make_unique<Job>();
  job_->spec = spec;
  job_->runner = std::move(*runner);
  state_ = JobState::assigned;
  reply.mutable_job_accepted()->set_job_id(spec.job_id());
  send(reply);
}

void AgentSession::on_start(const v1::StartJob& start, Steady::time_point now) {
  if (state_ != JobState::assigned || job_->spec.job_id() != start.job_id()) return;
  state_ = JobState::running;
  job_->pending_start = start.start_at_unix_ns();
  job_->phase_start =
      start.phase_start_unix_ns() ? start.phase_start_unix_ns() : start.start_at_unix_ns();
  job_->next_progress = now + kProgressEvery;
  start_engine_when_due(now);
}

void AgentSession::start_engine_when_due(Steady::time_point now) {
  // Converted as late as the lead allows, with the offset the probes have made best so far.
  const uint64_t start_at =
      static_cast<uint64_t>(static_cast<int64_t>(*job_->pending_start) - clock_offset_.offset_ns());
  const int64_t until_start = static_cast<int64_t>(start_at - wall_.now_unix_ns());
  if (until_start > std::chrono::nanoseconds(kEngineLead).count()) return;
  job_->pending_start.reset();
  const uint64_t phase_start =
      static_cast<uint64_t>(static_cast<int64_t>(job_->phase_start) - clock_offset_.offset_ns());
  job_->runner->start(from_unix_ns(start_at), from_unix_ns(phase_start));
  job_->clock_error_us = clock_offset_.best_rtt_ns().value_or(0) / 2000;
  if (options_.limits.max_duration_ms > 0) {
    // The start instant is in the coordinator's clock; the cap counts from it.
    job_->stop_by = now + std::chrono::nanoseconds(std::max<int64_t>(0, until_start)) +
                    std::chrono::milliseconds(options_.limits.max_duration_ms);
  }
}

bool AgentSession::probing(Steady::time_point now) const {
  return now < probe_until_ || state_ == JobState::assigned ||
         (state_ == JobState::running && job_->pending_start);
}

void AgentSession::replay_job() {
  // After a (re-)registration the coordinator may be a new process that knows nothing of the
  // job in hand, so it gets every batch and the result again; it counts each batch_seq once.
  if (!job_ || (state_ != JobState::running && state_ != JobState::reporting)) return;
  say_("re-sending job " + job_->spec.job_id() +
       " to the coordinator: " + std::to_string(job_->sent_batches.size()) + " order batch(es)" +
       (job_->result ? " and the result" : ""));
  for (const auto& bytes : job_->sent_batches) outbox_.push_back(bytes);
  if (job_->result) outbox_.push_back(*job_->result);
}

void AgentSession::flush_orders(OrderDrain& drain) {
  const SaleEvidence& evidence = drain.evidence;
  const bool with_evidence = evidence.sales() == drain.acknowledged.size();
  size_t a = 0, i = 0, s = 0;
  while (a < drain.acknowledged.size() || i < drain.indeterminate_seqs.size() ||
         s < evidence.sold_out_ms.size()) {
    v1::Envelope env;
    auto* b = env.mutable_orders();
    b->set_job_id(job_->spec.job_id());
    b->set_batch_seq(++job_->batches);
    const size_t acked = std::min(kBatchMax, drain.acknowledged.size() - a);
    b->mutable_acked_seqs()->Reserve(static_cast<int>(acked));
    b->mutable_acked_id_lengths()->Reserve(static_cast<int>(acked));
    for (size_t end = a + acked; a < end; ++a) {
      const auto [seq, order_id] = drain.acknowledged[a];
      append_acknowledged(*b, seq, order_id);
      if (with_evidence) {
        b->add_sale_sent_us(evidence.sent_us[a]);
        b->add_sale_done_us(evidence.done_us[a]);
        b->add_sale_remaining(evidence.remaining[a]);
      }
    }
    for (size_t n = 0; n < kBatchMax && i < drain.indeterminate_seqs.size(); ++n, ++i) {
      b->add_indeterminate_seqs(drain.indeterminate_seqs[i]);
    }
    for (size_t n = 0; n < kBatchMax && s < evidence.sold_out_ms.size(); ++n, ++s) {
      b->add_sold_out_ms(evidence.sold_out_ms[s].first);
      b->add_sold_out_counts(evidence.sold_out_ms[s].second);
    }
    job_->sent_batches.push_back(serialize_envelope(env));
    outbox_.push_back(job_->sent_batches.back());
  }
}

void AgentSession::send_progress() {
  v1::Envelope env;
  auto* p = env.mutable_progress();
  p->set_job_id(job_->spec.job_id());
  p->set_seq(++job_->progress_seq);
  fill_counts(p->mutable_counts(), job_->runner->progress());
  job_->seconds.clear();
  job_->runner->drain_seconds(job_->seconds);
  for (const auto& bin : job_->seconds) {
    auto* b = p->add_seconds();
    fill_bin(b, bin.counts);
    bin.latency.to_proto(b->mutable_latency());
  }
  send(env);
  job_->drain.clear();
  job_->runner->drain_orders(job_->drain);
  flush_orders(job_->drain);
}

void AgentSession::send_result(Steady::time_point now) {
  auto result = job_->runner->take_result();
  flush_orders(result.remaining);
  v1::Envelope env;
  auto* r = env.mutable_result();
  r->set_job_id(job_->spec.job_id());
  fill_counts(r->mutable_counts(), result.counts);
  result.latency.to_proto(r->mutable_latency());
  // Open loop only: a closed-loop result leaves the field unset, as the proto says.
  if (result.latency_uncorrected.total() != 0) {
    result.latency_uncorrected.to_proto(r->mutable_latency_uncorrected());
  }
  r->set_retries(result.counts.retries);
  for (const auto& [code, count] : result.status_codes) {
    auto* sc = r->add_status_codes();
    sc->set_code(code);
    sc->set_count(count);
  }
  r->set_batches(job_->batches);
  for (const auto& c : result.seconds) fill_bin(r->add_seconds(), c);
  // In the coordinator's clock, so the spread of first sends across hosts is comparable.
  r->set_first_send_unix_ns(to_coordinator_clock(result.first_send_unix_ns));
  r->set_last_done_unix_ns(to_coordinator_clock(result.last_done_unix_ns));
  r->set_clock_error_us(job_->clock_error_us);
  auto* c = r->mutable_connections();
  c->set_opened(result.connections.opened);
  c->set_tls_handshakes(result.connections.tls_handshakes);
  c->set_tls_resumed(result.connections.tls_resumed);
  result.connections.connect_us.to_proto(c->mutable_connect());
  result.connections.tls_us.to_proto(c->mutable_tls());
  const auto& flow = job_->spec.request().flow();
  for (size_t i = 0; i < result.steps.size(); ++i) {
    const StepTally& t = result.steps[i];
    auto* step = r->add_steps();
    if (i < static_cast<size_t>(flow.size())) step->set_name(flow[static_cast<int>(i)].name());
    step->set_attempts(t.attempts);
    step->set_failed(t.failed);
    for (const auto& [code, count] : t.status_codes) {
      auto* sc = step->add_status_codes();
      sc->set_code(code);
      sc->set_count(count);
    }
    t.latency.to_proto(step->mutable_latency());
  }
  job_->result = serialize_envelope(env);
  outbox_.push_back(*job_->result);
  job_->next_resend = now + kResultResendEvery;
  state_ = JobState::reporting;
}

void AgentSession::tick_job(Steady::time_point now) {
  if (state_ == JobState::running && job_->pending_start) {
    start_engine_when_due(now);
    if (job_->pending_start) return;
  }
  if (state_ == JobState::running) {
    if (job_->stop_by && now >= *job_->stop_by) {
      say_("job " + job_->spec.job_id() + " reached --max-duration; stopping it");
      job_->runner->stop();
      job_->stop_by.reset();
    }
    if (job_->runner->finished()) {
      send_result(now);
    } else if (now >= job_->next_progress) {
      send_progress();
      job_->next_progress = now + kProgressEvery;
    }
  } else if (state_ == JobState::reporting && now >= job_->next_resend) {
    // The ack may have been lost with a connection; the coordinator counts a result once.
    outbox_.push_back(*job_->result);
    job_->next_resend = now + kResultResendEvery;
  }
}

void AgentSession::tick(Steady::time_point now) {
  if (registered_ && now - last_heard_ > options_.coordinator_timeout) {
    say_("lost the coordinator (silent for " +
         std::to_string(options_.coordinator_timeout.count()) + " ms); registering again");
    registered_ = false;
    next_register_ = now;
  }
  if (!registered_ && now >= next_register_) {
    send_register();
    next_register_ = now + 1s;
  }
  if (registered_ &&
      (now >= next_heartbeat_ || (probing(now) && now >= last_probe_ + kProbeEvery))) {
    v1::Envelope hb;
    hb.mutable_heartbeat()->set_sent_unix_ns(wall_.now_unix_ns());
    send(hb);
    next_heartbeat_ = now + options_.heartbeat_interval;
    last_probe_ = now;
  }
  tick_job(now);
}

}  // namespace stampede::agent
