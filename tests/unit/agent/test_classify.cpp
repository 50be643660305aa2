// Pins every rule of the integrity oracle's per-attempt classes (design.md): ok, fail, info.
#include <catch2/catch.hpp>

#include "agent/engine/classify.hpp"

using stampede::agent::classify_response;
using stampede::agent::classify_transport_failure;
using stampede::agent::ClassifyRules;
using stampede::agent::Outcome;
using stampede::agent::TransportFailure;

TEST_CASE("a 2xx with a string order id is ok and carries the id", "[agent][classify]") {
  const auto c = classify_response(201, R"({"order_id":"o-1","remaining":4})", ClassifyRules{});
  CHECK(c.outcome == Outcome::ok);
  CHECK(c.order_id == "o-1");
  CHECK_FALSE(c.sold_out);
}

TEST_CASE("a numeric order id is ok and rendered as its digits", "[agent][classify]") {
  const auto c = classify_response(200, R"({"order_id":12345})", ClassifyRules{});
  CHECK(c.outcome == Outcome::ok);
  CHECK(c.order_id == "12345");
}

TEST_CASE("the order id is read from the configured top-level field only", "[agent][classify]") {
  ClassifyRules rules;
  rules.order_id_field = "id";
  CHECK(classify_response(201, R"({"id":"x-9"})", rules).order_id == "x-9");
  // Nested fields do not count: only the top level names the order.
  const auto nested = classify_response(201, R"({"order":{"id":"x-9"}})", rules);
  CHECK(nested.outcome == Outcome::info);
  CHECK(nested.order_id.empty());
}

TEST_CASE("a 2xx without a usable order id is info", "[agent][classify]") {
  const ClassifyRules rules;
  for (const char* body :
       {R"({"remaining":3})", R"({"order_id":""})", R"({"order_id":null})",
        R"({"order_id":["o-1"]})", R"(["o-1"])", "", "not json", R"({"order_id":"o-1")"}) {
    INFO("body: " << body);
    const auto c = classify_response(201, body, rules);
    CHECK(c.outcome == Outcome::info);
    CHECK(c.order_id.empty());
  }
}

TEST_CASE("a sold-out status is a fail marked sold out", "[agent][classify]") {
  const auto c = classify_response(409, R"({"error":"sold_out"})", ClassifyRules{});
  CHECK(c.outcome == Outcome::fail);
  CHECK(c.sold_out);
}

TEST_CASE("sold-out statuses come from the rules, not a fixed list", "[agent][classify]") {
  ClassifyRules rules;
  rules.sold_out_statuses = {410, 423};
  CHECK(classify_response(410, "", rules).sold_out);
  CHECK(classify_response(423, "", rules).sold_out);
  const auto c409 = classify_response(409, "", rules);
  CHECK(c409.outcome == Outcome::fail);
  CHECK_FALSE(c409.sold_out);
  // A non-4xx status may be declared sold out too.
  rules.sold_out_statuses = {503};
  CHECK(classify_response(503, "", rules).outcome == Outcome::fail);
  CHECK(classify_response(503, "", rules).sold_out);
}

TEST_CASE("other 4xx statuses are a fail that is not sold out", "[agent][classify]") {
  for (unsigned status : {400u, 404u, 413u, 415u, 422u, 499u}) {
    INFO("status " << status);
    const auto c = classify_response(status, R"({"error":"invalid"})", ClassifyRules{});
    CHECK(c.outcome == Outcome::fail);
    CHECK_FALSE(c.sold_out);
  }
}

TEST_CASE("5xx and other statuses are info", "[agent][classify]") {
  for (unsigned status : {500u, 502u, 503u, 504u, 100u, 302u, 600u}) {
    INFO("status " << status);
    CHECK(classify_response(status, R"({"error":"injected_fault"})", ClassifyRules{}).outcome ==
          Outcome::info);
  }
}

TEST_CASE("an order id in a 2xx wins over a sold-out rule for that status", "[agent][classify]") {
  ClassifyRules rules;
  rules.sold_out_statuses = {200};
  CHECK(classify_response(200, R"({"order_id":"o-2"})", rules).outcome == Outcome::ok);
  const auto without_id = classify_response(200, R"({"error":"sold_out"})", rules);
  CHECK(without_id.outcome == Outcome::fail);
  CHECK(without_id.sold_out);
}

TEST_CASE("a refused connection is a fail; a timeout or reset after sending is info",
          "[agent][classify]") {
  const auto refused = classify_transport_failure(TransportFailure::connect_failed);
  CHECK(refused.outcome == Outcome::fail);
  CHECK_FALSE(refused.sold_out);
  CHECK(classify_transport_failure(TransportFailure::timed_out_after_send).outcome ==
        Outcome::info);
  CHECK(classify_transport_failure(TransportFailure::reset_after_send).outcome == Outcome::info);
}

TEST_CASE("without an order id field any success is a sale without an id", "[agent][classify]") {
  ClassifyRules rules;
  rules.order_id_field.clear();
  auto c = classify_response(200, R"({"status": "success"})", rules);
  CHECK(c.outcome == Outcome::ok);
  CHECK(c.order_id.empty());
  CHECK(classify_response(200, "not json at all", rules).outcome == Outcome::ok);
}

TEST_CASE("success statuses can be named instead of any 2xx", "[agent][classify]") {
  ClassifyRules rules;
  rules.order_id_field.clear();
  rules.success_statuses = {201};
  CHECK(classify_response(201, "{}", rules).outcome == Outcome::ok);
  CHECK(classify_response(200, "{}", rules).outcome == Outcome::info);
}

TEST_CASE("a sold-out status is sold out only when its body says so, given texts",
          "[agent][classify]") {
  ClassifyRules rules;
  rules.sold_out_statuses = {400};
  rules.sold_out_match = {"out of stock", "sold out"};
  auto sold = classify_response(400, R"({"detail": "Item sold out"})", rules);
  CHECK(sold.outcome == Outcome::fail);
  CHECK(sold.sold_out);
  auto invalid = classify_response(400, R"({"detail": "quantity must be positive"})", rules);
  CHECK(invalid.outcome == Outcome::fail);
  CHECK_FALSE(invalid.sold_out);
}

TEST_CASE("the remaining field is read from a sale's body", "[agent][classify]") {
  ClassifyRules rules;
  rules.order_id_field.clear();
  rules.remaining_field = "remaining_stock";
  CHECK(classify_response(200, R"({"status":"success","remaining_stock":41})", rules).remaining ==
        41);
  CHECK(classify_response(200, R"({"remaining_stock":"41"})", rules).remaining ==
        stampede::kNoRemaining);
  CHECK(classify_response(200, R"({"other":1})", rules).remaining == stampede::kNoRemaining);
  CHECK(classify_response(200, R"([1,2])", rules).remaining == stampede::kNoRemaining);
  // Only sales carry it: a sold-out answer's figure is not read.
  CHECK(classify_response(409, R"({"remaining_stock":0})", rules).remaining ==
        stampede::kNoRemaining);
}
