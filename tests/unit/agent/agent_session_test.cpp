// The agent's session without a socket or an engine: its protocol and its job's life, driven by
// frames and a fake clock, with a fake JobRunner that makes attempts when told.
#include <catch2/catch.hpp>

#include "agent/control/agent_session.hpp"
#include "agent/engine/sale_evidence.hpp"
#include "common/framing.hpp"

using namespace stampede;
using namespace stampede::agent;
using namespace std::chrono_literals;

namespace {

struct FakeWall final : WallClock {
  uint64_t ns = 1'700'000'000'000'000'000ull;
  uint64_t now_unix_ns() const override { return ns; }
};

// The engine, played by the test: counts attempts it is told to make, finishes when told.
struct FakeJob final : JobRunner {
  std::optional<std::chrono::system_clock::time_point> started_at;
  bool stopped = false, done = false;
  SwarmProgress counts;
  OrderDrain pending;
  void start(std::chrono::system_clock::time_point at,
             std::chrono::system_clock::time_point) override {
    started_at = at;
  }
  void stop() override { stopped = true; }
  bool finished() const override { return done; }
  SwarmProgress progress() const override { return counts; }
  void drain_orders(OrderDrain& into) override {
    for (size_t i = 0; i < pending.acknowledged.size(); ++i) {
      const auto [seq, id] = pending.acknowledged[i];
      into.acknowledged.push(seq, id);
    }
    pending.acknowledged.clear();
  }
  void drain_seconds(std::vector<SecondBin>&) override {}
  SwarmResult take_result() override {
    SwarmResult r;
    r.counts = counts;
    return r;
  }
  void buy(uint64_t seq) {
    ++counts.attempts;
    ++counts.ok;
    pending.acknowledged.push(seq, "o-" + std::to_string(seq));
  }
};

struct Fixture {
  FakeWall wall;
  AgentSession::Steady::time_point now = AgentSession::Steady::time_point(1000h);
  std::vector<FakeJob*> jobs;  // owned by the session
  std::vector<std::string> said;
  std::optional<std::string> refuse;  // the limits' answer
  AgentSession session;

  Fixture() : session(options(), wall, [this](const std::string& line) { said.push_back(line); }) {}

  AgentSessionOptions options() {
    AgentSessionOptions o;
    o.name = "a1";
    o.host = "h1";
    o.version = "test";
    o.heartbeat_interval = 1000ms;
    o.coordinator_timeout = 5000ms;
    o.limits.max_duration_ms = 0;
    o.make_job = [this](const v1::JobSpec&, unsigned) -> Expected<std::unique_ptr<JobRunner>> {
      auto job = std::make_unique<FakeJob>();
      jobs.push_back(job.get());
      return std::unique_ptr<JobRunner>(std::move(job));
    };
    o.check = [this](const v1::JobSpec&, const JobLimits&) { return refuse; };
    return o;
  }

  // What the session sent since the last call, parsed.
  std::vector<v1::Envelope> sent() {
    std::vector<v1::Envelope> out;
    for (const auto& bytes : session.take_outbox()) {
      v1::Envelope env;
      REQUIRE_FALSE(parse_envelope(bytes.data(), bytes.size(), env));
      out.push_back(std::move(env));
    }
    return out;
  }
  static size_t count(const std::vector<v1::Envelope>& frames, v1::Envelope::BodyCase body) {
    return std::count_if(frames.begin(), frames.end(),
                         [&](const v1::Envelope& e) { return e.body_case() == body; });
  }
  void frame(v1::Envelope env) { session.on_frame(env, now); }
  void advance(std::chrono::milliseconds d) {
    now += d;
    wall.ns += static_cast<uint64_t>(std::chrono::nanoseconds(d).count());
    session.tick(now);
  }
  void registered() {
    session.tick(now);
    REQUIRE(count(sent(), v1::Envelope::kRegister) == 1);
    v1::Envelope env;
    env.mutable_registered()->set_agent_id("a1");
    frame(env);
  }
  void assign(const std::string& job_id, uint64_t attempts = 100) {
    v1::Envelope env;
    auto* job = env.mutable_job()->mutable_job();
    job->set_job_id(job_id);
    job->set_users(2);
    job->set_max_attempts(attempts);
    job->set_key_prefix("run." + job_id);
    frame(env);
  }
  void start(const std::string& job_id, uint64_t at_unix_ns) {
    v1::Envelope env;
    env.mutable_start()->set_job_id(job_id);
    env.mutable_start()->set_start_at_unix_ns(at_unix_ns);
    frame(env);
  }
  void ack(const std::string& job_id) {
    v1::Envelope env;
    env.mutable_result_ack()->set_job_id(job_id);
    frame(env);
  }
};

}  // namespace

