// Pins the load models and retries against the loopback test server: open-loop pacing and
// its connection pool, retries with the same key, think time and the closed-loop ramp.
// Real time is used only where a schedule on the wire is the behaviour under test, and then
// with tolerances; the schedule's exact arithmetic is pinned under a fake clock elsewhere.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/engine/retry_policy.hpp"
#include "agent/engine/swarm.hpp"
#include "common/clock.hpp"
#include "tests/unit/agent/checkout_test_server.hpp"
#include "tests/unit/agent/swarm_test_support.hpp"

using namespace std::chrono_literals;
using namespace stampede::agent::testing;
using stampede::agent::RetryPolicy;

namespace {

// Arrival times of the requests the server saw, by key, in arrival order.
std::map<std::string, std::vector<uint64_t>> arrivals_by_key(const CheckoutTestServer& server) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& seen : server.seen()) out[seen.idempotency_key].push_back(seen.arrived_unix_ns);
  return out;
}

// A script that answers each key's first request with `first`, and later ones with 201.
Script first_try_then_created(ScriptedReply first) {
  auto tried = std::make_shared<std::set<std::string>>();  // the server's thread only
  return [tried, first](const SeenRequest& request) {
    if (tried->insert(request.idempotency_key).second) return first;
    return ScriptedReply::created("o-" + request.idempotency_key);
  };
}

}  // namespace

// --- open loop ---------------------------------------------------------------------------

TEST_CASE("open loop sends about rate x duration attempts, none before its intended time",
          "[agent][open_loop]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 4, 0);
  job.set_rate_per_s(200);  // one every 5 ms
  job.set_duration_ms(500);
  auto swarm = make_swarm(job);
  const uint64_t at_ns = stampede::unix_now_ns() + ms_to_ns(50ms);
  swarm->start(stampede::from_unix_ns(at_ns));
  REQUIRE(wait_until([&] { return swarm->finished(); }, 5000ms));
  const auto r = swarm->take_result();

  // Attempts meant for [start, start + 500 ms) are made: 100 at 200/s, none meant later.
  CHECK(r.counts.attempts <= 100);
  CHECK(r.counts.attempts >= 90);
  CHECK(r.counts.attempts == server.requests());
  CHECK(r.counts.ok == r.counts.attempts);
  CHECK(r.latency.total() == r.counts.attempts);
  CHECK(r.latency_uncorrected.total() == r.counts.attempts);
  for (const auto& seen : server.seen()) {
    INFO("key " << seen.idempotency_key);
    // Intended at start + seq * 5 ms; 2 ms covers the wall/steady clock conversion.
    CHECK(seen.arrived_unix_ns + ms_to_ns(2ms) >= at_ns + seq_of(seen) * ms_to_ns(5ms));
    CHECK(seq_of(seen) < 100);
  }
}

TEST_CASE("open loop bounded by max_attempts makes exactly that many attempts",
          "[agent][open_loop]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 3, 60);
  job.set_rate_per_s(2000);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 60);
  CHECK(r.counts.ok == 60);
  CHECK(server.requests() == 60);
  std::set<uint64_t> seqs;
  for (const auto& seen : server.seen()) seqs.insert(seq_of(seen));
  CHECK(seqs == seqs_up_to(60));
  CHECK(r.latency.total() == 60);
  CHECK(r.latency_uncorrected.total() == 60);
  CHECK(server.connections() == 3);  // the pool's connections, kept alive
}

