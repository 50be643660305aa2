// Pins the load engine's behaviour against a scriptable loopback server: bounds, keep-alive,
// keys, classification of every ending, order hand-over, start instant, stop and destruction.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <set>
#include <string>
#include <thread>

#include "agent/engine/swarm.hpp"
#include "common/clock.hpp"
#include "tests/unit/agent/checkout_test_server.hpp"
#include "tests/unit/agent/swarm_test_support.hpp"

using namespace std::chrono_literals;
using stampede::agent::Swarm;
using stampede::agent::SwarmResult;
using namespace stampede::agent::testing;

TEST_CASE("a swarm makes exactly max_attempts attempts and counts each once", "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 4, 40));
  const auto r = run_to_end(*swarm);

  CHECK(server.requests() == 40);
  CHECK(r.counts.attempts == 40);
  CHECK(r.counts.ok == 40);
  CHECK(r.counts.fail == 0);
  CHECK(r.counts.info == 0);
  CHECK(r.latency.total() == 40);
  CHECK(r.latency_uncorrected.total() == 0);  // closed loop: nothing to correct
  CHECK(r.counts.retries == 0);
  CHECK(r.status_codes == std::map<unsigned, uint64_t>{{201, 40}});
  CHECK(r.remaining.acknowledged.size() == 40);
  CHECK(r.first_send_unix_ns > 0);
  CHECK(r.last_done_unix_ns >= r.first_send_unix_ns);
  const auto live = swarm->progress();
  CHECK(live.attempts == 40);
  CHECK(live.ok == 40);
  // Latency over time: the seconds' bins hold the same figures as the whole-run histogram,
  // handed out once, and the result's series counts the same attempts.
  std::vector<stampede::agent::SecondBin> bins;
  swarm->drain_seconds(bins);
  stampede::LatencyHistogram binned;
  uint64_t binned_attempts = 0;
  for (const auto& b : bins) {
    binned.merge(b.latency);
    binned_attempts += b.counts.attempts;
  }
  CHECK(binned == r.latency);
  CHECK(binned_attempts == 40);
  std::vector<stampede::agent::SecondBin> again;
  swarm->drain_seconds(again);
  CHECK(again.empty());
  uint64_t series = 0;
  for (const auto& c : r.seconds) series += c.ok;
  CHECK(series == 40);
}

TEST_CASE("each virtual user keeps one keep-alive connection for all its attempts",
          "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 3, 30));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 30);
  CHECK(server.connections() == 3);
}

TEST_CASE("idempotency keys are <key_prefix>.<seq>, unique, and user ids start at the offset",
          "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 3, 25), 2);
  const auto r = run_to_end(*swarm);

  std::set<std::string> keys;
  std::set<std::string> users;
  for (const auto& seen : server.seen()) {
    keys.insert(seen.idempotency_key);
    users.insert(seen.user_header);
    CHECK(seen.target == "/api/v1/checkout/safe?u=" + seen.user_header);
    CHECK(seen.body ==
          R"({"product_id": 1, "user_id": ")" + seen.user_header + R"(", "quantity": 1})");
    CHECK(seen.content_type == "application/json");
  }
  std::set<std::string> expected_keys;
  for (uint64_t seq = 0; seq < 25; ++seq) {
    expected_keys.insert(std::string(kKeyPrefix) + "." + std::to_string(seq));
  }
  CHECK(keys == expected_keys);
  const std::set<std::string> agent_users{"u-100", "u-101", "u-102"};
  CHECK(std::includes(agent_users.begin(), agent_users.end(), users.begin(), users.end()));
  // The acknowledged seq names the key the order was bought with.
  for (const auto& [seq, order_id] : r.remaining.acknowledged) {
    CHECK(order_id == "o-" + std::string(kKeyPrefix) + "." + std::to_string(seq));
  }
}

