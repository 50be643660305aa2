// Checkout request validation: each refusal's status and error code, and that nothing is bought.
#include <catch2/catch.hpp>
#include <string>

#include "target/api/checkout_request.hpp"
#include "target_test_support.hpp"

using namespace stampede::target;
using namespace stampede::target::testing;

namespace {

// Asserts the status and the error code, and that the refusal bought nothing.
void require_refused(RouterHarness& h, Reply reply, http::status status, std::string_view error) {
  CHECK(reply.message.result() == status);
  CHECK(reply.message.body().find("\"error\":\"" + std::string(error) + "\"") != std::string::npos);
  CHECK(reply.message.body().find("\"detail\":") != std::string::npos);
  CHECK(h.ledger_size() == 0);
}

}  // namespace

TEST_CASE("a valid checkout buys and answers 201 with order id and remaining stock", "[target]") {
  RouterHarness h(100);
  Reply r = h.checkout_call("safe", checkout_body(1, "u-17", 3));
  CHECK(r.message.result() == http::status::created);
  CHECK(r.message.body().find("\"order_id\":\"o-") != std::string::npos);
  CHECK(r.message.body().find("\"remaining\":97") != std::string::npos);
  CHECK(h.ledger_size() == 1);
}

TEST_CASE("malformed JSON is 400 malformed_json", "[target]") {
  RouterHarness h;
  require_refused(h, h.checkout_call("safe", "{\"product_id\":1,"), http::status::bad_request,
                  "malformed_json");
}

TEST_CASE("a bad Idempotency-Key is 400 invalid_idempotency_key", "[target]") {
  RouterHarness h;
  const std::string body = checkout_body(1, "u-1", 1);
  for (const std::string& key : {std::string(), std::string("has space"), std::string("semi;colon"),
                                 std::string(256, 'k')}) {
    require_refused(
        h,
        h.checkout_call("safe", body,
                        {{"Content-Type", "application/json"}, {"Idempotency-Key", key}}),
        http::status::bad_request, "invalid_idempotency_key");
  }
  // The longest legal key, with every allowed punctuation mark, is accepted.
  const std::string longest = "aZ09._:-" + std::string(247, 'x');
  Reply ok = h.checkout_call("safe", body,
                             {{"Content-Type", "application/json"}, {"Idempotency-Key", longest}});
  CHECK(ok.message.result() == http::status::created);
}

TEST_CASE("a body over 16 KiB is 413 body_too_large", "[target]") {
  RouterHarness h;
  std::string body = checkout_body(1, "u-1", 1);
  body.insert(body.size() - 1, ",\"pad\":\"" + std::string(16 * 1024, 'p') + "\"");
  require_refused(h, h.checkout_call("safe", body), http::status::payload_too_large,
                  "body_too_large");
}

TEST_CASE("a missing or non-JSON Content-Type is 415, a charset parameter is fine", "[target]") {
  RouterHarness h;
  const std::string body = checkout_body(1, "u-1", 1);
  require_refused(h, h.checkout_call("safe", body, {}), http::status::unsupported_media_type,
                  "unsupported_media_type");
  require_refused(h, h.checkout_call("safe", body, {{"Content-Type", "text/plain"}}),
                  http::status::unsupported_media_type, "unsupported_media_type");
  Reply ok = h.checkout_call("safe", body, {{"Content-Type", "Application/JSON; charset=utf-8"}});
  CHECK(ok.message.result() == http::status::created);
}

