// Pins the order-id fast path to boost::json: wherever the scanner answers, its answer is the
// full parser's; and the plain answers checkouts give are answered without the parser.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "agent/engine/acknowledged_orders.hpp"
#include "agent/engine/order_id_scan.hpp"

using stampede::agent::AcknowledgedOrders;
using stampede::agent::OrderIdScan;
using stampede::agent::scan_order_id;

namespace {

// The reference: boost::json's answer, which classification asks when the scanner is unsure.
std::optional<std::string> boost_order_id(std::string_view body, const std::string& field) {
  std::string id;
  if (!stampede::agent::parse_order_id(body, field, id)) return std::nullopt;
  return id;
}

// Checks the scanner against the reference on `body`; returns what the scanner said.
OrderIdScan check_against_boost(std::string_view body, const std::string& field = "order_id") {
  std::string id = "left alone";
  const auto scanned = scan_order_id(body, field, id);
  const auto reference = boost_order_id(body, field);
  INFO("body: " << body);
  switch (scanned) {
    case OrderIdScan::found:
      REQUIRE(reference.has_value());
      CHECK(id == *reference);
      break;
    case OrderIdScan::absent:
      CHECK_FALSE(reference.has_value());
      CHECK(id == "left alone");
      break;
    case OrderIdScan::unsure:
      CHECK(id == "left alone");
      break;
  }
  return scanned;
}

}  // namespace

TEST_CASE("plain checkout answers are read without the full parser", "[agent][classify]") {
  for (const char* body : {
           R"({"order_id":"o-1","remaining":4})",
           R"({"order_id": "8390c1abc86afe4d0c2473da7c2c8ecf", "product_id": 1, "remaining": 41})",
           R"( { "remaining" : [1, 2.5, -3e-2, {"a": null}], "order_id" : 12345 } )",
           "{\"ok\":true,\n\t\"order_id\":\"x\",\"n\":false}\r\n",
           R"({"order_id":0})",
           R"({"order_id":999999999999999999})",
       }) {
    CHECK(check_against_boost(body) == OrderIdScan::found);
  }
}

TEST_CASE("valid answers without a usable id are absent, as boost::json says",
          "[agent][classify]") {
  for (const char* body :
       {R"({"remaining":3})", R"({"order_id":""})", R"({"order_id":null})",
        R"({"order_id":["o-1"]})", R"({"order_id":{"id":"o-1"}})", R"({"order_id":true})",
        R"(["o-1"])", R"("o-1")", "42", "null", "{}", R"({"order":{"order_id":"o-1"}})"}) {
    CHECK(check_against_boost(body) == OrderIdScan::absent);
  }
}

TEST_CASE("anything outside the fast path is left to boost::json", "[agent][classify]") {
  for (const char* body : {
           // invalid JSON: the parser's call, whatever it is
           "",
           "not json",
           R"({"order_id":"o-1")",
           R"({"order_id":"o-1",})",
           R"({"order_id":01})",
           R"({"order_id":"o-1"} x)",
           R"({'order_id':'o-1'})",
           R"({"order_id":1.})",
           R"({"order_id":-})",
           R"({"order_id":tru})",
           "{\"order_id\":\"a\tb\"}",
           R"({"order_id":"o-1" /* c */})",
           // valid, but rendered anew or decoded by the parser
           R"({"order_id":"o\u002d1"})",
           R"({"order_id":"o\"1"})",
           "{\"order_id\":\"\xc3\xa9\"}",
           R"({"order_id":-0})",
           R"({"order_id":-7})",
           R"({"order_id":1.5})",
           R"({"order_id":1e3})",
           R"({"order_id":1234567890123456789})",
           R"({"order_id":"a","order_id":"b"})",
           // an exponent boost::json refuses as overflowing (found by fuzz_order_id_scan)
           R"({"order_id":333,"o":35E3333333333445})",
           R"({"order\u005fid":"o-1"})",
           R"({"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]],"order_id":"o-1"})",
       }) {
    CHECK(check_against_boost(body) == OrderIdScan::unsure);
  }
}

TEST_CASE("the scanner reads the configured field", "[agent][classify]") {
  CHECK(check_against_boost(R"({"id":"x-9","order_id":"o-1"})", "id") == OrderIdScan::found);
  CHECK(check_against_boost(R"({"order_id":"o-1"})", "id") == OrderIdScan::absent);
}

TEST_CASE("acknowledged orders keep every pair, and clear keeps their buffers",
          "[agent][classify]") {
  AcknowledgedOrders orders;
  const std::string long_id(100, 'z');
  orders.push(3, "o-3");
  orders.push(9, "");
  orders.push(12, long_id);
  REQUIRE(orders.size() == 3);
  CHECK(orders[0] == AcknowledgedOrders::value_type{3, "o-3"});
  CHECK(orders[1] == AcknowledgedOrders::value_type{9, ""});
  CHECK(orders[2] == AcknowledgedOrders::value_type{12, long_id});

  AcknowledgedOrders more;
  more.push(20, "o-20");
  more.append(orders);
  std::vector<std::pair<uint64_t, std::string>> seen;
  for (const auto& [seq, order_id] : more) seen.emplace_back(seq, std::string(order_id));
  CHECK(seen == std::vector<std::pair<uint64_t, std::string>>{
                    {20, "o-20"}, {3, "o-3"}, {9, ""}, {12, long_id}});

  more.swap(orders);
  CHECK(orders.size() == 4);
  CHECK(more.size() == 3);
  orders.clear();
  CHECK(orders.empty());
  orders.push(1, "o-1");
  CHECK(orders[0] == AcknowledgedOrders::value_type{1, "o-1"});
}