TEST_CASE("every user sends under its own id, numbered from the job's user offset",
          "[agent][swarm]") {
  // Slow answers keep each user busy, so the three first attempts go to three users.
  CheckoutTestServer server([](const SeenRequest&) { return ScriptedReply::delayed(50ms); });
  auto swarm = make_swarm(job_for(server.url(), 3, 3), 2);
  swarm->start(std::chrono::system_clock::now() + 100ms);
  REQUIRE(wait_until([&] { return swarm->finished(); }));

  std::set<std::string> users;
  for (const auto& seen : server.seen()) users.insert(seen.user_header);
  CHECK(users == std::set<std::string>{"u-100", "u-101", "u-102"});
}

TEST_CASE("201 is ok, 409 sold out, 422 an error and 503 indeterminate", "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    switch (seq_of(request) % 4) {
      case 0:
        return ScriptedReply::created("o-" + request.idempotency_key);
      case 1:
        return ScriptedReply::with_status(409, R"({"error":"sold_out"})");
      case 2:
        return ScriptedReply::with_status(422, R"({"error":"invalid"})");
      default:
        return ScriptedReply::with_status(503, R"({"error":"injected_fault"})");
    }
  });
  auto swarm = make_swarm(job_for(server.url(), 2, 40));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 40);
  CHECK(r.counts.ok == 10);
  CHECK(r.counts.fail == 20);
  CHECK(r.counts.sold_out == 10);
  CHECK(r.counts.errors == 10);
  CHECK(r.counts.info == 10);
  CHECK(r.status_codes == std::map<unsigned, uint64_t>{{201, 10}, {409, 10}, {422, 10}, {503, 10}});
  const std::set<uint64_t> indeterminate(r.remaining.indeterminate_seqs.begin(),
                                         r.remaining.indeterminate_seqs.end());
  std::set<uint64_t> expected;
  for (uint64_t seq = 3; seq < 40; seq += 4) expected.insert(seq);
  CHECK(indeterminate == expected);
}

TEST_CASE("the job's sold-out statuses and order id field replace the defaults", "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    const uint64_t seq = seq_of(request);
    if (seq % 2 == 0) {
      return ScriptedReply::with_status(201, R"({"id":)" + std::to_string(7000 + seq) + "}");
    }
    return ScriptedReply::with_status(410, R"({"error":"gone"})");
  });
  auto job = job_for(server.url(), 1, 6);
  job.mutable_request()->add_sold_out_statuses(410);
  job.mutable_request()->set_order_id_field("id");
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.ok == 3);
  CHECK(r.counts.sold_out == 3);
  CHECK(r.counts.errors == 0);
  for (const auto& [seq, order_id] : r.remaining.acknowledged) {
    CHECK(order_id == std::to_string(7000 + seq));
  }
}

TEST_CASE("a response slower than the request timeout is info and the connection is replaced",
          "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    if (request.index == 0) return ScriptedReply::delayed(5000ms);
    return ScriptedReply::created("o-" + request.idempotency_key);
  });
  auto job = job_for(server.url(), 1, 2);
  job.mutable_request()->set_request_timeout_ms(100);
  auto swarm = make_swarm(job);
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.info == 1);
  CHECK(r.counts.ok == 1);
  CHECK(r.remaining.indeterminate_seqs == std::vector<uint64_t>{0});
  CHECK(r.latency.max_us() >= 100'000);
  CHECK(r.latency.max_us() < 5'000'000);
  CHECK(server.connections() == 2);
}

namespace {
// A listener on a loopback port that accepts and never answers: what arrives on the one
// connection is read only once the test asks, after the agent has given up on it.
struct SilentListener {
  int fd = -1;
  SilentListener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, 4) == 0);
  }
  ~SilentListener() { close(fd); }
  std::string url() const {
    sockaddr_in a{};
    socklen_t n = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    return "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  // Reads the accepted connection to its end: 0 for an orderly close, else the errno.
  int read_to_end() const {
    const int c = accept(fd, nullptr, nullptr);
    REQUIRE(c >= 0);
    timeval wait{5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    char buf[4096];
    ssize_t got;
    while ((got = recv(c, buf, sizeof buf, 0)) > 0) {
    }
    const int why = got == 0 ? 0 : errno;
    close(c);
    return why;
  }
};
}  // namespace

