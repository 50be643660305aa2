// Agent control loop: one thread, one DEALER socket, a 50 ms poll tick.
#include "agent/control/agent_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "agent/engine/swarm.hpp"
#include "common/clock.hpp"
#include "common/clock_offset.hpp"
#include "common/framing.hpp"
#include "common/handshake_watch.hpp"
#include "common/order_batch.hpp"
#include "common/version.hpp"

namespace stampede::agent {
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {
constexpr size_t kBatchMax =
    10'000;  // orders per OrderBatch frame: keeps frames well under the cap
constexpr auto kProgressEvery = 500ms;
constexpr auto kResultResendEvery = 2s;

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// One job from assignment to acknowledged result.
struct ActiveJob {
  v1::JobSpec spec;
  std::unique_ptr<Swarm> swarm;
  bool started = false;
  uint64_t progress_seq = 0;
  uint64_t batches = 0;
  // Every OrderBatch sent, serialized, kept until the ResultAck: a coordinator that died and
  // came back has lost what it had merged, and gets all of them again when this agent registers
  // anew. About 30 bytes an order, so a million orders cost some 30 MB until the ack.
  std::vector<std::string> sent_batches;
  OrderDrain drain;                    // reused, so the swarm's order buffers keep their capacity
  std::optional<v1::Envelope> result;  // sent, awaiting ResultAck
  Steady::time_point next_progress{};
  Steady::time_point next_resend{};
  std::optional<Steady::time_point> stop_by;  // --max-duration, in this agent's clock
};

// Frames dropped by reason; count() says whether this one is worth a log line (the first, then
// every 1000th), so a flood of garbage cannot flood the log.
class DroppedFrames {
 public:
  bool count(const std::string& reason) {
    const uint64_t n = ++by_reason_[reason];
    return n % 1000 == 1;
  }

 private:
  std::map<std::string, uint64_t> by_reason_;
};
}  // namespace

AgentLoop::AgentLoop(zmq::context_t& ctx, AgentOptions options)
    : options_(std::move(options)), ctx_(ctx) {
  if (options_.name.empty()) options_.name = host_name() + "-" + std::to_string(getpid());
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
}

AgentLoop::~AgentLoop() = default;

bool AgentLoop::run(const std::atomic<bool>& stop) {
  zmq::socket_t socket(ctx_, zmq::socket_type::dealer);
  apply_control_socket_options(socket);
  // Do not queue frames for a coordinator that is not there: a stale Register or result
  // arriving much later would confuse a restarted coordinator.
  socket.set(zmq::sockopt::immediate, 1);
  if (options_.curve) make_curve_client(socket, *options_.curve, options_.coordinator_public_key);
  // A refused key looks like silence on the socket: the monitor says what really happened.
  HandshakeWatch handshakes(ctx_, socket);
  socket.connect(options_.coordinator);

  auto say = [&](const std::string& line) {
    if (options_.log) std::cerr << "stampede-agent " << options_.name << ": " << line << std::endl;
  };
  // A frame that cannot be queued is counted and said once in a while: order batches that never
  // left show up at the coordinator as missing batches, never as silently smaller results.
  uint64_t unsent = 0;
  auto send_bytes_counted = [&](const std::string& bytes) {
    if (send_bytes(socket, bytes)) return true;
    if (++unsent % 1000 == 1) {
      say("could not queue a frame for the coordinator (" + std::to_string(unsent) + " so far)");
    }
    return false;
  };
  auto send = [&](v1::Envelope& env) { return send_bytes_counted(serialize_envelope(env)); };
  DroppedFrames dropped;

  bool registered = false;
  Steady::time_point last_heard = Steady::now();
  Steady::time_point next_register{};
  Steady::time_point next_heartbeat{};
  // Reset with each registration: a new coordinator, a new clock.
  ClockOffsetEstimator clock_offset;
  auto to_coordinator_clock = [&](uint64_t local_ns) {
    return local_ns
               ? static_cast<uint64_t>(static_cast<int64_t>(local_ns) + clock_offset.offset_ns())
               : uint64_t{0};
  };
  Steady::time_point next_complaint = Steady::now() + 3s;
  Steady::time_point next_refusal_said{};
  const auto idle_tick =
      std::min<std::chrono::milliseconds>(250ms, options_.heartbeat_interval / 2);
  std::optional<ActiveJob> job;

  auto send_register = [&] {
    v1::Envelope env;
    auto* r = env.mutable_register_();
    r->set_name(options_.name);
    r->set_host(host_name());
    r->set_cores(std::max(1u, std::thread::hardware_concurrency()));
    r->set_threads(options_.threads);
    r->set_version(kVersion);
    send(env);
  };
  auto flush_orders = [&](OrderDrain& drain) {
    size_t a = 0, i = 0;
    while (a < drain.acknowledged.size() || i < drain.indeterminate_seqs.size()) {
      v1::Envelope env;
      auto* b = env.mutable_orders();
      b->set_job_id(job->spec.job_id());
      b->set_batch_seq(++job->batches);
      const size_t acked = std::min(kBatchMax, drain.acknowledged.size() - a);
      b->mutable_acked_seqs()->Reserve(static_cast<int>(acked));
      b->mutable_acked_id_lengths()->Reserve(static_cast<int>(acked));
      for (size_t end = a + acked; a < end; ++a) {
        const auto [seq, order_id] = drain.acknowledged[a];
        append_acknowledged(*b, seq, order_id);
      }
      for (size_t n = 0; n < kBatchMax && i < drain.indeterminate_seqs.size(); ++n, ++i) {
        b->add_indeterminate_seqs(drain.indeterminate_seqs[i]);
      }
      job->sent_batches.push_back(serialize_envelope(env));
      send_bytes_counted(job->sent_batches.back());
    }
  };
  // After a (re-)registration: the coordinator may be a new process that knows nothing of the
  // job in hand, so it gets every batch and the result again; it counts each batch_seq once.
  auto replay_job = [&] {
    if (!job || !job->started) return;
    say("re-sending job " + job->spec.job_id() +
        " to the coordinator: " + std::to_string(job->sent_batches.size()) + " order batch(es)" +
        (job->result ? " and the result" : ""));
    for (const auto& bytes : job->sent_batches) send_bytes_counted(bytes);
    if (job->result) send(*job->result);
  };
  auto fill_counts = [](v1::OutcomeCounts* c, const SwarmProgress& p) {
    c->set_attempts(p.attempts);
    c->set_ok(p.ok);
    c->set_fail(p.fail);
    c->set_info(p.info);
    c->set_sold_out(p.sold_out);
    c->set_errors(p.errors);
  };

  while (!stop.load()) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    // Frames wake the loop at once; the tick only paces timers. A running job wants progress
    // and order batches often; an idle agent only heartbeats, and a fleet of idle agents
    // waking 20 times a second each costs the host more than it should.
    poll_interruptible(&item, 1, job ? 50ms : idle_tick);
    const auto now = Steady::now();

    for (int n = 0; n < 1000; ++n) {
      auto in = receive_envelope(socket, false);
      if (in.status == RecvStatus::none) break;
      if (in.status == RecvStatus::malformed) {
        if (dropped.count("malformed")) say("dropped a malformed frame: " + in.problem);
        continue;
      }
      last_heard = now;
      const auto& env = in.envelope;
      switch (env.body_case()) {
        case v1::Envelope::kRegistered:
          if (!registered) {
            say("registered with " + options_.coordinator + " as " + env.registered().agent_id());
            clock_offset.reset();
            registered = true;
            replay_job();
          }
          break;
        case v1::Envelope::kRefused:
          if (env.refused().fatal()) {
            say("refused by the coordinator: " + env.refused().reason());
            return false;
          }
          registered = false;
          // At once after a coordinator restart (the last Register is long past), but never
          // faster than one a second, whatever the coordinator answers.
          next_register = std::max(now, next_register);
          break;
        case v1::Envelope::kJob: {
          v1::Envelope reply;
          const auto& spec = env.job().job();
          if (job && job->started && !job->result) {
            reply.mutable_job_rejected()->set_job_id(spec.job_id());
            reply.mutable_job_rejected()->set_reason("busy with job " + job->spec.job_id());
            send(reply);
            break;
          }
          if (auto why = check_job(spec, options_.limits)) {
            say("refused job " + spec.job_id() + ": " + *why);
            reply.mutable_job_rejected()->set_job_id(spec.job_id());
            reply.mutable_job_rejected()->set_reason("agent " + options_.name + ": " + *why);
            send(reply);
            break;
          }
          auto swarm = Swarm::create(spec, spec.threads() ? spec.threads() : options_.threads);
          if (!swarm) {
            reply.mutable_job_rejected()->set_job_id(spec.job_id());
            reply.mutable_job_rejected()->set_reason(swarm.error());
            send(reply);
            break;
          }
          if (job && !job->started) {
            // Assigned by a coordinator that never started it (it died, or gave up): nothing
            // of it ran, so it is dropped for the new one.
            say("dropping job " + job->spec.job_id() + ", never started, for job " + spec.job_id());
          }
          job.emplace();
          job->spec = spec;
          job->swarm = std::move(*swarm);
          reply.mutable_job_accepted()->set_job_id(spec.job_id());
          send(reply);
          break;
        }
        case v1::Envelope::kStart:
          if (job && job->spec.job_id() == env.start().job_id() && !job->started) {
            const uint64_t start_at = static_cast<uint64_t>(
                static_cast<int64_t>(env.start().start_at_unix_ns()) - clock_offset.offset_ns());
            job->swarm->start(from_unix_ns(start_at));
            job->started = true;
            job->next_progress = now + kProgressEvery;
            if (options_.limits.max_duration_ms > 0) {
              // The start instant is in the coordinator's clock; the cap counts from it.
              auto until_start = from_unix_ns(start_at) - std::chrono::system_clock::now();
              if (until_start.count() < 0) until_start = {};
              job->stop_by = now + std::chrono::duration_cast<Steady::duration>(until_start) +
                             std::chrono::milliseconds(options_.limits.max_duration_ms);
            }
          }
          break;
        case v1::Envelope::kStop:
          if (job && job->spec.job_id() == env.stop().job_id()) job->swarm->stop();
          break;
        case v1::Envelope::kResultAck:
          if (job && job->result && job->spec.job_id() == env.result_ack().job_id()) job.reset();
          break;
        case v1::Envelope::kHeartbeat:
          // The coordinator's clock against ours, so its start instant means the same moment here.
          clock_offset.add_sample(env.heartbeat().echo_unix_ns(), env.heartbeat().sent_unix_ns(),
                                  unix_now_ns());
          break;
        default:
          // A type this agent does not take (or none: a newer peer's message) is not an error
          // worth stopping for; it is counted and said once in a while.
          if (dropped.count("unknown type")) {
            say("dropped a frame of a type agents do not take (" +
                std::to_string(static_cast<int>(env.body_case())) + ")");
          }
          break;
      }
    }

    if (auto refused = handshakes.poll(); refused && now >= next_refusal_said) {
      say(*refused + "; still trying");
      next_refusal_said = now + 10s;
      next_complaint = now + 5s;
    }
    if (!registered && now >= next_register) {
      send_register();
      next_register = now + 1s;
      if (now >= next_complaint) {
        say(handshakes.last_failure()
                ? *handshakes.last_failure() + "; still trying"
                : "coordinator " + options_.coordinator + " is not answering; still trying");
        next_complaint = now + 5s;
      }
    }
    if (registered && now - last_heard > options_.coordinator_timeout) {
      say("lost the coordinator (silent for " +
          std::to_string(options_.coordinator_timeout.count()) + " ms); registering again");
      registered = false;
      next_register = now;
      next_complaint = now + 3s;
    }
    if (registered && now >= next_heartbeat) {
      v1::Envelope hb;
      hb.mutable_heartbeat()->set_sent_unix_ns(unix_now_ns());
      send(hb);
      next_heartbeat = now + options_.heartbeat_interval;
    }

    if (job && job->started && !job->result && job->stop_by && now >= *job->stop_by) {
      say("job " + job->spec.job_id() + " reached --max-duration; stopping it");
      job->swarm->stop();
      job->stop_by.reset();
    }
    if (job && job->started && !job->result) {
      if (job->swarm->finished()) {
        auto result = job->swarm->take_result();
        flush_orders(result.remaining);
        v1::Envelope env;
        auto* r = env.mutable_result();
        r->set_job_id(job->spec.job_id());
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
        r->set_batches(job->batches);
        // In the coordinator's clock, so the spread of first sends across hosts is comparable.
        r->set_first_send_unix_ns(to_coordinator_clock(result.first_send_unix_ns));
        r->set_last_done_unix_ns(to_coordinator_clock(result.last_done_unix_ns));
        job->result = env;
        send(env);
        job->next_resend = now + kResultResendEvery;
      } else if (now >= job->next_progress) {
        v1::Envelope env;
        auto* p = env.mutable_progress();
        p->set_job_id(job->spec.job_id());
        p->set_seq(++job->progress_seq);
        fill_counts(p->mutable_counts(), job->swarm->progress());
        if (const auto window = job->swarm->drain_latency_window(); window.total() != 0) {
          window.to_proto(p->mutable_latency_window());
        }
        send(env);
        job->drain.acknowledged.clear();
        job->drain.indeterminate_seqs.clear();
        job->swarm->drain_orders(job->drain);
        flush_orders(job->drain);
        job->next_progress = now + kProgressEvery;
      }
    } else if (job && job->result && now >= job->next_resend) {
      // The ack may have been lost with a connection; the coordinator counts a result once.
      send(*job->result);
      job->next_resend = now + kResultResendEvery;
    }
  }
  return true;
}

}  // namespace stampede::agent
