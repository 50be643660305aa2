// The coordinator's run, hosted in-process with fake agents, target and clock: every chaos case
// the e2e suite covers with real processes, and those a shell test cannot time exactly (a loss
// during StartJob, a result after its share was handed on), deterministic and in milliseconds.
#include <catch2/catch.hpp>
#include <set>

#include "run_harness.hpp"

using namespace stampede;
using namespace stampede::coordinator;
using namespace stampede::coordinator::testing;

namespace {

// Three agents, the run started and its jobs accepted and started.
struct ThreeAgents {
  RunHarness h;
  FakeAgent* a1;
  FakeAgent* a2;
  FakeAgent* a3;
  explicit ThreeAgents(int64_t stock = 50, uint64_t requests = 300, std::string journal = "")
      : h(std::move(journal)) {
    a1 = &h.add_agent("a1");
    a2 = &h.add_agent("a2");
    a3 = &h.add_agent("a3");
    h.start(request_for("safe", stock, requests));
    h.pump();
    REQUIRE(a1->started());
    REQUIRE(a2->started());
    REQUIRE(a3->started());
  }
  // An agent past its heartbeat deadline: lost to the run.
  void lose(FakeAgent& a) {
    a.silent = true;
    h.advance(6s);
    h.pump();
  }
};

std::string problems_text(const EndpointReport& e) {
  std::string out;
  for (const auto& p : e.problems) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("a lost agent's counts add up in every class, sold out and errors included",
          "[coordinator][session]") {
  ThreeAgents t(/*stock=*/50, /*requests=*/300);
  t.a1->attempt(60);  // buys 50: the stock is gone, 10 sold out
  t.a2->attempt(40);  // 40 sold out
  t.h.pump();
  t.lose(*t.a2);
  t.a1->attempt(100);
  t.a1->finish();
  t.a3->attempt(100);
  t.a3->finish();
  t.h.pump();
  // a2's 60 remaining attempts were handed to the first agent free of its own.
  FakeAgent& taker =
      t.a1->has_job() && t.a1->job().job_id().find("-r") != std::string::npos ? *t.a1 : *t.a3;
  REQUIRE(taker.job().job_id().find("-r") != std::string::npos);
  taker.attempt(60);
  taker.finish();
  t.h.pump();
  REQUIRE(t.h.finished());
  const auto report = t.h.report();
  const EndpointReport& e = report.endpoints.at(0);
  INFO("attempts " << e.attempts << " acked " << e.acknowledged << " sold_out " << e.sold_out
                   << " errors " << e.errors << " info " << e.indeterminate);
  CHECK(e.attempts == 300);
  CHECK(counts_add_up(e));
  CHECK(e.sold_out == 250);
  CHECK(e.acknowledged == 50);
  CHECK(e.integrity_ok());
  CHECK(problems_text(e).find("agent a2 was lost mid-run") != std::string::npos);
}

TEST_CASE("an agent silent under its deadline is named, and nothing it did counts twice",
          "[coordinator][session]") {
  ThreeAgents t(/*stock=*/50, /*requests=*/300);
  t.a1->attempt(100);
  t.h.agent_silent("a2", 3200ms);      // a short partition that healed in time
  t.h.agent_silent("nobody", 4000ms);  // not an agent of this run: not its business
  for (FakeAgent* a : {t.a1, t.a2, t.a3}) {
    if (a != t.a1) a->attempt(100);
    a->finish();
  }
  t.h.pump();
  REQUIRE(t.h.finished());
  const EndpointReport e = t.h.report().endpoints.at(0);
  CHECK(e.attempts == 300);
  CHECK(e.integrity_ok());
  CHECK(problems_text(e).find("agent a2 was silent for 3200 ms (under its 5000 ms heartbeat "
                              "deadline), then back") != std::string::npos);
  CHECK(problems_text(e).find("nobody") == std::string::npos);
  CHECK(problems_text(e).find("lost") == std::string::npos);
}

TEST_CASE("a lost agent's orders after its last report count as recovered, never phantoms",
          "[coordinator][session]") {
  ThreeAgents t(/*stock=*/1000, /*requests=*/300);
  t.a2->attempt(20);
  t.h.pump();
  t.a2->attempt_unreported(15);  // bought, but the agent died before saying so
  t.lose(*t.a2);
  for (auto* a : {t.a1, t.a3}) {
    a->attempt(100);
    a->finish();
  }
  t.h.pump();
  FakeAgent& taker = t.a1->job().job_id().find("-r") != std::string::npos ? *t.a1 : *t.a3;
  REQUIRE(taker.job().max_attempts() == 80);  // its 100 less the 20 it reported
  taker.attempt(80);
  taker.finish();
  t.h.pump();
  REQUIRE(t.h.finished());
  const EndpointReport e = t.h.report().endpoints.at(0);
  CHECK(e.verdict.phantoms == 0);
  CHECK(e.verdict.recovered == 15);
  CHECK(e.verdict.lost_acks == 0);
  CHECK(e.integrity_ok());
  CHECK(counts_add_up(e));
  CHECK(t.h.finish_frame().exit_code() == 0);
}

TEST_CASE("an agent paused past its deadline and back: its late result counts, its share ran twice",
          "[coordinator][session]") {
  ThreeAgents t(/*stock=*/1000, /*requests=*/300);
  t.a2->attempt(30);
  t.h.pump();
  t.lose(*t.a2);
  t.a1->attempt(100);
  t.a1->finish();
  t.h.pump();
  REQUIRE(t.a1->job().job_id().find("-r") != std::string::npos);  // a2's rest, handed on
  // a2 wakes up, finishes its own share and delivers: a result after its share was handed on.
  t.a2->silent = false;
  t.a2->attempt(70);
  t.a2->finish();
  t.a1->attempt(70);
  t.a1->finish();
  t.a3->attempt(100);
  t.a3->finish();
  t.h.pump();
  REQUIRE(t.h.finished());
  const EndpointReport e = t.h.report().endpoints.at(0);
  CHECK(e.attempts == 370);  // a2's 70 unreported ones ran twice: by a2 and by the hand-over
  CHECK(counts_add_up(e));
  CHECK(e.integrity_ok());
  CHECK(problems_text(e).find("came back and delivered its result") != std::string::npos);
}

TEST_CASE("a coordinator restarted mid-run takes the run over from its journal",
          "[coordinator][session]") {
  const auto dir = std::filesystem::temp_directory_path() / "stampede-session-restart";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ThreeAgents t(/*stock=*/100, /*requests=*/300, dir.string());
  for (auto* a : {t.a1, t.a2, t.a3}) a->attempt(40);
  t.a3->attempt(60);
  t.a3->finish();  // its result reached the coordinator that dies; it keeps it until an ack
  t.h.pump();
  t.h.restart_coordinator();
  for (auto* a : {t.a1, t.a2, t.a3}) a->rejoin();  // registered anew, everything sent again
  t.h.pump();
  for (auto* a : {t.a1, t.a2}) {
    a->attempt(60);
    a->finish();
  }
  t.h.pump();
  REQUIRE(t.h.finished());
  CHECK(t.h.finish_frame().exit_code() == 0);
  const EndpointReport e = t.h.report().endpoints.at(0);
  CHECK(e.attempts == 300);
  CHECK(e.acknowledged == 100);
  CHECK(e.verdict.ledger_orders == 100);
  CHECK(e.integrity_ok());
  CHECK(counts_add_up(e));
  CHECK(problems_text(e).find("coordinator was restarted") != std::string::npos);
  CHECK(t.a3->acknowledged());
  std::filesystem::remove_all(dir);
}

TEST_CASE("results sent again and batches sent twice are counted once", "[coordinator][session]") {
  ThreeAgents t(/*stock=*/100, /*requests=*/300);
  for (auto* a : {t.a1, t.a2, t.a3}) {
    a->attempt(50);
    a->attempt(50);
    a->finish();
    a->resend();  // the ack was lost: every batch and the result again
  }
  t.a2->resend();
  t.h.pump();
  REQUIRE(t.h.finished());
  const EndpointReport e = t.h.report().endpoints.at(0);
  CHECK(e.attempts == 300);
  CHECK(e.acknowledged == 100);
  CHECK(e.verdict.duplicates == 0);
  CHECK(e.verdict.lost_acks == 0);
  CHECK(e.integrity_ok());
  CHECK(problems_text(e).empty());
}

TEST_CASE("an agent that refuses its job ends the run with its reason", "[coordinator][session]") {
  RunHarness h;
  h.add_agent("a1");
  h.add_agent("a2").refuse_with = "agent a2: 30 users (connections) is over its --max-connections";
  h.start(request_for("safe", 10, 100, 30, 2));
  h.pump();
  REQUIRE(h.finished());
  CHECK(h.finish_frame().exit_code() == 3);
  CHECK(h.finish_frame().message().find("refused the job: agent a2: 30 users") !=
        std::string::npos);
}

TEST_CASE("an agent lost as its StartJob goes out has its whole share handed on",
          "[coordinator][session]") {
  RunHarness h;
  auto& a1 = h.add_agent("a1");
  auto& a2 = h.add_agent("a2");
  a2.silent_at_start = true;
  h.start(request_for("safe", 1000, 200, 20, 2));
  h.pump();
  REQUIRE(a1.started());
  REQUIRE_FALSE(a2.started());
  h.advance(6s);  // a2's heartbeats stopped with it
  h.pump();
  a1.attempt(100);
  a1.finish();
  h.pump();
  REQUIRE(a1.job().job_id().find("-r") != std::string::npos);
  CHECK(a1.job().max_attempts() == 100);
  a1.attempt(100);
  a1.finish();
  h.pump();
  REQUIRE(h.finished());
  const EndpointReport e = h.report().endpoints.at(0);
  CHECK(e.attempts == 200);
  CHECK(e.acknowledged == 200);
  CHECK(counts_add_up(e));
  CHECK(e.integrity_ok());
}

TEST_CASE("a share lost again and again is handed on three times, then given up",
          "[coordinator][session]") {
  RunHarness h;
  auto& a = h.add_agent("a1");
  h.start(request_for("safe", 1000, 100, 10, 1));
  h.pump();
  std::set<std::string> handed_on;  // the hand-overs' job ids
  for (int round = 0; round < 6 && !h.finished(); ++round) {
    // Each time: ten attempts reported, then silence past the deadline, then back with a late
    // result, which frees the agent for the next hand-over.
    a.attempt(10);
    h.pump();
    a.silent = true;
    h.advance(6s);
    h.pump();
    a.silent = false;
    a.finish();
    h.pump();
    if (a.has_job() && a.job().job_id().find("-r") != std::string::npos) {
      handed_on.insert(a.job().job_id());
    }
    h.advance(100ms);
    h.pump();
  }
  REQUIRE(h.finished());
  CHECK(handed_on.size() == 3);
  const EndpointReport e = h.report().endpoints.at(0);
  CHECK(
      problems_text(e).find("were not re-issued: that share had already been handed on 3 times") !=
      std::string::npos);
  CHECK(counts_add_up(e));
}

TEST_CASE("readings mid-run where held and sold exceed the stock make the phase violated",
          "[coordinator][session]") {
  for (const int64_t held : {0, 45}) {
    ThreeAgents t(/*stock=*/50, /*requests=*/300);
    t.h.target.held = held;
    t.a1->attempt(10);  // 10 sold: with 45 held, 55 of 50 are spoken for
    t.h.pump();
    for (int i = 0; i < 3; ++i) {  // a reading about once a second
      t.h.advance(1100ms);
      t.h.pump();
    }
    t.h.target.held = 0;  // whatever was held went back before the end
    for (auto* a : {t.a1, t.a2, t.a3}) {
      a->attempt(a == t.a1 ? 90 : 100);
      a->finish();
    }
    t.h.pump();
    REQUIRE(t.h.finished());
    const auto report = t.h.report();
    const EndpointReport& e = report.endpoints.at(0);
    INFO("held " << held);
    REQUIRE(e.verdict.over_stock_samples.has_value());
    if (held == 0) {
      CHECK(*e.verdict.over_stock_samples == 0);
      CHECK(e.integrity_ok());
    } else {
      CHECK(*e.verdict.over_stock_samples >= 1);
      CHECK_FALSE(e.integrity_ok());
    }
  }
}
