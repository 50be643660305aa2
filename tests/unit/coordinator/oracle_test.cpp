// The integrity oracle on hand-made histories: a clean one, then each invariant broken once.
#include <algorithm>
#include <catch2/catch.hpp>

#include "coordinator/oracle/oracle.hpp"

using namespace stampede::coordinator;

namespace {
// Stock 3; three acknowledged attempts k0..k2 with orders o0..o2; the ledger holds exactly those.
OracleInput clean_history() {
  OracleInput in;
  in.initial_stock = 3;
  in.final_stock = 0;
  std::vector<LedgerOrder> ledger;
  for (int i = 0; i < 3; ++i) {
    const auto k = "k" + std::to_string(i), o = "o" + std::to_string(i);
    in.acknowledged[k] = o;
    ledger.push_back({o, k, "safe", "u-" + std::to_string(i)});
  }
  in.ledger = ledger;
  return in;
}
}  // namespace

TEST_CASE("a clean history passes with every figure zero", "[coordinator][oracle]") {
  auto v = reconcile(clean_history());
  CHECK(v.integrity_ok);
  CHECK(v.ledger_orders == 3);
  CHECK(v.oversold == 0);
  CHECK(v.lost_updates == 0);
  CHECK(v.lost_acks == 0);
  CHECK(v.phantoms == 0);
  CHECK(v.duplicates == 0);
  CHECK(v.recovered == 0);
  CHECK_FALSE(v.negative_stock);
  CHECK(v.duplicate_order_ids == 0);
  CHECK(v.unseen_sales == 0);
  CHECK(v.false_sold_out == 0);
  // Only the remaining_* figures, which need a remaining field this history has none of.
  CHECK(v.checks_skipped == std::vector<std::string>{"remaining_duplicates",
                                                     "remaining_out_of_range",
                                                     "remaining_out_of_order"});
}