TEST_CASE("an attempt past its request timeout is reset, so it cannot buy after it was counted",
          "[agent][swarm]") {
  // A close would leave the request's unsent bytes to the kernel, which delivers them whenever
  // the path heals: a sale in a later run's ledger that no buyer of that run sent.
  SilentListener server;
  auto job = job_for(server.url(), 1, 1);
  job.mutable_request()->set_request_timeout_ms(100);
  auto swarm = make_swarm(job, 1);
  const auto r = run_to_end(*swarm);
  CHECK(r.counts.info == 1);
  CHECK(server.read_to_end() == ECONNRESET);
}

TEST_CASE("a connection reset after the request was sent is info", "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest&) { return ScriptedReply::reset_connection(); });
  auto swarm = make_swarm(job_for(server.url(), 1, 3));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 3);
  CHECK(r.counts.info == 3);
  CHECK(r.counts.fail == 0);
  CHECK(r.status_codes.empty());
  const std::set<uint64_t> indeterminate(r.remaining.indeterminate_seqs.begin(),
                                         r.remaining.indeterminate_seqs.end());
  CHECK(indeterminate == seqs_up_to(3));
  CHECK(server.connections() == 3);  // a fresh connection after each reset
}

TEST_CASE("a connection closed without an answer after the request was sent is info",
          "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    if (request.index == 0) return ScriptedReply::close_connection();
    return ScriptedReply::created("o-" + request.idempotency_key);
  });
  auto swarm = make_swarm(job_for(server.url(), 1, 3));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.info == 1);
  CHECK(r.counts.ok == 2);
  CHECK(r.remaining.indeterminate_seqs == std::vector<uint64_t>{0});
}

TEST_CASE("a server asking to close after its answer gets a new connection next attempt",
          "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    auto reply = ScriptedReply::created("o-" + request.idempotency_key);
    reply.close_after = true;
    return reply;
  });
  auto swarm = make_swarm(job_for(server.url(), 1, 4));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.ok == 4);
  CHECK(r.counts.info == 0);
  CHECK(server.connections() == 4);
}

TEST_CASE("a body without a length is read to the end of the connection", "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    auto reply = ScriptedReply::created("o-" + request.idempotency_key);
    reply.until_close = true;
    return reply;
  });
  auto swarm = make_swarm(job_for(server.url(), 1, 3));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.ok == 3);
  CHECK(r.counts.info == 0);
  CHECK(r.remaining.acknowledged.size() == 3);
  CHECK(server.connections() == 3);
}

TEST_CASE("a refused connection is a fail counted as an error, with no status", "[agent][swarm]") {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(stampede::agent::testing::closed_loopback_port());
  auto swarm = make_swarm(job_for(url, 2, 6));
  const auto r = run_to_end(*swarm);

  CHECK(r.counts.attempts == 6);
  CHECK(r.counts.fail == 6);
  CHECK(r.counts.errors == 6);
  CHECK(r.counts.sold_out == 0);
  CHECK(r.counts.ok == 0);
  CHECK(r.counts.info == 0);
  CHECK(r.status_codes.empty());
  CHECK(r.remaining.indeterminate_seqs.empty());
  CHECK(r.latency.total() == 6);
}

