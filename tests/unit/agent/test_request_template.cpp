// Pins the request bytes the engine sends: placeholders filled everywhere, framing its own.
#include <catch2/catch.hpp>

#include "agent/engine/journey.hpp"
#include "agent/engine/request_template.hpp"

using stampede::HttpUrl;
using stampede::agent::RequestTemplate;

namespace {

stampede::v1::HttpRequestSpec checkout_spec() {
  stampede::v1::HttpRequestSpec spec;
  spec.set_target_url("http://127.0.0.1:8080");
  spec.set_method("POST");
  spec.set_path("/api/v1/checkout/safe?u=${user_id}");
  auto* key = spec.add_headers();
  key->set_name("Idempotency-Key");
  key->set_value("${key}");
  spec.set_body_template(R"({"product_id": 1, "user_id": "${user_id}", "quantity": 1})");
  return spec;
}

std::string filled(const stampede::v1::HttpRequestSpec& spec, std::string_view user,
                   std::string_view key) {
  auto url = HttpUrl::parse(spec.target_url());
  REQUIRE(url);
  auto t = RequestTemplate::create(spec, *url);
  REQUIRE(t);
  std::string out = "stale bytes from the previous attempt";
  t->fill(out, user, key);
  return out;
}

}  // namespace

TEST_CASE("a filled request has the placeholders replaced in path, headers and body",
          "[agent][request]") {
  CHECK(filled(checkout_spec(), "u-17", "run.42") ==
        "POST /api/v1/checkout/safe?u=u-17 HTTP/1.1\r\n"
        "Host: 127.0.0.1:8080\r\n"
        "Content-Type: application/json\r\n"
        "Idempotency-Key: run.42\r\n"
        "Content-Length: 51\r\n"
        "\r\n"
        R"({"product_id": 1, "user_id": "u-17", "quantity": 1})");
}

TEST_CASE("Content-Length follows the filled body's length", "[agent][request]") {
  auto spec = checkout_spec();
  spec.set_body_template("${key}|${key}|${user_id}");
  const std::string out = filled(spec, "u-1234567", "k.1");
  CHECK(out.find("Content-Length: 17\r\n\r\nk.1|k.1|u-1234567") != std::string::npos);
}

TEST_CASE("a fill reuses the buffer's capacity once it is large enough", "[agent][request]") {
  const auto spec = checkout_spec();
  auto t = RequestTemplate::create(spec, *HttpUrl::parse(spec.target_url()));
  REQUIRE(t);
  std::string out;
  t->fill(out, "u-1", "run.1");
  const auto* storage = out.data();
  t->fill(out, "u-2", "run.2");
  CHECK(out.data() == storage);
  CHECK(out.find("Idempotency-Key: run.2\r\n") != std::string::npos);
}

TEST_CASE("unknown placeholders and a lone '${' stay literal", "[agent][request]") {
  auto spec = checkout_spec();
  spec.set_body_template("${endpoint} ${key ${user_id}");
  const std::string out = filled(spec, "u-1", "k.0");
  CHECK(out.ends_with("\r\n\r\n${endpoint} ${key u-1"));
}

TEST_CASE("defaults: POST, the URL's path, and an empty body of length 0", "[agent][request]") {
  stampede::v1::HttpRequestSpec spec;
  spec.set_target_url("http://example.test/buy");
  CHECK(filled(spec, "u-1", "k.0") ==
        "POST /buy HTTP/1.1\r\nHost: example.test:80\r\nContent-Type: application/json\r\n"
        "Content-Length: 0\r\n\r\n");
}

TEST_CASE("a Host or Content-Type header replaces the engine's default", "[agent][request]") {
  auto spec = checkout_spec();
  auto* host = spec.add_headers();
  host->set_name("host");
  host->set_value("shop.example");
  auto* type = spec.add_headers();
  type->set_name("Content-Type");
  type->set_value("text/plain");
  const std::string out = filled(spec, "u-1", "k.0");
  CHECK(out.find("Host: shop.example\r\n") != std::string::npos);
  CHECK(out.find("Content-Type: text/plain\r\n") != std::string::npos);
  CHECK(out.find("127.0.0.1") == std::string::npos);
  CHECK(out.find("application/json") == std::string::npos);
}

TEST_CASE("a spec that would corrupt the request framing is rejected", "[agent][request]") {
  const auto url = *HttpUrl::parse("http://127.0.0.1:8080");
  SECTION("a header value with a line break") {
    auto spec = checkout_spec();
    spec.mutable_headers(0)->set_value("k\r\nX-Evil: 1");
    CHECK_FALSE(RequestTemplate::create(spec, url));
  }
  SECTION("a header name that is not a token") {
    auto spec = checkout_spec();
    spec.mutable_headers(0)->set_name("Bad Name");
    CHECK_FALSE(RequestTemplate::create(spec, url));
  }
  SECTION("a Content-Length header") {
    auto spec = checkout_spec();
    spec.mutable_headers(0)->set_name("content-length");
    auto t = RequestTemplate::create(spec, url);
    REQUIRE_FALSE(t);
    CHECK(t.error().find("set by the engine") != std::string::npos);
  }
  SECTION("a path with a space or without a leading slash") {
    auto spec = checkout_spec();
    spec.set_path("/a b");
    CHECK_FALSE(RequestTemplate::create(spec, url));
    spec.set_path("checkout");
    CHECK_FALSE(RequestTemplate::create(spec, url));
  }
  SECTION("a method that is not a token") {
    auto spec = checkout_spec();
    spec.set_method("PO ST");
    CHECK_FALSE(RequestTemplate::create(spec, url));
  }
}