TEST_CASE("a job goes idle, assigned, running, reporting, acknowledged", "[agent][session]") {
  Fixture f;
  f.registered();
  CHECK(f.session.job_state() == JobState::idle);
  f.assign("j1");
  CHECK(f.session.job_state() == JobState::assigned);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kJobAccepted) == 1);
  const uint64_t start_at = f.wall.ns + 300'000'000;
  f.start("j1", start_at);
  CHECK(f.session.job_state() == JobState::running);
  // The engine starts within its lead of the instant, not before: the probes meanwhile keep
  // measuring the offset the instant is converted with.
  CHECK_FALSE(f.jobs.at(0)->started_at);
  for (int i = 0; i < 10; ++i) f.advance(10ms);
  CHECK_FALSE(f.jobs.at(0)->started_at);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kHeartbeat) == 10);
  f.advance(60ms);
  REQUIRE(f.jobs.at(0)->started_at);
  CHECK(*f.jobs[0]->started_at == from_unix_ns(start_at));
  f.jobs[0]->buy(0);
  f.jobs[0]->buy(1);
  f.advance(600ms);  // past the progress interval
  auto frames = f.sent();
  CHECK(Fixture::count(frames, v1::Envelope::kProgress) == 1);
  CHECK(Fixture::count(frames, v1::Envelope::kOrders) == 1);
  f.jobs[0]->done = true;
  f.advance(10ms);
  frames = f.sent();
  REQUIRE(Fixture::count(frames, v1::Envelope::kResult) == 1);
  CHECK(f.session.job_state() == JobState::reporting);
  const auto& result = std::find_if(frames.begin(), frames.end(), [](const v1::Envelope& e) {
                         return e.has_result();
                       })->result();
  CHECK(result.counts().ok() == 2);
  CHECK(result.batches() == 1);
  f.advance(2100ms);  // no ack yet: the result goes again
  CHECK(Fixture::count(f.sent(), v1::Envelope::kResult) == 1);
  f.ack("j1");
  CHECK(f.session.job_state() == JobState::acknowledged);
  f.advance(3000ms);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kResult) == 0);
}

TEST_CASE("a second job while one runs is refused, and one over the limits with the reason",
          "[agent][session]") {
  Fixture f;
  f.registered();
  f.assign("j1");
  f.start("j1", f.wall.ns);
  f.sent();
  f.assign("j2");
  auto frames = f.sent();
  REQUIRE(Fixture::count(frames, v1::Envelope::kJobRejected) == 1);
  CHECK(frames[0].job_rejected().reason() == "busy with job j1");
  f.jobs[0]->done = true;
  f.advance(10ms);
  f.refuse = "users over this agent's --max-connections 5";
  f.assign("j3");
  frames = f.sent();
  REQUIRE(Fixture::count(frames, v1::Envelope::kJobRejected) == 1);
  CHECK(frames.back().job_rejected().reason() ==
        "agent a1: users over this agent's --max-connections 5");
}

TEST_CASE("after a coordinator restart the agent registers again and replays its job",
          "[agent][session]") {
  Fixture f;
  f.registered();
  f.assign("j1");
  f.start("j1", f.wall.ns);
  for (uint64_t seq = 0; seq < 3; ++seq) {
    f.jobs[0]->buy(seq);
    f.advance(600ms);  // a batch each
  }
  f.jobs[0]->done = true;
  f.advance(10ms);
  f.sent();
  // The coordinator died: silence past the timeout, then a register, then a new Registered.
  f.advance(6000ms);
  CHECK_FALSE(f.session.registered());
  auto frames = f.sent();
  CHECK(Fixture::count(frames, v1::Envelope::kRegister) == 1);
  v1::Envelope registered;
  registered.mutable_registered()->set_agent_id("a1");
  f.frame(registered);
  frames = f.sent();
  CHECK(Fixture::count(frames, v1::Envelope::kOrders) == 3);  // every batch it kept
  CHECK(Fixture::count(frames, v1::Envelope::kResult) == 1);
}