TEST_CASE("each missing, mistyped or out-of-range field is 422 naming the field", "[target]") {
  RouterHarness h;
  struct Case {
    std::string body;
    std::string_view error;
  };
  const std::string long_user(129, 'u');
  const Case cases[] = {
      {"[1,2]", "invalid_body"},
      {R"({"user_id":"u","quantity":1})", "invalid_product_id"},
      {R"({"product_id":"1","user_id":"u","quantity":1})", "invalid_product_id"},
      {R"({"product_id":1.0,"user_id":"u","quantity":1})", "invalid_product_id"},
      {R"({"product_id":0,"user_id":"u","quantity":1})", "invalid_product_id"},
      {R"({"product_id":1,"quantity":1})", "invalid_user_id"},
      {R"({"product_id":1,"user_id":17,"quantity":1})", "invalid_user_id"},
      {R"({"product_id":1,"user_id":"","quantity":1})", "invalid_user_id"},
      {R"({"product_id":1,"user_id":")" + long_user + R"(","quantity":1})", "invalid_user_id"},
      {R"({"product_id":1,"user_id":"u"})", "invalid_quantity"},
      {R"({"product_id":1,"user_id":"u","quantity":0})", "invalid_quantity"},
      {R"({"product_id":1,"user_id":"u","quantity":101})", "invalid_quantity"},
      {R"({"product_id":1,"user_id":"u","quantity":"1"})", "invalid_quantity"},
      {R"({"product_id":1,"user_id":"u","quantity":18446744073709551615})", "invalid_quantity"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    require_refused(h, h.checkout_call("safe", c.body), http::status::unprocessable_entity,
                    c.error);
  }
  // The boundaries themselves are legal: 128-byte user id, quantity 100.
  Reply ok = h.checkout_call("safe", checkout_body(1, std::string(128, 'u'), 100));
  CHECK(ok.message.result() == http::status::created);
}

TEST_CASE("an unknown product is 404 unknown_product on every endpoint", "[target]") {
  RouterHarness h;
  for (std::string_view endpoint : {"buggy", "unstable", "safe"}) {
    require_refused(h, h.checkout_call(endpoint, checkout_body(999, "u-1", 1)),
                    http::status::not_found, "unknown_product");
  }
}

TEST_CASE("not enough stock is 409 sold_out and buys nothing", "[target]") {
  RouterHarness h(2);
  for (std::string_view endpoint : {"buggy", "unstable", "safe"}) {
    Reply r = h.checkout_call(endpoint, checkout_body(1, "u-1", 3));
    CHECK(r.message.result() == http::status::conflict);
    CHECK(r.message.body().find("\"error\":\"sold_out\"") != std::string::npos);
  }
  CHECK(h.ledger_size() == 0);
}

TEST_CASE("unknown routes are 404 and wrong methods 405, both JSON", "[target]") {
  RouterHarness h;
  CHECK(h.call(make_request(http::verb::get, "/nope")).message.result() == http::status::not_found);
  CHECK(h.call(make_request(http::verb::post, "/api/v1/checkout/fast", "{}")).message.result() ==
        http::status::not_found);
  CHECK(h.call(make_request(http::verb::get, "/api/v1/products/abc")).message.result() ==
        http::status::not_found);
  Reply wrong = h.call(make_request(http::verb::get, "/api/v1/checkout/safe"));
  CHECK(wrong.message.result() == http::status::method_not_allowed);
  CHECK(wrong.message[http::field::allow] == "POST");
  CHECK(wrong.message.body().find("\"error\":\"method_not_allowed\"") != std::string::npos);
  CHECK(h.call(make_request(http::verb::post, "/health")).message.result() ==
        http::status::method_not_allowed);
}

TEST_CASE("the product route reports initial stock, stock and order count", "[target]") {
  RouterHarness h(10);
  h.checkout_call("safe", checkout_body(1, "u-1", 4));
  Reply r = h.call(make_request(http::verb::get, "/api/v1/products/1?x=1"));
  CHECK(r.message.result() == http::status::ok);
  CHECK(r.message.body() == R"({"product_id":1,"initial_stock":10,"stock":6,"orders":1,"held":0,)"
                            R"("holds":{"placed":0,"confirmed":0,"expired":0,"open":0}})");
  CHECK(h.call(make_request(http::verb::get, "/api/v1/products/2")).message.result() ==
        http::status::not_found);
}

TEST_CASE("the ledger route streams one escaped NDJSON line per order", "[target]") {
  RouterHarness h(5000);
  const int kOrders = 2500;  // more than two store pages
  for (int i = 0; i < kOrders; ++i) {
    h.checkout_call(i % 2 ? "safe" : "buggy", checkout_body(1, "u-" + std::to_string(i), 1));
  }
  h.checkout_call("safe", checkout_body(1, R"(q\"uote)", 1),
                  {{"Content-Type", "application/json"}, {"Idempotency-Key", "key-1"}});
  Reply r = h.call(make_request(http::verb::get, "/api/v1/products/1/orders"));
  CHECK(r.message.result() == http::status::ok);
  CHECK(r.message[http::field::content_type] == "application/x-ndjson");
  REQUIRE(r.body_stream != nullptr);
  const std::string body = drain_body(r);
  CHECK(std::count(body.begin(), body.end(), '\n') == kOrders + 1);
  CHECK(body.find(R"("idempotency_key":"","endpoint":"buggy","user_id":"u-0"})") !=
        std::string::npos);
  CHECK(body.find(R"("idempotency_key":"key-1","endpoint":"safe","user_id":"q\"uote"})") !=
        std::string::npos);
}

TEST_CASE("a reset during a ledger stream fails the stream instead of mixing ledgers", "[target]") {
  RouterHarness h(5000);
  for (int i = 0; i < 1500; ++i) h.checkout_call("safe", checkout_body(1, "u", 1));
  Reply r = h.call(make_request(http::verb::get, "/api/v1/products/1/orders"));
  REQUIRE(r.body_stream != nullptr);
  bool first_ok = false;
  r.body_stream->next([&](Chunk c) { first_ok = c.ok && !c.data.empty(); });
  CHECK(first_ok);
  h.store.reset_product(1, 10, [](ProductSnapshot) {});
  bool second_failed = false;
  r.body_stream->next([&](Chunk c) { second_failed = !c.ok; });
  CHECK(second_failed);
}