TEST_CASE("drain_orders and the final result hand over every order exactly once",
          "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest& request) {
    if (seq_of(request) % 5 == 4) return ScriptedReply::with_status(503, "{}");
    return ScriptedReply::created("o-" + request.idempotency_key);
  });
  constexpr uint64_t kAttempts = 300;
  auto swarm = make_swarm(job_for(server.url(), 4, kAttempts));
  swarm->start(std::chrono::system_clock::now());

  std::vector<std::pair<uint64_t, std::string>> acknowledged;
  std::vector<uint64_t> indeterminate;
  auto take = [&](stampede::agent::OrderDrain&& d) {
    for (const auto& [seq, order_id] : d.acknowledged) {
      acknowledged.emplace_back(seq, std::string(order_id));
    }
    indeterminate.insert(indeterminate.end(), d.indeterminate_seqs.begin(),
                         d.indeterminate_seqs.end());
  };
  size_t drains_with_orders = 0;
  REQUIRE(wait_until([&] {
    auto d = swarm->drain_orders();
    if (!d.acknowledged.empty()) ++drains_with_orders;
    take(std::move(d));
    return swarm->finished();
  }));
  auto r = swarm->take_result();
  take(std::move(r.remaining));

  CHECK(drains_with_orders > 0);
  CHECK(acknowledged.size() == 240);
  CHECK(indeterminate.size() == 60);
  std::set<uint64_t> all;
  for (const auto& [seq, order_id] : acknowledged) {
    CHECK(seq % 5 != 4);
    CHECK(order_id == "o-" + std::string(kKeyPrefix) + "." + std::to_string(seq));
    all.insert(seq);
  }
  for (uint64_t seq : indeterminate) {
    CHECK(seq % 5 == 4);
    all.insert(seq);
  }
  CHECK(all == seqs_up_to(kAttempts));  // no seq twice (sizes add up) and none missing
  CHECK(swarm->drain_orders().acknowledged.empty());
}

TEST_CASE("the duration bound ends a swarm that has no attempt bound", "[agent][swarm]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 2, 0);
  job.set_duration_ms(200);
  auto swarm = make_swarm(job);
  const uint64_t at_ns = stampede::unix_now_ns();
  swarm->start(stampede::from_unix_ns(at_ns));
  REQUIRE(wait_until([&] { return swarm->finished(); }, 3000ms));
  const auto r = swarm->take_result();

  CHECK(r.counts.attempts > 0);
  CHECK(r.counts.attempts == server.requests());
  // Users keep going until the deadline: the last attempt ends at or after it...
  CHECK(r.last_done_unix_ns + ms_to_ns(10ms) >= at_ns + ms_to_ns(200ms));
  // ...and none is claimed after it.
  for (const auto& seen : server.seen()) {
    CHECK(seen.arrived_unix_ns < at_ns + ms_to_ns(700ms));
  }
}

