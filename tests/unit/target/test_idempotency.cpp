// Idempotency-Key semantics on the safe and unstable endpoints, and the table underneath.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

#include "target_test_support.hpp"

using namespace stampede::target;
using namespace stampede::target::testing;

namespace {

Headers keyed(const std::string& key) {
  return {{"Content-Type", "application/json"}, {"Idempotency-Key", key}};
}

std::string order_id_of(const std::string& body) {
  const std::string marker = "\"order_id\":\"";
  const auto start = body.find(marker);
  if (start == std::string::npos) return {};
  const auto from = start + marker.size();
  return body.substr(from, body.find('"', from) - from);
}

}  // namespace

TEST_CASE("a replayed key returns the same order and adds no order", "[target]") {
  for (std::string_view endpoint : {"safe", "unstable"}) {
    RouterHarness h(10);
    const std::string key = "replay-" + std::string(endpoint);
    Reply first = h.checkout_call(endpoint, checkout_body(1, "u-1", 2), keyed(key));
    REQUIRE(first.message.result() == http::status::created);
    Reply again = h.checkout_call(endpoint, checkout_body(1, "u-1", 2), keyed(key));
    CHECK(again.message.result() == http::status::created);
    CHECK(again.message.body() == first.message.body());
    CHECK_FALSE(order_id_of(first.message.body()).empty());
    CHECK(h.ledger_size() == 1);
    Reply product = h.call(make_request(http::verb::get, "/api/v1/products/1"));
    CHECK(product.message.body().find("\"stock\":8") != std::string::npos);
  }
}

TEST_CASE("a replayed key after sold out returns the stored 409 without buying", "[target]") {
  RouterHarness h(1);
  CHECK(h.checkout_call("safe", checkout_body(1, "u-1", 2), keyed("k")).message.result() ==
        http::status::conflict);
  h.store.reset_product(1, 5, [](ProductSnapshot) {});  // store only: the record survives
  CHECK(h.checkout_call("safe", checkout_body(1, "u-1", 2), keyed("k")).message.result() ==
        http::status::conflict);
  CHECK(h.ledger_size() == 0);
}

TEST_CASE("the same key with a different body is 422 idempotency_key_reused", "[target]") {
  RouterHarness h(10);
  REQUIRE(h.checkout_call("safe", checkout_body(1, "u-1", 1), keyed("k")).message.result() ==
          http::status::created);
  h.store.reset_product(2, 10, [](ProductSnapshot) {});
  for (const std::string& body :
       {checkout_body(1, "u-2", 1), checkout_body(1, "u-1", 2), checkout_body(2, "u-1", 1)}) {
    INFO(body);
    Reply r = h.checkout_call("safe", body, keyed("k"));
    CHECK(r.message.result() == http::status::unprocessable_entity);
    CHECK(r.message.body().find("\"error\":\"idempotency_key_reused\"") != std::string::npos);
  }
  CHECK(h.ledger_size(1) == 1);
  CHECK(h.ledger_size(2) == 0);
}

TEST_CASE("a replay while the first request is in flight is 409 idempotency_in_flight",
          "[target]") {
  RouterHarness h(10);
  FaultSettings delay;
  delay.rate = 1.0;
  delay.kinds = {FaultKind::delay};
  delay.delay = std::chrono::milliseconds(50);
  h.faults.configure(delay);

  auto first = std::make_shared<std::optional<Reply>>();
  h.begin(make_request(http::verb::post, "/api/v1/checkout/unstable", checkout_body(1, "u-1", 1),
                       keyed("slow")),
          first);
  REQUIRE_FALSE(first->has_value());  // parked on the delay timer: nothing has run it yet

  Reply second = h.checkout_call("unstable", checkout_body(1, "u-1", 1), keyed("slow"));
  CHECK(second.message.result() == http::status::conflict);
  CHECK(second.message.body().find("\"error\":\"idempotency_in_flight\"") != std::string::npos);

  Reply done = h.finish(first);
  CHECK(done.message.result() == http::status::created);
  CHECK(h.ledger_size() == 1);
}