TEST_CASE("more ledger orders than stock is oversold", "[coordinator][oracle]") {
  auto in = clean_history();
  in.acknowledged["k3"] = "o3";
  in.ledger->push_back({"o3", "k3", "buggy", "u-3"});
  in.final_stock = -1;
  auto v = reconcile(in);
  CHECK(v.oversold == 1);
  CHECK(v.negative_stock);
  CHECK(v.lost_updates == 0);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("more acknowledgements than stock is oversold even without a ledger",
          "[coordinator][oracle]") {
  auto in = clean_history();
  in.acknowledged["k3"] = "o3";
  in.acknowledged["k4"] = "o4";
  in.ledger.reset();
  auto v = reconcile(in);
  CHECK(v.oversold == 2);
  CHECK_FALSE(v.integrity_ok);
  CHECK(std::find(v.checks_skipped.begin(), v.checks_skipped.end(), "lost_acks") !=
        v.checks_skipped.end());
}

TEST_CASE("orders the stock count never saw are lost updates", "[coordinator][oracle]") {
  auto in = clean_history();
  in.final_stock = 1;  // two decrements for three orders: the read-modify-write race
  auto v = reconcile(in);
  CHECK(v.lost_updates == 1);
  CHECK(v.oversold == 0);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("an acknowledged order missing from the ledger is a lost ack", "[coordinator][oracle]") {
  auto in = clean_history();
  in.ledger->pop_back();
  in.final_stock = 1;
  auto v = reconcile(in);
  CHECK(v.lost_acks == 1);
  CHECK(v.lost_updates == 0);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("a ledger order whose attempt failed or was never sent is a phantom",
          "[coordinator][oracle]") {
  auto in = clean_history();
  in.initial_stock = 5;
  in.final_stock = 1;
  in.ledger->push_back({"o9", "k9", "safe", "u-9"});  // never sent by anyone
  in.ledger->push_back({"o10", "", "safe", "u-10"});  // no key at all
  auto v = reconcile(in);
  CHECK(v.phantoms == 2);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("two ledger orders for one idempotency key are a duplicate", "[coordinator][oracle]") {
  auto in = clean_history();
  in.initial_stock = 4;
  in.final_stock = 0;
  in.ledger->push_back({"o0-again", "k0", "safe", "u-0"});
  auto v = reconcile(in);
  CHECK(v.duplicates == 1);
  CHECK(v.phantoms == 0);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("an indeterminate attempt that landed is recovered, which is legal",
          "[coordinator][oracle]") {
  auto in = clean_history();
  in.initial_stock = 4;
  in.final_stock = 0;
  in.indeterminate.insert("k3");
  in.indeterminate.insert("k4");  // did not land: nothing to say
  in.ledger->push_back({"o3", "k3", "unstable", "u-3"});
  auto v = reconcile(in);
  CHECK(v.recovered == 1);
  CHECK(v.phantoms == 0);
  CHECK(v.integrity_ok);
}

TEST_CASE("without a final stock the stock checks are skipped and said so",
          "[coordinator][oracle]") {
  auto in = clean_history();
  in.final_stock.reset();
  auto v = reconcile(in);
  CHECK(std::find(v.checks_skipped.begin(), v.checks_skipped.end(), "lost_updates") !=
        v.checks_skipped.end());
  CHECK(std::find(v.checks_skipped.begin(), v.checks_skipped.end(), "negative_stock") !=
        v.checks_skipped.end());
}

TEST_CASE("ledger NDJSON parses and a bad line is an error naming it", "[coordinator][oracle]") {
  auto ok = parse_ledger_ndjson(
      "{\"order_id\":\"o1\",\"idempotency_key\":\"k1\",\"endpoint\":\"safe\",\"user_id\":\"u-1\"}"
      "\n\n"
      "{\"order_id\":7,\"idempotency_key\":\"k2\",\"endpoint\":\"safe\",\"user_id\":\"u-2\"}\n");
  REQUIRE(ok);
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[1].order_id == "7");
  auto bad = parse_ledger_ndjson("{\"order_id\":\"o1\"}\nnot json\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("line 2") != std::string::npos);
}

TEST_CASE("ledger orders under a lost agent's keys are recovered, not phantoms",
          "[coordinator][oracle]") {
  auto in = clean_history();
  in.initial_stock = 5;
  in.final_stock = 0;
  in.indeterminate_prefixes = {"run.safe.a2"};
  in.ledger->push_back({"o7", "run.safe.a2.7", "safe", "u-7"});   // sent after its last report
  in.ledger->push_back({"o8", "run.safe.a20.8", "safe", "u-8"});  // another agent's prefix: phantom
  auto v = reconcile(in);
  CHECK(v.recovered == 1);
  CHECK(v.phantoms == 1);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("a per-user limit counts the buyers over it and their extra orders",
          "[coordinator][oracle]") {
  OracleInput in = clean_history();
  in.per_user_limit = 1;
  auto v = reconcile(in);
  CHECK(v.over_limit_users == 0);
  CHECK(v.over_limit_orders == 0);
  CHECK(v.integrity_ok);

  // u-0 bought three times (two over), u-1 twice (one over): the stock still adds up.
  in.initial_stock = 6;
  in.final_stock = 0;
  for (const auto& [k, user] : {std::pair{"k3", "u-0"}, {"k4", "u-0"}, {"k5", "u-1"}}) {
    in.acknowledged[k] = std::string("o-") + k;
    in.ledger->push_back({std::string("o-") + k, k, "buggy", user});
  }
  v = reconcile(in);
  CHECK(v.over_limit_users == 2);
  CHECK(v.over_limit_orders == 3);
  CHECK(v.oversold == 0);
  CHECK_FALSE(v.integrity_ok);

  in.per_user_limit = 0;  // not asked: not computed, not skipped
  v = reconcile(in);
  CHECK_FALSE(v.over_limit_users.has_value());
  CHECK(v.integrity_ok);
}

TEST_CASE("without a ledger the per-user limit is named as skipped", "[coordinator][oracle]") {
  OracleInput in = clean_history();
  in.ledger.reset();
  in.per_user_limit = 1;
  const auto v = reconcile(in);
  CHECK_FALSE(v.over_limit_users.has_value());
  CHECK(std::count(v.checks_skipped.begin(), v.checks_skipped.end(), "over_limit_users") == 1);
  CHECK(std::count(v.checks_skipped.begin(), v.checks_skipped.end(), "over_limit_orders") == 1);
}

TEST_CASE("an order confirmed after its hold expired is counted", "[coordinator][oracle]") {
  OracleInput in = clean_history();
  CHECK_FALSE(reconcile(in).confirmed_after_expiry.has_value());  // no holds in the ledger
  auto& ledger = *in.ledger;
  ledger[0].reservation_id = "r1-1";
  ledger[0].expires_at_ms = 2'000;
  ledger[0].confirmed_at_ms = 1'999;  // in time
  ledger[1].reservation_id = "r1-2";
  ledger[1].expires_at_ms = 2'000;
  ledger[1].confirmed_at_ms = 2'000;  // the last instant still counts as in time
  auto v = reconcile(in);
  CHECK(v.confirmed_after_expiry == 0);
  CHECK(v.integrity_ok);
  ledger[1].confirmed_at_ms = 2'001;
  v = reconcile(in);
  CHECK(v.confirmed_after_expiry == 1);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("an expired hold makes false_sold_out unprovable, and the report says so",
          "[coordinator][oracle]") {
  OracleInput in = clean_history();
  in.final_stock = 1;  // stock at the end, after sold-out answers: false ones, without holds
  in.initial_stock = 4;
  in.evidence.sold_out_by_ms[10] = 5;
  auto v = reconcile(in);
  CHECK(v.false_sold_out == 5);
  CHECK_FALSE(v.integrity_ok);

  // Holds that were all confirmed explain nothing: the stock never came back.
  in.holds = HoldFigures{0, 3, 3, 0, 0};
  CHECK(reconcile(in).false_sold_out == 5);

  // One expired: its unit went back after answers that were true while it was held.
  in.holds = HoldFigures{0, 4, 3, 1, 0};
  v = reconcile(in);
  CHECK_FALSE(v.false_sold_out.has_value());
  CHECK(std::count(v.checks_skipped.begin(), v.checks_skipped.end(), "false_sold_out") == 1);
  CHECK(v.integrity_ok);
}

TEST_CASE("a mid-run reading with held and sold above the stock is violated",
          "[coordinator][oracle]") {
  OracleInput in = clean_history();
  CHECK_FALSE(reconcile(in).over_stock_samples.has_value());  // nothing read mid-run
  in.samples = StockSamples{12, 0};
  auto v = reconcile(in);
  CHECK(v.over_stock_samples == 0);
  CHECK(v.integrity_ok);
  in.samples = StockSamples{12, 2};
  v = reconcile(in);
  CHECK(v.over_stock_samples == 2);
  CHECK_FALSE(v.integrity_ok);
}
