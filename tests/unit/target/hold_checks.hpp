// Reservation and per-user-limit checks shared by every store that keeps holds: the store-level
// promises (hold, confirm, expiry, limits under threads) and the HTTP journeys of buggy and safe.
// test_reservations.cpp runs them on memory, test_target_stores.cpp on redis-lua and postgresql.
//
//   check_hold_then_confirm(store);                 // store: reset by the check itself
//   check_safe_journeys(server);                    // a LiveServer with journey_options()
#pragma once

#include <catch2/catch.hpp>
#include <future>
#include <latch>
#include <map>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "target/store/store.hpp"
#include "target_test_support.hpp"

namespace stampede::target::testing {

using namespace std::chrono_literals;

// The store's answer, whether it comes inline (memory) or later from a store thread.
template <class T, class Call>
T answer(Call call) {
  std::promise<T> promise;
  call([&promise](T v) { promise.set_value(std::move(v)); });
  return promise.get_future().get();
}

inline PurchaseRequest buyer(std::string_view user, uint32_t limit = 0, uint32_t quantity = 1) {
  PurchaseRequest r;
  r.product_id = 1;
  r.quantity = quantity;
  r.user_id = user;
  r.per_user_limit = limit;
  return r;
}

inline HoldOutcome hold(Store& s, std::string_view user, std::chrono::milliseconds ttl,
                        uint32_t limit = 0) {
  return answer<HoldOutcome>([&](auto done) {
    s.place_hold(HoldRequest{buyer(user, limit), ttl, false, 0}, done);
  });
}

inline PurchaseOutcome confirm(Store& s, std::string_view id, bool blind = false) {
  return answer<PurchaseOutcome>([&](auto done) {
    s.confirm_hold(ConfirmRequest{id, "", Endpoint::safe, blind}, done);
  });
}

inline ProductSnapshot snapshot(Store& s) {
  return answer<ProductSnapshot>([&](auto done) { s.read_product(1, done); });
}

inline void reset(Store& s, int64_t stock) {
  const ProductSnapshot p =
      answer<ProductSnapshot>([&](auto done) { s.reset_product(1, stock, done); });
  REQUIRE(p.found);
}

// Polls the product until held reaches 0: expiry is lazy and wall-clock based.
inline bool wait_for_no_holds(Store& s, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (snapshot(s).held == 0) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// a hold takes stock, a confirm turns it into an order with the hold's times.
inline void check_hold_then_confirm(Store& s) {
  reset(s, 2);
  const HoldOutcome h = hold(s, "ann", 60s);
  REQUIRE(h.status == PurchaseStatus::bought);
  CHECK(h.remaining == 1);
  CHECK(h.reservation_id.starts_with("r1-"));
  CHECK(h.expires_ms > unix_ms_now() + 50'000);
  ProductSnapshot p = snapshot(s);
  CHECK(p.stock == 1);
  CHECK(p.held == 1);
  CHECK(p.holds.open == 1);

  const PurchaseOutcome o = confirm(s, h.reservation_id);
  REQUIRE(o.status == PurchaseStatus::bought);
  CHECK(o.product_id == 1);
  p = snapshot(s);
  CHECK(p.held == 0);
  CHECK(p.orders == 1);
  CHECK(p.stock + p.held + static_cast<int64_t>(p.orders) == p.initial_stock);
  CHECK(p.holds.confirmed == 1);

  const auto page = answer<OrdersPage>([&](auto done) { s.read_orders(1, 0, 10, done); });
  REQUIRE(page.orders.size() == 1);
  const HoldRecord& rec = page.orders[0].hold;
  CHECK(rec.reservation_id == h.reservation_id);
  CHECK(rec.expires_ms == h.expires_ms);
  CHECK(rec.placed_ms <= rec.confirmed_ms);
  CHECK(rec.confirmed_ms < rec.expires_ms);
  CHECK(page.orders[0].user_id == "ann");

  CHECK(confirm(s, h.reservation_id).status == PurchaseStatus::already_confirmed);
  CHECK(confirm(s, "r1-999999").status == PurchaseStatus::unknown_reservation);
  CHECK(confirm(s, "not-an-id").status == PurchaseStatus::unknown_reservation);
  CHECK(confirm(s, "r7-1").status == PurchaseStatus::unknown_reservation);
}

// an expired hold gives its stock back and cannot be confirmed, unless blindly.
inline void check_expiry(Store& s) {
  reset(s, 1);
  // Long enough that the next call surely meets it open, even on a loaded machine and a network
  // store; the wait below ends as soon as it expires.
  const HoldOutcome h = hold(s, "ann", 1s);
  REQUIRE(h.status == PurchaseStatus::bought);
  CHECK(hold(s, "bob", 60s).status == PurchaseStatus::sold_out);  // ann's hold has it
  REQUIRE(wait_for_no_holds(s, 5s));
  ProductSnapshot p = snapshot(s);
  CHECK(p.stock == 1);
  CHECK(p.holds.expired == 1);
  CHECK(confirm(s, h.reservation_id).status == PurchaseStatus::expired);
  CHECK(snapshot(s).orders == 0);

  // Buggy's confirm: the stock went back at expiry and the order is made anyway.
  CHECK(confirm(s, h.reservation_id, true).status == PurchaseStatus::bought);
  p = snapshot(s);
  CHECK(p.orders == 1);
  CHECK(p.stock == 1);  // sold and still on the shelf: the oversell a confirm race makes
}

// a per-user limit counts held and bought units, and an expiry frees them.
inline void check_limit_counts_holds(Store& s) {
  reset(s, 10);
  const HoldOutcome h = hold(s, "ann", 1s, 2);  // open for the five calls below, then expires
  REQUIRE(h.status == PurchaseStatus::bought);
  const auto buy = [&](std::string_view user) {
    return answer<PurchaseOutcome>([&](auto done) { s.purchase(buyer(user, 2), done); });
  };
  CHECK(buy("ann").status == PurchaseStatus::bought);
  CHECK(buy("ann").status == PurchaseStatus::limit_reached);
  CHECK(hold(s, "ann", 60s, 2).status == PurchaseStatus::limit_reached);
  CHECK(buy("bob").status == PurchaseStatus::bought);
  REQUIRE(wait_for_no_holds(s, 5s));
  CHECK(buy("ann").status == PurchaseStatus::bought);  // the expired hold's unit is free again
  CHECK(buy("ann").status == PurchaseStatus::limit_reached);

  const auto reading =
      answer<StockReading>([&](auto done) { s.read_stock_for_user(1, "ann", done); });
  CHECK(reading.user_units == 2);
  CHECK(reading.stock == 7);

  reset(s, 10);
  CHECK(buy("ann").status == PurchaseStatus::bought);
  const ProductSnapshot p = snapshot(s);
  CHECK(p.holds.placed == 0);
  CHECK(p.held == 0);
}

// 16 threads buy or hold for the same 50 users at once under a limit of one: each user gets
// exactly one unit.
inline void check_limit_under_threads(Store& s) {
  reset(s, 1000);
  std::atomic<int> bought{0}, answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string user = "u-" + std::to_string(i);
        auto done = [&](auto o) {
          if (o.status == PurchaseStatus::bought) ++bought;
          ++answered;
        };
        if (t % 2 == 0) {
          s.purchase(buyer(user, 1), done);
        } else {
          s.place_hold(HoldRequest{buyer(user, 1), 60s, false, 0}, done);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // A network store answers from its own threads, after the callers returned.
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (answered < 16 * 50 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(2ms);
  }
  REQUIRE(answered == 16 * 50);
  CHECK(bought == 50);  // one unit for each of the 50 users
}

struct Journey {
  int status = 0;  // the confirm's status, or the reserve's when it failed
  std::string user;
};

// Every buyer reserves then confirms, all together.
inline std::vector<Journey> journeys(const LiveServer& s, const std::string& endpoint, int buyers,
                                     int users) {
  std::vector<Journey> out(static_cast<size_t>(buyers));
  std::latch go(buyers);
  std::vector<std::thread> threads;
  for (int i = 0; i < buyers; ++i) {
    threads.emplace_back([&, i] {
      Journey& j = out[static_cast<size_t>(i)];
      j.user = "buyer-" + std::to_string(i % users);
      go.arrive_and_wait();
      auto r = http_call("POST", s.api("/api/v1/reservations/" + endpoint),
                         json_call(checkout_body(1, j.user, 1)));
      if (!r) return;
      j.status = r->status;
      if (r->status != 201) return;
      const auto at = r->body.find("\"reservation_id\":\"");
      REQUIRE(at != std::string::npos);
      const auto from = at + 18;
      const std::string id = r->body.substr(from, r->body.find('"', from) - from);
      auto c = http_call("POST", s.api("/api/v1/reservations/" + endpoint + "/" + id + "/confirm"),
                         HttpCallOptions{});
      j.status = c ? c->status : 0;
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

inline std::map<std::string, int> orders_per_user(const LiveServer& s) {
  auto r = http_call("GET", s.api("/api/v1/products/1/orders"), {});
  REQUIRE(r.has_value());
  std::map<std::string, int> per_user;
  size_t at = 0;
  while ((at = r->body.find("\"user_id\":\"", at)) != std::string::npos) {
    at += 11;
    ++per_user[r->body.substr(at, r->body.find('"', at) - at)];
  }
  return per_user;
}

inline TargetOptions journey_options(std::chrono::milliseconds race_window) {
  TargetOptions o = LiveServer::options(40, race_window);
  o.per_user_limit = 1;
  o.hold_ttl = 60s;
  return o;
}

// On a server with journey_options(20ms): 240 buyers, four for each of 60 users, reserve then
// confirm on safe; exactly the stock is sold, once to each of 40 users, and no hold is left.
inline void check_safe_journeys(const LiveServer& s) {
  const auto done = journeys(s, "safe", 240, 60);
  int confirmed = 0;
  for (const auto& j : done) confirmed += j.status == 201;
  CHECK(confirmed == 40);
  for (const auto& [user, n] : orders_per_user(s)) {
    INFO(user);
    CHECK(n == 1);
  }
  auto p = http_call("GET", s.api("/api/v1/products/1"), {});
  REQUIRE(p.has_value());
  INFO(p->body);
  CHECK(p->body.find("\"stock\":0,") != std::string::npos);
  CHECK(p->body.find("\"held\":0,") != std::string::npos);
  CHECK(p->body.find("\"confirmed\":40,") != std::string::npos);
}

// The same on buggy: a buyer gets past the limit, or more than the stock is sold.
inline void check_buggy_journeys(const LiveServer& s) {
  journeys(s, "buggy", 240, 60);
  const auto per_user = orders_per_user(s);
  int orders = 0, over_limit = 0;
  for (const auto& [user, n] : per_user) {
    orders += n;
    over_limit += n > 1;
  }
  INFO("orders " << orders << " users over the limit " << over_limit);
  CHECK((orders > 40 || over_limit > 0));
}

}  // namespace stampede::target::testing