TEST_CASE("buggy ignores Idempotency-Key: a repeat buys again", "[target]") {
  RouterHarness h(10);
  h.checkout_call("buggy", checkout_body(1, "u-1", 1), keyed("b"));
  h.checkout_call("buggy", checkout_body(1, "u-1", 1), keyed("b"));
  CHECK(h.ledger_size() == 2);
}

TEST_CASE("an admin reset clears the product's idempotency records", "[target]") {
  RouterHarness h(10);
  Reply first = h.checkout_call("safe", checkout_body(1, "u-1", 1), keyed("k"));
  REQUIRE(first.message.result() == http::status::created);
  Reply reset =
      h.admin_call(make_request(http::verb::post, "/admin/reset", R"({"product_id":1,"stock":10})",
                                {{"Authorization", "Bearer secret"}}));
  REQUIRE(reset.message.result() == http::status::ok);
  Reply after = h.checkout_call("safe", checkout_body(1, "u-1", 1), keyed("k"));
  CHECK(after.message.result() == http::status::created);
  CHECK(order_id_of(after.message.body()) != order_id_of(first.message.body()));
  CHECK(h.ledger_size() == 1);
  CHECK(h.idempotency.size() == 1);
}

TEST_CASE("a released claim lets the key run afresh; a stale ticket cannot finish a new claim",
          "[target]") {
  IdempotencyTable table;
  const RequestFingerprint fp{1, "u", 1};
  Claim a = table.claim("k", fp);
  REQUIRE(a.outcome == ClaimOutcome::fresh);
  table.release("k", a.ticket);
  CHECK(table.size() == 0);
  Claim b = table.claim("k", fp);
  REQUIRE(b.outcome == ClaimOutcome::fresh);
  table.finish("k", a.ticket, 201, "stale");  // ignored: a's claim is gone
  CHECK(table.claim("k", fp).outcome == ClaimOutcome::in_flight);
  table.finish("k", b.ticket, 201, "fresh");
  Claim replay = table.claim("k", fp);
  CHECK(replay.outcome == ClaimOutcome::replay);
  CHECK(replay.body == "fresh");
}

TEST_CASE("the idempotency table refuses new keys past its capacity", "[target]") {
  IdempotencyTable table(2);
  const RequestFingerprint fp{1, "u", 1};
  CHECK(table.claim("a", fp).outcome == ClaimOutcome::fresh);
  CHECK(table.claim("b", fp).outcome == ClaimOutcome::fresh);
  CHECK(table.claim("c", fp).outcome == ClaimOutcome::table_full);
  table.clear_product(1);
  CHECK(table.size() == 0);
  CHECK(table.claim("c", fp).outcome == ClaimOutcome::fresh);
}

TEST_CASE("a finished key is replayed until its retention ends, then runs afresh", "[target]") {
  using namespace std::chrono_literals;
  IdempotencyTable table(100, 60s);
  const RequestFingerprint fp{1, "u", 1};
  const auto t0 = IdempotencyTable::Clock::now();
  Claim first = table.claim("k", fp, t0);
  REQUIRE(first.outcome == ClaimOutcome::fresh);
  table.finish("k", first.ticket, 201, "order-1");
  CHECK(table.claim("k", fp, t0 + 59s).outcome == ClaimOutcome::replay);
  Claim later = table.claim("k", fp, t0 + 60s);
  CHECK(later.outcome == ClaimOutcome::fresh);
  CHECK(later.ticket != first.ticket);
  CHECK(table.size() == 1);

  // A request still running is never forgotten, however long it takes.
  Claim slow = table.claim("slow", fp, t0);
  REQUIRE(slow.outcome == ClaimOutcome::fresh);
  CHECK(table.claim("slow", fp, t0 + 10min).outcome == ClaimOutcome::in_flight);
}