TEST_CASE("in open loop an attempt waits for a free connection and the wait counts as latency",
          "[agent][open_loop]") {
  // One connection, a 30 ms server, attempts meant every 5 ms: the backlog grows, so the
  // last attempt leaves ~200 ms after its intended time.
  CheckoutTestServer server([](const SeenRequest&) { return ScriptedReply::delayed(30ms); });
  auto job = job_for(server.url(), 1, 8);
  job.set_rate_per_s(200);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  REQUIRE(r.counts.attempts == 8);
  CHECK(r.counts.ok == 8);
  // Corrected: from the intended time, backlog included. Uncorrected: the server's 30 ms.
  CHECK(r.latency.max_us() >= 150'000);
  CHECK(r.latency_uncorrected.max_us() >= 30'000);
  // Structural rather than timed (a loaded machine stretches the server's 30 ms): the backlog
  // wait shows in the corrected figure only.
  CHECK(r.latency_uncorrected.max_us() < r.latency.max_us());
  CHECK(r.latency.percentile_us(50) > r.latency_uncorrected.percentile_us(50));
}

TEST_CASE("stop() ends open-loop users waiting for their turn without sending",
          "[agent][open_loop]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 2, 0);
  job.set_rate_per_s(0.1);  // the second attempt is meant for 10 s after the start
  job.set_duration_ms(60'000);
  auto swarm = make_swarm(job);
  swarm->start(std::chrono::system_clock::now());
  REQUIRE(wait_until([&] { return swarm->progress().attempts == 1; }));
  const auto before = std::chrono::steady_clock::now();
  swarm->stop();
  REQUIRE(wait_until([&] { return swarm->finished(); }, 5000ms));
  CHECK(std::chrono::steady_clock::now() - before < 5000ms);  // well before the 10 s turn
  const auto r = swarm->take_result();
  CHECK(r.counts.attempts == 1);
  CHECK(server.requests() == 1);
}

// --- retries -------------------------------------------------------------------------------

TEST_CASE("pauses between retries double from the backoff and stop at ten times it",
          "[agent][retry]") {
  const RetryPolicy policy{.max_retries = 10, .backoff = 50ms};
  CHECK(policy.pause_before(1) == 50ms);
  CHECK(policy.pause_before(2) == 100ms);
  CHECK(policy.pause_before(3) == 200ms);
  CHECK(policy.pause_before(4) == 400ms);
  CHECK(policy.pause_before(5) == 500ms);
  CHECK(policy.pause_before(1'000'000) == 500ms);
  CHECK(RetryPolicy{.max_retries = 3}.pause_before(2) == 0ms);
}

TEST_CASE("a 503 then 201 under the same key is one ok attempt with one retry", "[agent][retry]") {
  CheckoutTestServer server(
      first_try_then_created(ScriptedReply::with_status(503, R"({"error":"injected_fault"})")));
  auto job = job_for(server.url(), 2, 5);
  job.set_max_retries(3);
  job.set_retry_backoff_ms(1);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 5);
  CHECK(r.counts.ok == 5);
  CHECK(r.counts.info == 0);
  CHECK(r.counts.retries == 5);
  CHECK(r.latency.total() == 5);
  CHECK(r.status_codes == std::map<unsigned, uint64_t>{{201, 5}, {503, 5}});
  CHECK(r.remaining.indeterminate_seqs.empty());
  const auto by_key = arrivals_by_key(server);
  CHECK(by_key.size() == 5);
  for (const auto& [key, times] : by_key) {
    INFO("key " << key);
    CHECK(times.size() == 2);  // the same key on both tries: the seq did not advance
  }
  REQUIRE(r.remaining.acknowledged.size() == 5);
  for (const auto& [seq, order_id] : r.remaining.acknowledged) {
    CHECK(order_id == "o-" + std::string(kKeyPrefix) + "." + std::to_string(seq));
  }
}

TEST_CASE("an attempt whose every try is indeterminate ends info, each retry counted, backing off",
          "[agent][retry]") {
  CheckoutTestServer server(
      [](const SeenRequest&) { return ScriptedReply::with_status(503, "{}"); });
  auto job = job_for(server.url(), 1, 1);
  job.set_max_retries(2);
  job.set_retry_backoff_ms(20);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 1);
  CHECK(r.counts.info == 1);
  CHECK(r.counts.retries == 2);
  CHECK(r.remaining.indeterminate_seqs == std::vector<uint64_t>{0});
  CHECK(r.status_codes == std::map<unsigned, uint64_t>{{503, 3}});
  const auto by_key = arrivals_by_key(server);
  REQUIRE(by_key.size() == 1);
  const auto& times = by_key.begin()->second;
  REQUIRE(times.size() == 3);
  // Exponential backoff: 20 ms before the first retry, 40 ms before the second.
  CHECK(times[1] - times[0] >= ms_to_ns(19ms));
  CHECK(times[2] - times[1] >= ms_to_ns(39ms));
  CHECK(r.latency.max_us() >= 60'000);  // the attempt's latency spans its tries
}

TEST_CASE("a retry after a reset reconnects and sends the same key", "[agent][retry]") {
  CheckoutTestServer server(first_try_then_created(ScriptedReply::reset_connection()));
  auto job = job_for(server.url(), 1, 3);
  job.set_max_retries(1);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.ok == 3);
  CHECK(r.counts.retries == 3);
  CHECK(server.requests() == 6);
  CHECK(server.connections() == 4);  // each reset costs the connection
  for (const auto& [key, times] : arrivals_by_key(server)) CHECK(times.size() == 2);
}

TEST_CASE("a definite no after an indeterminate try leaves the attempt info", "[agent][retry]") {
  // The first try may still commit, so a later 409 cannot prove nothing was bought.
  CheckoutTestServer server([](const SeenRequest& request) {
    if (request.index == 0) return ScriptedReply::with_status(503, "{}");
    return ScriptedReply::with_status(409, R"({"error":"sold_out"})");
  });
  auto job = job_for(server.url(), 1, 1);
  job.set_max_retries(1);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.info == 1);
  CHECK(r.counts.fail == 0);
  CHECK(r.counts.sold_out == 0);
  CHECK(r.counts.retries == 1);
  CHECK(r.remaining.indeterminate_seqs == std::vector<uint64_t>{0});
}