TEST_CASE("a connection per attempt says Connection: close, once, unless the spec says otherwise",
          "[agent][request]") {
  auto spec = checkout_spec();
  CHECK(filled(spec, "u-1", "k").find("Connection:") == std::string::npos);
  spec.set_connection_per_attempt(true);
  const std::string closing = filled(spec, "u-1", "k");
  CHECK(closing.find("Connection: close\r\n") != std::string::npos);
  CHECK(closing.find("Connection:") == closing.rfind("Connection:"));
  auto* own = spec.add_headers();
  own->set_name("connection");
  own->set_value("keep-alive");
  const std::string own_choice = filled(spec, "u-1", "k");
  CHECK(own_choice.find("connection: keep-alive\r\n") != std::string::npos);
  CHECK(own_choice.find("Connection: close") == std::string::npos);
}

TEST_CASE("data columns fill their ${column} slots; unknown names stay as written",
          "[agent][request]") {
  stampede::v1::HttpRequestSpec spec;
  spec.set_target_url("http://127.0.0.1:8080");
  spec.set_path("/api/v1/reservations/safe/${hold}");
  auto* auth = spec.add_headers();
  auth->set_name("Authorization");
  auth->set_value("Bearer ${token}");
  spec.set_body_template(R"({"user":"${user_id}","tier":"${tier}","x":"${nope}","k":"${key}"})");
  auto url = HttpUrl::parse(spec.target_url());
  REQUIRE(url);
  auto t = RequestTemplate::create(spec, *url, {"token", "tier"});
  REQUIRE(t);
  const std::string_view values[] = {"buyer-7", "run.3", "tok-0007", "gold"};
  std::string out;
  t->fill(out, values);
  const std::string body = R"({"user":"buyer-7","tier":"gold","x":"${nope}","k":"run.3"})";
  CHECK(out ==
        "POST /api/v1/reservations/safe/${hold} HTTP/1.1\r\n"
        "Host: 127.0.0.1:8080\r\n"
        "Content-Type: application/json\r\n"
        "Authorization: Bearer tok-0007\r\n"
        "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  // A value longer or shorter than before: the length follows it.
  const std::string_view other[] = {"b", "k", "t", ""};
  t->fill(out, other);
  CHECK(out.ends_with(R"({"user":"b","tier":"","x":"${nope}","k":"k"})"));
}

TEST_CASE("a journey's steps fill their captures and keys from the user's values",
          "[agent][request][journey]") {
  stampede::v1::HttpRequestSpec spec;
  spec.set_target_url("http://127.0.0.1:8080");
  auto* reserve = spec.add_flow();
  reserve->set_name("reserve");
  reserve->set_method("POST");
  reserve->set_path("/r");
  reserve->set_body_template(R"({"u":"${user_id}","t":"${token}"})");
  auto* c = reserve->add_captures();
  c->set_name("hold");
  c->set_field("reservation_id");
  reserve->add_accept_statuses(201);
  reserve->set_takes_stock(true);
  auto* confirm = spec.add_flow();
  confirm->set_name("confirm");
  confirm->set_method("POST");
  confirm->set_path("/r/${hold}/confirm?k=${key}");
  confirm->set_purchase(true);
  auto url = HttpUrl::parse(spec.target_url());
  REQUIRE(url);
  auto journey = stampede::agent::Journey::create(spec, *url, {"token"});
  REQUIRE(journey);
  REQUIRE(journey->steps().size() == 2);
  CHECK(journey->capture_count() == 1);
  CHECK(journey->capture_value(0) == 3);  // user id, key, token, then hold
  const auto& first = journey->steps()[0];
  CHECK(first.accepts(201));
  CHECK_FALSE(first.accepts(200));
  CHECK(journey->steps()[1].accepts(200));  // no list: any 2xx
  CHECK_FALSE(journey->steps()[1].accepts(302));
  const std::string_view values[] = {"b1", "run.7", "tok", "r1-9"};
  std::string out;
  journey->steps()[1].request.fill(out, values);
  CHECK(out.starts_with("POST /r/r1-9/confirm?k=run.7 HTTP/1.1\r\n"));

  confirm->set_purchase(false);  // a flow whose last step is not the sale is refused
  CHECK_FALSE(stampede::agent::Journey::create(spec, *url, {"token"}));
}
