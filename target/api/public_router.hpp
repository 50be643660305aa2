// The public listener's routes: checkout, product and ledger reads, health, metrics. A plain
// function of a request (plus the connection's executor for timers), so tests drive it
// without a socket.
//
//   PublicRouter router(checkout, store, metrics);
//   router.handle(std::move(request), io.get_executor(), [](Reply r) { ... });
//
// Thread-safe; the references must outlive the router and every request in progress.
#pragma once

#include <chrono>

#include <cstdint>
#include <optional>
#include <string_view>

#include "target/http.hpp"

namespace stampede::target {

class CheckoutService;
class Store;
class TargetMetrics;

class PublicRouter {
 public:
  PublicRouter(CheckoutService& checkout, Store& store, TargetMetrics& metrics);

  void handle(Request&& request, const Executor& executor, ReplyFn done);

 private:
  void reservation(std::string_view rest, Request&& request,
                   std::chrono::steady_clock::time_point received, const Executor& executor,
                   ReplyFn done);
  void product(uint64_t product_id, ReplyFn done);
  void orders(uint64_t product_id, ReplyFn done);
  void metrics(ReplyFn done);

  CheckoutService& checkout_;
  Store& store_;
  TargetMetrics& metrics_;
};

// The path without its query string.
std::string_view request_path(const Request& request);
// A decimal product id; nullopt for anything else (leading signs, overflow, empty).
std::optional<uint64_t> parse_product_id(std::string_view text);
Reply not_found_reply();
Reply method_not_allowed_reply(std::string_view allow);
// 503 {"error":"store_unavailable"}: a network store did not answer (agents count it info).
Reply store_unavailable_reply();

}  // namespace stampede::target