TEST_CASE("stop() ends a running swarm early and counts every request it sent", "[agent][swarm]") {
  CheckoutTestServer server;
  auto job = job_for(server.url(), 2, 0);
  job.set_duration_ms(60'000);
  auto swarm = make_swarm(job);
  swarm->start(std::chrono::system_clock::now());
  REQUIRE(wait_until([&] { return swarm->progress().attempts >= 20; }));
  swarm->stop();
  REQUIRE(wait_until([&] { return swarm->finished(); }, 2000ms));
  const auto r = swarm->take_result();

  CHECK(r.counts.attempts >= 20);
  CHECK(r.counts.attempts == server.requests());
  CHECK(r.counts.ok == r.counts.attempts);
}

TEST_CASE("users connect at start() and stop() ends their wait for the start instant",
          "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 3, 10));
  swarm->start(std::chrono::system_clock::now() + 60s);
  REQUIRE(wait_until([&] { return server.connections() == 3; }));
  swarm->stop();
  REQUIRE(wait_until([&] { return swarm->finished(); }, 2000ms));
  const auto r = swarm->take_result();

  CHECK(r.counts.attempts == 0);
  CHECK(server.requests() == 0);
  CHECK(r.first_send_unix_ns == 0);
}

TEST_CASE("no request goes out before the start instant", "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 4, 8));
  const uint64_t at_ns = stampede::unix_now_ns() + ms_to_ns(300ms);
  swarm->start(stampede::from_unix_ns(at_ns));
  REQUIRE(wait_until([&] { return swarm->finished(); }));
  const auto r = swarm->take_result();

  CHECK(r.counts.ok == 8);
  CHECK(r.first_send_unix_ns >= at_ns);
  for (const auto& seen : server.seen()) CHECK(seen.arrived_unix_ns >= at_ns);
}

TEST_CASE("stop() before start() leaves a finished swarm that sent nothing", "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 2, 10));
  swarm->stop();
  CHECK(swarm->finished());
  swarm->start(std::chrono::system_clock::now());
  const auto r = swarm->take_result();
  CHECK(r.counts.attempts == 0);
  CHECK(server.connections() == 0);
}

TEST_CASE("destroying a running swarm does not wait for slow responses", "[agent][swarm]") {
  CheckoutTestServer server([](const SeenRequest&) { return ScriptedReply::delayed(30s); });
  auto swarm = make_swarm(job_for(server.url(), 2, 10));
  swarm->start(std::chrono::system_clock::now());
  REQUIRE(wait_until([&] { return server.requests() == 2; }));
  const auto before = std::chrono::steady_clock::now();
  swarm.reset();
  CHECK(std::chrono::steady_clock::now() - before < 2s);
}

TEST_CASE("create rejects a job it cannot run, saying why", "[agent][swarm]") {
  const auto good = job_for("http://127.0.0.1:1", 2, 10);
  auto error_of = [](const stampede::v1::JobSpec& job) {
    auto swarm = Swarm::create(job, 1);
    return swarm ? std::string() : swarm.error();
  };
  CHECK(error_of(good).empty());

  auto no_users = good;
  no_users.set_users(0);
  CHECK_THAT(error_of(no_users), Catch::Contains("no users"));

  auto unbounded = good;
  unbounded.set_max_attempts(0);
  unbounded.set_duration_ms(0);
  CHECK_THAT(error_of(unbounded), Catch::Contains("bound"));

  auto bad_url = good;
  bad_url.mutable_request()->set_target_url("ftp://127.0.0.1:1");
  CHECK_THAT(error_of(bad_url), Catch::Contains("bad target URL"));

  auto https = good;
  https.mutable_request()->set_target_url("https://127.0.0.1:1");
  CHECK(error_of(https).empty());
  https.mutable_request()->mutable_tls()->set_ca_pem("not a certificate");
  CHECK_THAT(error_of(https), Catch::Contains("--ca-file"));

  auto open_loop = good;
  open_loop.set_rate_per_s(100);
  CHECK(error_of(open_loop).empty());

  for (double rate : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    auto bad_rate = good;
    bad_rate.set_rate_per_s(rate);
    CHECK_THAT(error_of(bad_rate), Catch::Contains("rate_per_s"));
  }

  auto paced_thinking = open_loop;
  paced_thinking.set_think_time_ms(10);
  CHECK_THAT(error_of(paced_thinking), Catch::Contains("closed loop only"));

  auto bad_header = good;
  bad_header.mutable_request()->mutable_headers(0)->set_value("a\r\nb");
  CHECK_THAT(error_of(bad_header), Catch::Contains("line break"));
}

TEST_CASE("zero threads means one per core, never more threads than users", "[agent][swarm]") {
  CheckoutTestServer server;
  auto swarm = make_swarm(job_for(server.url(), 1, 3), 0);
  const auto r = run_to_end(*swarm);
  CHECK(r.counts.ok == 3);
  CHECK(server.connections() == 1);
}

TEST_CASE("a swarm thread sleeps through long idle gaps instead of polling", "[agent][swarm]") {
  // The swarm's threads poll a little before they sleep, but only while gaps are short. With a
  // think time of 20 ms every gap is long: a thread that polled through them would spend the
  // whole run on the CPU; one that sleeps spends a small part of it.
  CheckoutTestServer server;
  auto job = job_for(server.url(), 2, 40);
  job.set_think_time_ms(20);
  auto swarm = make_swarm(job);
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  const auto cpu_before = cpu_now();
  const auto wall_before = std::chrono::steady_clock::now();
  const auto r = run_to_end(*swarm);
  const auto cpu = cpu_now() - cpu_before;
  const auto wall = std::chrono::steady_clock::now() - wall_before;

  CHECK(r.counts.attempts == 40);
  REQUIRE(wall >= 300ms);  // 20 think times per user at least
  using Ms = std::chrono::duration<double, std::milli>;
  INFO("process CPU " << Ms(cpu).count() << " ms over " << Ms(wall).count() << " ms");
  CHECK(cpu < wall * 3 / 10);
}
