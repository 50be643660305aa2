// Reservations and per-user limits in the lab: the memory store's holds, and the routes under
// concurrent buyers on a real server (safe keeps every promise, buggy breaks them). The checks
// themselves are in hold_checks.hpp, shared with the network stores.
#include "hold_checks.hpp"
#include "target/store/memory_store.hpp"

using namespace stampede;
using namespace stampede::target;
using namespace stampede::target::testing;

TEST_CASE("a hold takes stock, a confirm turns it into an order with the hold's times",
          "[target][holds]") {
  MemoryStore s(MemoryStrategy::atomic_cas);
  check_hold_then_confirm(s);
}

TEST_CASE("an expired hold gives its stock back and cannot be confirmed, unless blindly",
          "[target][holds]") {
  MemoryStore s(MemoryStrategy::atomic_cas);
  check_expiry(s);
}

TEST_CASE("a per-user limit counts held and bought units, and an expiry frees them",
          "[target][holds]") {
  MemoryStore s(MemoryStrategy::mutex);
  check_limit_counts_holds(s);
}

TEST_CASE("both memory strategies keep a limit of one under 16 threads", "[target][holds]") {
  for (auto strategy : {MemoryStrategy::atomic_cas, MemoryStrategy::mutex}) {
    MemoryStore s(strategy);
    check_limit_under_threads(s);
  }
}

TEST_CASE("safe journeys sell the stock once each to distinct buyers, four tries a buyer",
          "[target][holds]") {
  LiveServer s(journey_options(20ms));
  check_safe_journeys(s);
}

TEST_CASE("buggy journeys let a buyer past the limit or sell more than the stock",
          "[target][holds]") {
  LiveServer s(journey_options(20ms));
  check_buggy_journeys(s);
}

TEST_CASE("the reservation routes answer bad requests with the documented errors",
          "[target][holds]") {
  LiveServer s(journey_options(0ms));
  auto call = [&](const std::string& method, const std::string& path, HttpCallOptions o = {}) {
    auto r = http_call(method, s.api(path), std::move(o));
    REQUIRE(r.has_value());
    return *r;
  };
  CHECK(call("POST", "/api/v1/reservations/nope", json_call(checkout_body(1, "a", 1))).status ==
        404);
  CHECK(call("GET", "/api/v1/reservations/safe").status == 405);
  CHECK(call("POST", "/api/v1/reservations/safe", json_call("{")).status == 400);
  CHECK(call("POST", "/api/v1/reservations/safe/r1-1/confirm").status == 404);
  CHECK(call("POST", "/api/v1/reservations/safe/r1-1/cancel").status == 404);
  CHECK(call("POST", "/api/v1/reservations/safe//confirm").status == 404);
  CHECK(call("GET", "/api/v1/reservations/safe/r1-1/confirm").status == 405);
  auto bad_key =
      call("POST", "/api/v1/reservations/safe/r1-1/confirm", json_call("", "bad key with spaces"));
  CHECK(bad_key.status == 400);
  CHECK(bad_key.body.find("invalid_idempotency_key") != std::string::npos);

  // A confirm replayed with its key gets the same order; another key is told it is done.
  auto r = call("POST", "/api/v1/reservations/safe", json_call(checkout_body(1, "a", 1), "k-r"));
  REQUIRE(r.status == 201);
  CHECK(
      call("POST", "/api/v1/reservations/safe", json_call(checkout_body(1, "a", 1), "k-r")).body ==
      r.body);
  const auto from = r.body.find("\"reservation_id\":\"") + 18;
  const std::string id = r.body.substr(from, r.body.find('"', from) - from);
  const std::string confirm_path = "/api/v1/reservations/safe/" + id + "/confirm";
  auto first = call("POST", confirm_path, json_call("", "k-c"));
  REQUIRE(first.status == 201);
  CHECK(call("POST", confirm_path, json_call("", "k-c")).body == first.body);
  auto again = call("POST", confirm_path, json_call("", "k-c2"));
  CHECK(again.status == 409);
  CHECK(again.body.find("already_confirmed") != std::string::npos);
  auto limit = call("POST", "/api/v1/checkout/safe", json_call(checkout_body(1, "a", 1)));
  CHECK(limit.status == 409);
  CHECK(limit.body.find("limit_reached") != std::string::npos);
}
