// Exact aggregation: totals are sums, merged latency equals the union's, gaps are reported.
#include <catch2/catch.hpp>

#include "common/order_batch.hpp"
#include "common/sold_out_buckets.hpp"
#include "coordinator/merge/endpoint_report.hpp"
#include "coordinator/merge/phase_merge.hpp"
#include "coordinator/oracle/oracle.hpp"

using namespace stampede;
using namespace stampede::coordinator;

namespace {
JobShare share(const std::string& job, const std::string& agent, const std::string& prefix) {
  JobShare s;
  s.job_id = job;
  s.agent_name = agent;
  s.agent_host = "h";
  s.key_prefix = prefix;
  return s;
}

v1::JobResult result_for(const std::string& job, uint64_t ok, uint64_t fail, uint64_t info,
                         const LatencyHistogram& h, uint64_t batches) {
  v1::JobResult r;
  r.set_job_id(job);
  r.mutable_counts()->set_attempts(ok + fail + info);
  r.mutable_counts()->set_ok(ok);
  r.mutable_counts()->set_fail(fail);
  r.mutable_counts()->set_info(info);
  h.to_proto(r.mutable_latency());
  r.set_batches(batches);
  auto* sc = r.add_status_codes();
  sc->set_code(201);
  sc->set_count(ok);
  return r;
}
}  // namespace

TEST_CASE("merged totals are the sum over agents and latency the union's", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  m.add_job(share("j1", "a1", "run.safe.a1"));
  LatencyHistogram h0, h1, all;
  for (uint64_t v = 1; v < 5000; v += 3) {
    h0.record_us(v);
    all.record_us(v);
  }
  for (uint64_t v = 100; v < 90000; v += 7) {
    h1.record_us(v);
    all.record_us(v);
  }
  v1::OrderBatch b;
  b.set_job_id("j0");
  b.set_batch_seq(1);
  stampede::append_acknowledged(b, 4, "o-4");
  b.add_indeterminate_seqs(9);
  REQUIRE(m.add_batch(b));
  REQUIRE(m.add_result(result_for("j0", 1, 10, 1, h0, 1)));
  CHECK_FALSE(m.complete());
  REQUIRE(m.add_result(result_for("j1", 0, 5, 0, h1, 0)));
  CHECK(m.complete());
  CHECK(m.totals().attempts() == 17);
  CHECK(m.totals().ok() == 1);
  CHECK(m.totals().fail() == 15);
  CHECK(m.latency() == all);
  CHECK(m.status_codes().at(201) == 1);
  CHECK(m.acknowledged().at("run.safe.a0.4") == "o-4");
  CHECK(m.indeterminate().count("run.safe.a0.9") == 1);
}

TEST_CASE("a result resent after a lost ack is counted once", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  LatencyHistogram h;
  h.record_us(10);
  m.add_result(result_for("j0", 1, 0, 0, h, 0));
  m.add_result(result_for("j0", 1, 0, 0, h, 0));
  CHECK(m.totals().attempts() == 1);
  CHECK(m.latency().total() == 1);
}

TEST_CASE("missing order batches keep the phase open and are reported", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  LatencyHistogram h;
  m.add_result(result_for("j0", 0, 0, 0, h, 2));
  CHECK_FALSE(m.complete());
  REQUIRE(m.problems().size() == 1);
  CHECK(m.problems()[0].find("order batch") != std::string::npos);
}

TEST_CASE("a progress sequence gap is reported, not hidden", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  v1::Progress p;
  p.set_job_id("j0");
  p.set_seq(1);
  m.add_progress(p);
  p.set_seq(4);
  p.mutable_counts()->set_attempts(40);
  m.add_progress(p);
  CHECK(m.live_totals().attempts() == 40);
  REQUIRE(m.jobs()[0].progress_gaps == 2);
}

TEST_CASE("a lost agent completes the phase and is named", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  m.add_job(share("j1", "a1", "q"));
  LatencyHistogram h;
  m.add_result(result_for("j0", 0, 1, 0, h, 0));
  m.mark_lost("j1");
  CHECK(m.complete());
  auto problems = m.problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("a1") != std::string::npos);
}

TEST_CASE("messages for unknown jobs are ignored", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  v1::OrderBatch b;
  b.set_job_id("other");
  CHECK_FALSE(m.add_batch(b));
  CHECK(m.acknowledged().empty());
}