TEST_CASE("without retries an indeterminate attempt is sent once", "[agent][retry]") {
  CheckoutTestServer server(
      [](const SeenRequest&) { return ScriptedReply::with_status(503, "{}"); });
  auto swarm = make_swarm(job_for(server.url(), 1, 2));
  const auto r = run_to_end(*swarm);
  CHECK(r.counts.info == 2);
  CHECK(r.counts.retries == 0);
  CHECK(server.requests() == 2);
}

// --- closed loop: think time and ramp --------------------------------------------------------

TEST_CASE("think time spaces one user's attempts", "[agent][closed_loop]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 1, 4);
  job.set_think_time_ms(40);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  REQUIRE(r.counts.ok == 4);
  const auto seen = server.seen();
  REQUIRE(seen.size() == 4);
  for (size_t i = 1; i < seen.size(); ++i) {
    const uint64_t gap = seen[i].arrived_unix_ns - seen[i - 1].arrived_unix_ns;
    INFO("gap " << i << ": " << gap << " ns");
    CHECK(gap >= ms_to_ns(39ms));   // the think time, less clock granularity
    CHECK(gap < ms_to_ns(2000ms));  // and not some other, much longer pause
  }
}

TEST_CASE("a closed-loop ramp starts users evenly spread over it", "[agent][closed_loop]") {
  // Slow answers keep each user on its first attempt, so arrival k is user k's first.
  CheckoutTestServer server([](const SeenRequest&) { return ScriptedReply::delayed(300ms); });
  auto job = job_for(server.url(), 4, 4);
  job.set_ramp_ms(240);  // users start at +0, +60, +120, +180 ms
  auto swarm = make_swarm(job);
  const uint64_t at_ns = stampede::unix_now_ns() + ms_to_ns(50ms);
  swarm->start(stampede::from_unix_ns(at_ns));
  REQUIRE(wait_until([&] { return swarm->finished(); }));
  const auto r = swarm->take_result();

  CHECK(r.counts.ok == 4);
  const auto seen = server.seen();
  REQUIRE(seen.size() == 4);
  for (const auto& request : seen) {
    const uint64_t user = std::stoull(request.user_header.substr(2)) - 100;  // "u-102" -> 2
    const uint64_t due_ns = at_ns + user * ms_to_ns(60ms);
    INFO(request.user_header << " arrived " << (request.arrived_unix_ns - at_ns)
                             << " ns after start");
    // The spread is the lower bound: no user starts before its slot. The upper bound is only a
    // sanity limit, since a loaded shared machine can delay any thread by hundreds of ms.
    CHECK(request.arrived_unix_ns >= due_ns);
    CHECK(request.arrived_unix_ns < due_ns + ms_to_ns(2000ms));
  }
}
