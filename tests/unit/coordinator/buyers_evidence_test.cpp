// The buyers' evidence on hand-made histories: a linearizable sale passes, and each figure
// (remaining_*, false_sold_out, duplicate_order_ids, unseen_sales) catches its own breakage,
// with the clock-offset tolerance deciding what "sent after the answer" means.
#include <catch2/catch.hpp>

#include "common/sold_out_buckets.hpp"
#include "coordinator/oracle/buyers_evidence.hpp"
#include "coordinator/oracle/oracle.hpp"

using namespace stampede::coordinator;
using stampede::kNoRemaining;
using stampede::sold_out_bucket_end;

namespace {

// n sales one after another, 1 ms apart, each told one less than the one before: S = n.
BuyersEvidence serial_sales(int n) {
  BuyersEvidence e;
  e.remaining_read = true;
  e.key_prefixes = {"run.a0"};
  for (int i = 0; i < n; ++i) {
    e.sales.push_back({i * 1000, i * 1000 + 500, n - 1 - i, 0, static_cast<uint64_t>(i)});
  }
  return e;
}

OracleInput id_less_history(BuyersEvidence e, int64_t S, int64_t F) {
  OracleInput in;
  in.order_ids = false;
  in.initial_stock = S;
  in.final_stock = F;
  for (const auto& s : e.sales) in.acknowledged["run.a0." + std::to_string(s.seq)] = "";
  in.evidence = std::move(e);
  return in;
}

}  // namespace

TEST_CASE("a linearizable sale leaves every buyer figure at zero", "[coordinator][evidence]") {
  auto f = weigh_evidence(serial_sales(5), 5, 0);
  CHECK(f.remaining_duplicates == 0);
  CHECK(f.remaining_out_of_range == 0);
  CHECK(f.remaining_out_of_order == 0);
  CHECK(f.false_sold_out == 0);
  CHECK(f.clashes.empty());
}

TEST_CASE("two sales told the same stock left are a lost update, with their keys",
          "[coordinator][evidence]") {
  auto e = serial_sales(5);
  e.sales[2].remaining = e.sales[1].remaining;  // 3, 3: the second write overwrote the first
  auto f = weigh_evidence(e, 5, 0);
  CHECK(f.remaining_duplicates == 1);
  REQUIRE(f.clashes.size() == 1);
  CHECK(f.clashes[0].remaining == 3);
  CHECK(f.clashes[0].keys == std::vector<std::string>{"run.a0.1", "run.a0.2"});
}

TEST_CASE("a remaining outside 0 to S - 1 is out of range", "[coordinator][evidence]") {
  auto e = serial_sales(5);
  e.sales[4].remaining = -1;  // sold past zero
  e.sales[0].remaining = 5;   // told the whole stock was left after buying one
  auto f = weigh_evidence(e, 5, 0);
  CHECK(f.remaining_out_of_range == 2);
  SECTION("and cannot be judged without S") {
    CHECK_FALSE(weigh_evidence(e, std::nullopt, 0).remaining_out_of_range);
  }
}

TEST_CASE("a sale sent after another's answer must be told less left", "[coordinator][evidence]") {
  auto e = serial_sales(4);                               // remaining 3, 2, 1, 0 at 0, 1, 2, 3 ms
  std::swap(e.sales[1].remaining, e.sales[3].remaining);  // 3, 0, 1, 2
  auto f = weigh_evidence(e, 4, 0);
  // The sales at 2 ms and 3 ms were sent after the one told 0 was answered.
  CHECK(f.remaining_out_of_order == 2);
  CHECK(f.remaining_duplicates == 0);
}

TEST_CASE("sales whose times overlap within the tolerance are never out of order",
          "[coordinator][evidence]") {
  BuyersEvidence e;
  e.remaining_read = true;
  e.key_prefixes = {"run.a0", "run.a1"};
  // Agent a1's clock may be 2 ms off: its sale "sent" 1.5 ms after a0's answer may have
  // happened before it.
  e.sales.push_back({0, 1000, 0, 0, 1});
  e.sales.push_back({2500, 3000, 1, 1, 1});
  e.tolerance_us = 2000;
  CHECK(weigh_evidence(e, 2, 0).remaining_out_of_order == 0);
  e.tolerance_us = 1000;
  CHECK(weigh_evidence(e, 2, 0).remaining_out_of_order == 1);
}

TEST_CASE("sold out while a later buyer still got one is a false sold out",
          "[coordinator][evidence]") {
  auto e = serial_sales(3);  // sales sent at 0, 1 and 2 ms
  e.sold_out_by_ms[0] = 4;   // answered within the first millisecond, before the last sale left
  e.sold_out_by_ms[5] = 7;   // after every sale: true
  CHECK(weigh_evidence(e, 3, 0).false_sold_out == 4);
  SECTION("the tolerance forgives an answer close to the last sale") {
    e.tolerance_us = 1500;
    CHECK(weigh_evidence(e, 3, 0).false_sold_out == 0);
  }
  SECTION("stock left at the end makes every sold-out answer false") {
    CHECK(weigh_evidence(e, 4, 1).false_sold_out == 11);
  }
}