TEST_CASE(
    "a coordinator that refuses for good ends the session; one that does not, a second "
    "later",
    "[agent][session]") {
  Fixture f;
  f.session.tick(f.now);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kRegister) == 1);
  v1::Envelope refused;
  refused.mutable_refused()->set_reason("the coordinator already has 4096 live agents");
  f.frame(refused);
  f.advance(100ms);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kRegister) == 0);  // not before a second
  f.advance(1000ms);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kRegister) == 1);
  refused.mutable_refused()->set_fatal(true);
  refused.mutable_refused()->set_reason("agent version 1 does not match coordinator 2");
  f.frame(refused);
  REQUIRE(f.session.refused_for_good());
  CHECK(*f.session.refused_for_good() == "agent version 1 does not match coordinator 2");
}

TEST_CASE(
    "a job assigned but never started gives way to the next one; StopJob stops the "
    "engine; heartbeats keep time",
    "[agent][session]") {
  Fixture f;
  f.registered();
  f.assign("j1");
  f.assign("j2");  // j1's coordinator gave up on it
  CHECK(f.jobs.size() == 2);
  CHECK(f.said.back().find("dropping job j1, never started") != std::string::npos);
  f.start("j1", f.wall.ns);  // too late: not the job in hand
  CHECK(f.session.job_state() == JobState::assigned);
  f.start("j2", f.wall.ns);
  REQUIRE(f.jobs[1]->started_at);  // an instant already due starts the engine at once
  v1::Envelope stop;
  stop.mutable_stop()->set_job_id("j2");
  f.frame(stop);
  CHECK(f.jobs[1]->stopped);
  f.sent();
  f.advance(1000ms);
  f.advance(1000ms);
  CHECK(Fixture::count(f.sent(), v1::Envelope::kHeartbeat) == 2);  // a second apart once started
}

TEST_CASE("the start instant is converted with the best of the probes' clock offsets",
          "[agent][session]") {
  Fixture f;
  f.registered();
  f.assign("j1");
  // The coordinator's clock runs 5 ms ahead of this agent's.
  constexpr uint64_t kAhead = 5'000'000;
  const uint64_t start_at = f.wall.ns + kAhead + 300'000'000;  // in the coordinator's clock
  f.start("j1", start_at);
  // A probe answered after `rtt` ns, the coordinator having stamped its reply `out` ns after
  // the probe left: a slow, lopsided round trip alone would put the offset 14 ms off.
  auto reply = [&](uint64_t rtt, uint64_t out) {
    const uint64_t sent = f.wall.ns;
    v1::Envelope hb;
    hb.mutable_heartbeat()->set_echo_unix_ns(sent);
    hb.mutable_heartbeat()->set_sent_unix_ns(sent + kAhead + out);
    f.wall.ns = sent + rtt;
    f.frame(hb);
  };
  reply(40'000'000, 1'000'000);
  reply(100'000, 50'000);
  reply(60'000, 30'000);
  f.advance(200ms);
  REQUIRE(f.jobs.at(0)->started_at);
  CHECK(*f.jobs[0]->started_at == from_unix_ns(start_at - kAhead));
}

TEST_CASE("ten minutes of sold-out answers keep a few thousand pairs, every answer counted",
          "[agent][evidence]") {
  // What a job holds for replay until its run ends: one pair a millisecond grew an agent by
  // 2 MiB in the soak's ten minutes of open loop (BENCHMARKS.md).
  SaleEvidence e;
  for (int64_t ms = 0; ms < 600'000; ++ms) {
    e.add_sold_out(ms);
    e.add_sold_out(ms);
  }
  CHECK(e.sold_out_ms.size() < 4096 + 8 * 2048);
  uint64_t answers = 0;
  for (const auto& [end, n] : e.sold_out_ms) answers += n;
  CHECK(answers == 1'200'000);
  CHECK(e.sold_out_ms.front() == std::pair<int64_t, uint64_t>{0, 2});
  CHECK(e.sold_out_ms.back().first == 600'063);  // 256 ms buckets by then
}