TEST_CASE("expired records give their room back to new keys", "[target]") {
  using namespace std::chrono_literals;
  IdempotencyTable table(50, 10s);
  const RequestFingerprint fp{1, "u", 1};
  const auto t0 = IdempotencyTable::Clock::now();
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    Claim c = table.claim(key, fp, t0);
    REQUIRE(c.outcome == ClaimOutcome::fresh);
    table.finish(key, c.ticket, 201, "b");
  }
  CHECK(table.claim("late", fp, t0 + 5s).outcome == ClaimOutcome::table_full);
  // Past the retention each shard sweeps its expired records when a key next lands there; with
  // enough new keys every shard has been reached and all 50 places are free again.
  int fresh = 0;
  for (int i = 0; i < 2'000 && fresh < 50; ++i) {
    fresh += table.claim("new" + std::to_string(i), fp, t0 + 11s).outcome == ClaimOutcome::fresh;
  }
  CHECK(fresh == 50);
  CHECK(table.size() == 50);
}

TEST_CASE("the idempotency table agrees with a plain map through growth, releases and resets",
          "[target]") {
  // A model check of the open-addressing shards: every outcome and the size must match a
  // std::map kept beside it, across thousands of keys, removals and a per-product clear.
  struct Model {
    uint64_t product = 0;
    ClaimTicket ticket;
    bool finished = false;
    std::string body;
  };
  IdempotencyTable table(1'000'000);
  std::map<std::string, Model> model;
  std::mt19937_64 rng(42);
  const auto now = IdempotencyTable::Clock::now();
  size_t peak = 0;
  for (int step = 0; step < 60'000; ++step) {
    const std::string key = "key-" + std::to_string(rng() % 20'000);
    const uint64_t product = 1 + rng() % 3;
    const RequestFingerprint fp{product, "u", 1};
    const auto roll = rng() % 100;
    auto it = model.find(key);
    if (roll < 60) {
      Claim c = table.claim(key, fp, now);
      if (it == model.end()) {
        REQUIRE(c.outcome == ClaimOutcome::fresh);
        model[key] = Model{product, c.ticket, false, {}};
      } else if (it->second.product != product) {
        REQUIRE(c.outcome == ClaimOutcome::reused_key);
      } else if (!it->second.finished) {
        REQUIRE(c.outcome == ClaimOutcome::in_flight);
      } else {
        REQUIRE(c.outcome == ClaimOutcome::replay);
        REQUIRE(c.body == it->second.body);
      }
    } else if (roll < 80) {
      if (it == model.end() || it->second.finished) continue;
      it->second.finished = true;
      it->second.body = "body-" + key;
      table.finish(key, it->second.ticket, 201, it->second.body);
    } else if (roll < 99) {
      if (it == model.end() || it->second.finished) continue;
      table.release(key, it->second.ticket);
      model.erase(it);
    } else if (step % 7 == 0) {
      table.clear_product(product);
      std::erase_if(model, [&](const auto& entry) { return entry.second.product == product; });
    }
    REQUIRE(table.size() == model.size());
    peak = std::max(peak, model.size());
  }
  CHECK(peak > 2'000);  // the shards grew several times over
}

TEST_CASE("a key sent to another endpoint is a reused key, not a replay of that endpoint's order",
          "[target]") {
  RouterHarness h(10);
  Reply first = h.checkout_call("safe", checkout_body(1, "u-1", 1), keyed("k-1"));
  REQUIRE(first.message.result() == http::status::created);
  Reply other = h.checkout_call("unstable", checkout_body(1, "u-1", 1), keyed("k-1"));
  CHECK(other.message.result() == http::status::unprocessable_entity);
  CHECK(other.message.body().find("\"error\":\"idempotency_key_reused\"") != std::string::npos);
  Reply replay = h.checkout_call("safe", checkout_body(1, "u-1", 1), keyed("k-1"));
  CHECK(replay.message.result() == http::status::created);
  CHECK(replay.message.body() == first.message.body());
  CHECK(h.ledger_size(1) == 1);
}