TEST_CASE("open-loop results merge their uncorrected latency and retries too",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  m.add_job(share("j1", "a1", "q"));
  LatencyHistogram corrected, uncorrected;
  corrected.record_us(900'000);
  uncorrected.record_us(1'000);
  for (const char* job : {"j0", "j1"}) {
    auto r = result_for(job, 1, 0, 0, corrected, 0);
    uncorrected.to_proto(r.mutable_latency_uncorrected());
    r.set_retries(3);
    m.add_result(r);
  }
  CHECK(m.latency().total() == 2);
  CHECK(m.latency_uncorrected().total() == 2);
  CHECK(m.latency_uncorrected().max_us() == 1'000);
  CHECK(m.retries() == 6);
}

TEST_CASE("the start spread covers jobs that started together, not re-issued shares",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  m.add_job(share("j1", "a1", "q"));
  auto late = share("j1-r1", "a0", "qr1");
  late.reissued = true;
  m.add_job(late);
  LatencyHistogram h;
  auto r0 = result_for("j0", 0, 0, 0, h, 0);
  r0.set_first_send_unix_ns(1'000'000'000);
  auto r1 = result_for("j1", 0, 0, 0, h, 0);
  r1.set_first_send_unix_ns(1'003'500'000);
  auto r2 = result_for("j1-r1", 0, 0, 0, h, 0);
  r2.set_first_send_unix_ns(9'000'000'000);
  m.add_result(r0);
  m.add_result(r1);
  m.add_result(r2);
  CHECK(m.start_spread_ms() == Approx(3.5));
}

TEST_CASE("a lost agent that comes back is counted once and said to have come back",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p"));
  v1::Progress p;
  p.set_job_id("j0");
  p.set_seq(1);
  p.mutable_counts()->set_attempts(40);
  m.add_progress(p);
  m.mark_lost("j0");
  LatencyHistogram h;
  h.record_us(5);
  REQUIRE(m.add_result(result_for("j0", 10, 90, 0, h, 0)));
  CHECK(m.totals().attempts() == 100);  // the real attempts, from its result
  auto problems = m.problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("came back") != std::string::npos);
}

TEST_CASE("order batches replayed after a coordinator restart count once", "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  v1::OrderBatch b1, b2;
  b1.set_job_id("j0");
  b1.set_batch_seq(1);
  stampede::append_acknowledged(b1, 1, "");
  b2.set_job_id("j0");
  b2.set_batch_seq(2);
  b2.add_indeterminate_seqs(2);
  for (const auto* b : {&b1, &b2, &b1, &b2, &b1}) REQUIRE(m.add_batch(*b));
  REQUIRE(m.add_result(result_for("j0", 1, 0, 1, LatencyHistogram{}, 3)));
  CHECK(m.jobs()[0].batches_received == 2);
  CHECK_FALSE(m.complete());  // batch 3 never came: a replay of 1 and 2 does not stand in for it
  v1::OrderBatch b3 = b1;
  b3.set_batch_seq(3);
  REQUIRE(m.add_batch(b3));
  CHECK(m.complete());
}

TEST_CASE("the order map takes in batches that come after it was first read",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  m.add_job(share("j1", "a1", "run.safe.a1"));
  auto batch = [](const char* job, uint64_t batch_seq, uint64_t seq, const char* order) {
    v1::OrderBatch b;
    b.set_job_id(job);
    b.set_batch_seq(batch_seq);
    stampede::append_acknowledged(b, seq, order);
    return b;
  };
  REQUIRE(m.add_batch(batch("j0", 1, 7, "o-7")));
  CHECK(m.acknowledged_count() == 1);
  CHECK(m.acknowledged().size() == 1);
  REQUIRE(m.add_batch(batch("j1", 1, 7, "o-8")));
  REQUIRE(m.add_batch(batch("j0", 2, 9, "o-9")));
  REQUIRE(m.add_batch(batch("j0", 2, 9, "o-9")));  // a replay: held once
  CHECK(m.acknowledged_count() == 3);
  const auto& all = m.acknowledged();
  CHECK(all.size() == 3);
  CHECK(all.at("run.safe.a0.7") == "o-7");
  CHECK(all.at("run.safe.a1.7") == "o-8");
  CHECK(all.at("run.safe.a0.9") == "o-9");
  const auto taken = m.take_acknowledged();
  CHECK(taken.size() == 3);
  CHECK(m.acknowledged().empty());
}

TEST_CASE("a job taken over mid-phase starts its progress sequence where the agent is",
          "[coordinator][merge]") {
  PhaseMerge m;
  auto s = share("j0", "a0", "p");
  s.resync_progress = true;
  m.add_job(s);
  v1::Progress p;
  p.set_job_id("j0");
  p.set_seq(40);
  REQUIRE(m.add_progress(p));
  p.set_seq(42);
  REQUIRE(m.add_progress(p));
  CHECK(m.jobs()[0].progress_gaps == 1);  // 41 is a real gap; 1..39 went to the dead one
}

TEST_CASE("the seconds' latency from progress merges into the live window until taken",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p0"));
  m.add_job(share("j1", "a1", "p1"));
  LatencyHistogram w0, w1, both;
  for (uint64_t v = 100; v <= 1000; v += 100) {
    w0.record_us(v);
    w1.record_us(v * 10);
    both.record_us(v);
    both.record_us(v * 10);
  }
  v1::Progress p0, p1;
  p0.set_job_id("j0");
  p0.set_seq(1);
  w0.to_proto(p0.add_seconds()->mutable_latency());
  p1.set_job_id("j1");
  p1.set_seq(1);
  w1.to_proto(p1.add_seconds()->mutable_latency());
  REQUIRE(m.add_progress(p0));
  REQUIRE(m.add_progress(p1));
  CHECK(m.take_window() == both);
  CHECK(m.take_window().total() == 0);  // each window is handed out once
}

TEST_CASE("a malformed order batch is reported and none of its orders counted",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  v1::OrderBatch b;
  b.set_job_id("j0");
  b.set_batch_seq(1);
  stampede::append_acknowledged(b, 1, "o-1");
  b.set_acked_id_lengths(0, 99);  // past the end of the ids
  REQUIRE(m.add_batch(b));
  CHECK(m.acknowledged_count() == 0);
  CHECK(m.acknowledged().empty());
  const auto problems = m.problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("malformed") != std::string::npos);
}

TEST_CASE("the timeline bins attempts by the second they ended on the agents, not by arrival",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p0"));
  m.add_job(share("j1", "a1", "p1"));
  // Two agents at 1,000 attempts a second each for three seconds; their progress arrives in
  // bursts (one agent's second 1 and 2 together), as a busy network delivers it.
  auto progress = [&](const char* job, uint64_t seq, std::vector<uint32_t> seconds) {
    v1::Progress p;
    p.set_job_id(job);
    p.set_seq(seq);
    for (uint32_t second : seconds) {
      auto* bin = p.add_seconds();
      bin->set_second(second);
      bin->set_attempts(1000);
      bin->set_ok(1000);
      LatencyHistogram h;
      h.record_us(1000 * (second + 1), 1000);  // 1, 2, 3 ms: each second its own latency
      h.to_proto(bin->mutable_latency());
    }
    REQUIRE(m.add_progress(p));
  };
  progress("j0", 1, {0});
  progress("j1", 1, {0});
  progress("j0", 2, {1, 2});
  progress("j1", 2, {1});
  progress("j1", 3, {2});
  const auto timeline = m.timeline(2.5);
  REQUIRE(timeline.size() == 3);
  CHECK(timeline[0].t_s == 1.0);
  CHECK(timeline[0].attempts == 2000);
  CHECK(timeline[1].attempts == 4000);  // a flat 2,000 a second, whatever the arrival
  CHECK(timeline[2].attempts == 6000);
  CHECK(timeline[2].t_s == 2.5);  // the last second ends with the phase
  CHECK(timeline[0].p99_ms == Approx(1.0).epsilon(0.01));
  CHECK(timeline[2].p99_ms == Approx(3.0).epsilon(0.01));
}

TEST_CASE("a job's result replaces its progress bins with its whole series",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "p0"));
  v1::Progress p;
  p.set_job_id("j0");
  p.set_seq(1);
  auto* bin = p.add_seconds();
  bin->set_second(0);
  bin->set_attempts(10);
  bin->set_ok(10);
  REQUIRE(m.add_progress(p));
  // A coordinator restart lost the progress for second 1; the result has both.
  v1::JobResult r;
  r.set_job_id("j0");
  for (uint32_t second : {0u, 1u}) {
    auto* b = r.add_seconds();
    b->set_second(second);
    b->set_attempts(10);
    b->set_ok(10);
  }
  REQUIRE(m.add_result(r));
  const auto timeline = m.timeline(2.0);
  REQUIRE(timeline.size() == 2);
  CHECK(timeline[1].attempts == 20);
}

TEST_CASE("an hour of sold-out answers costs the merge a few thousand buckets, not one a ms",
          "[coordinator][merge][evidence]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  // As an agent that did not bucket its answers would send them: one pair a millisecond.
  constexpr int64_t kHourMs = 3'600'000;
  uint64_t seq = 0;
  for (int64_t from = 0; from < kHourMs; from += 100'000) {
    v1::OrderBatch b;
    b.set_job_id("j0");
    b.set_batch_seq(++seq);
    for (int64_t ms = from; ms < from + 100'000; ++ms) {
      b.add_sold_out_ms(ms);
      b.add_sold_out_counts(2);
    }
    REQUIRE(m.add_batch(b));
  }
  const BuyersEvidence e = m.take_evidence();
  // 4,096 by the millisecond, then 2,048 for each doubling of the phase's age: 3.6e6 / 4,096 is
  // under 2^10, so under 4,096 + 10 * 2,048.
  CHECK(e.sold_out_by_ms.size() < 4096 + 10 * 2048);
  uint64_t answers = 0;
  for (const auto& [end, n] : e.sold_out_by_ms) answers += n;
  CHECK(answers == 2 * kHourMs);  // every answer kept, only their times coarser
  CHECK(e.sold_out_by_ms.begin()->first == 0);
  CHECK(e.sold_out_by_ms.rbegin()->first == sold_out_bucket_end(kHourMs - 1));
}

TEST_CASE("a phase the checkout answered nothing of is unchecked and says so, never ok",
          "[coordinator][merge]") {
  PhaseMerge m;
  m.add_job(share("j0", "a0", "run.safe.a0"));
  v1::JobResult r;
  r.set_job_id("j0");
  r.mutable_counts()->set_attempts(40);
  r.mutable_counts()->set_fail(40);
  r.mutable_counts()->set_errors(40);  // connections refused: no answer at all
  REQUIRE(m.add_result(r));
  PhaseEnd end;
  end.final_stock = 100;
  end.ledger.emplace();
  PhaseFacts facts;
  facts.endpoint = "safe";
  facts.initial_stock = 100;
  const auto p = report_phase(m, end, facts);
  CHECK(p.untested());
  CHECK(integrity_word(p.verdict) == std::string("unchecked"));
  REQUIRE_FALSE(p.problems.empty());
  CHECK(p.unanswered());
  CHECK(p.problems.back().find("none of the 40 attempts bought or was told sold out") !=
        std::string::npos);
  CHECK(p.problems.back().find("the checkout answered none of them") != std::string::npos);
  // Every check named as skipped, as in a plain load test: the table shows "-", not zeros.
  CHECK(p.verdict.checks_skipped == nothing_checked().checks_skipped);

  // One sold-out answer is an answer: the checkout was reached, and its verdict stands.
  PhaseMerge answered;
  answered.add_job(share("j0", "a0", "run.safe.a0"));
  r.mutable_counts()->set_sold_out(1);
  r.mutable_counts()->set_errors(39);
  REQUIRE(answered.add_result(r));
  facts.initial_stock = 0;  // sold out from the start, which the answer says
  end.final_stock = 0;
  const auto q = report_phase(answered, end, facts);
  CHECK_FALSE(q.untested());
  CHECK(integrity_word(q.verdict) == std::string("ok"));

  // Stock that fell with no order is a violation the zeros must not hide.
  PhaseMerge lost;
  lost.add_job(share("j0", "a0", "run.safe.a0"));
  r.mutable_counts()->set_sold_out(0);
  r.mutable_counts()->set_errors(40);
  REQUIRE(lost.add_result(r));
  facts.initial_stock = 100;
  end.final_stock = 95;
  const auto v = report_phase(lost, end, facts);
  CHECK_FALSE(v.untested());
  CHECK(integrity_word(v.verdict) == std::string("violated"));
}