TEST_CASE("without a remaining field only false_sold_out is weighed", "[coordinator][evidence]") {
  auto e = serial_sales(3);
  e.remaining_read = false;
  auto f = weigh_evidence(e, 3, 0);
  CHECK_FALSE(f.remaining_duplicates);
  CHECK_FALSE(f.remaining_out_of_order);
  CHECK(f.false_sold_out == 0);
}

TEST_CASE("sales without ids are counted, and the id checks are named skipped",
          "[coordinator][evidence]") {
  auto v = reconcile(id_less_history(serial_sales(5), 3, 0));
  CHECK(v.oversold == 2);  // five sales of three
  CHECK(v.unseen_sales == 2);
  CHECK_FALSE(v.integrity_ok);
  CHECK_FALSE(v.duplicate_order_ids);
  const auto& skipped = v.checks_skipped;
  CHECK(std::count(skipped.begin(), skipped.end(), "duplicate_order_ids") == 1);
}

TEST_CASE("one order id answered to many sales is caught without a ledger",
          "[coordinator][evidence]") {
  OracleInput in;
  in.initial_stock = 100;
  in.final_stock = 100;  // the stock never moved
  for (int i = 0; i < 50; ++i) in.acknowledged["k" + std::to_string(i)] = "x1";
  auto v = reconcile(in);
  CHECK(v.duplicate_order_ids == 49);
  CHECK(v.unseen_sales == 50);
  CHECK(v.oversold == 0);
  CHECK_FALSE(v.integrity_ok);
}

TEST_CASE("a racy counter seen only through its answers is violated", "[coordinator][evidence]") {
  auto e = serial_sales(6);
  for (auto& s : e.sales) s.remaining = s.remaining / 2 + 2;  // pairs told the same value
  auto v = reconcile(id_less_history(std::move(e), 6, 3));
  CHECK(v.remaining_duplicates == 3);
  CHECK(v.unseen_sales == 3);
  CHECK(integrity_word(v) == std::string("violated"));
}

TEST_CASE("a plain load test makes no check and says so", "[coordinator][evidence]") {
  OracleInput in;
  in.plain_load = true;
  in.acknowledged["k"] = "x";
  auto v = reconcile(in);
  CHECK(integrity_word(v) == std::string("unchecked"));
  CHECK(v.integrity_ok);
  CHECK(v.checks_skipped.size() == 17);
  CHECK_FALSE(v.unseen_sales);
}

TEST_CASE("a sold-out bucket counts as false only when all of it came before the later sale",
          "[coordinator][evidence]") {
  // Ten seconds in, buckets are 4 ms wide: answers in ms 10,000..10,003 share the key 10,003.
  CHECK(sold_out_bucket_end(10'000) == 10'003);
  CHECK(sold_out_bucket_end(10'003) == 10'003);
  CHECK(sold_out_bucket_end(10'004) == 10'007);
  auto e = serial_sales(1);
  e.sales.push_back({10'003'500, 10'004'000, kNoRemaining, 0, 2});  // a late sale at 10,003.5 ms
  e.sold_out_by_ms[sold_out_bucket_end(10'000)] = 3;  // the answer may have come at 10,003.9 ms
  e.sold_out_by_ms[sold_out_bucket_end(9'000)] = 2;   // all of 9,000..9,003 is before it
  CHECK(weigh_evidence(e, 2, 0).false_sold_out == 2);
}

TEST_CASE("sold-out buckets: by the ms for 4,096 ms, then doubling with the phase's age",
          "[coordinator][evidence]") {
  CHECK(sold_out_bucket_end(-5) == -1);
  CHECK(sold_out_bucket_end(0) == 0);
  CHECK(sold_out_bucket_end(4095) == 4095);
  CHECK(sold_out_bucket_end(4096) == 4097);
  CHECK(sold_out_bucket_end(8191) == 8191);
  CHECK(sold_out_bucket_end(8192) == 8195);
  CHECK(sold_out_bucket_end(600'000) == 600'063);  // 256 ms wide ten minutes in
  int64_t buckets = 0, previous_end = -1;
  for (int64_t ms = 0; ms < 600'000; ++ms) {
    const int64_t end = sold_out_bucket_end(ms);
    REQUIRE(end >= ms);
    REQUIRE(sold_out_bucket_end(end) == end);  // a bucket's key is in the bucket
    if (end != previous_end) ++buckets;
    previous_end = end;
  }
  CHECK(buckets < 4096 + 8 * 2048);  // 600 s / 4.096 s is under 2^8
}
