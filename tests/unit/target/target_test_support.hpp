// Test support for stampede-target: the routers wired to real services without a socket, and
// a real server on loopback ports chosen at run time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/http_client.hpp"
#include "target/admin/admin_router.hpp"
#include "target/api/checkout_service.hpp"
#include "target/api/public_router.hpp"
#include "target/app/target_server.hpp"
#include "target/faults/fault_injector.hpp"
#include "target/idempotency/idempotency_table.hpp"
#include "target/metrics/target_metrics.hpp"
#include "target/store/memory_store.hpp"

namespace stampede::target::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline Request make_request(http::verb method, std::string target, std::string body = {},
                            const Headers& headers = {{"Content-Type", "application/json"}}) {
  Request req{method, target, 11};
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

inline std::string checkout_body(uint64_t product, std::string_view user, int quantity) {
  return "{\"product_id\":" + std::to_string(product) + ",\"user_id\":\"" + std::string(user) +
         "\",\"quantity\":" + std::to_string(quantity) + "}";
}

// Reads a streamed reply to its end.
inline std::string drain_body(Reply& reply) {
  if (!reply.body_stream) return reply.message.body();
  std::string out;
  for (;;) {
    bool more = false;
    bool ok = false;
    reply.body_stream->next([&](Chunk c) {
      ok = c.ok;
      more = c.ok && !c.data.empty();
      out.append(c.data.data(), c.data.size());
    });
    if (!ok) return out + "<stream failed>";
    if (!more) return out;
  }
}

// Every service the routers need, a MemoryStore with product 1, and an io_context for timers.
struct RouterHarness {
  explicit RouterHarness(int64_t stock = 100,
                         std::chrono::milliseconds race_window = std::chrono::milliseconds(0),
                         std::string admin_token = "secret")
      : store(MemoryStrategy::atomic_cas),
        faults([] {
          FaultSettings s;
          s.rate = 0.0;
          return s;
        }()),
        checkout(store, idempotency, faults, metrics, LabRules{race_window}),
        router(checkout, store, metrics),
        admin(std::move(admin_token), store, idempotency, faults, metrics) {
    store.reset_product(1, stock, [](ProductSnapshot) {});
  }

  // Starts a request; the reply lands in *slot when it is ready (maybe only after run()).
  void begin(Request req, std::shared_ptr<std::optional<Reply>> slot) {
    router.handle(std::move(req), io.get_executor(),
                  [slot](Reply r) { slot->emplace(std::move(r)); });
  }

  // Runs timers until the reply arrives or a generous deadline passes.
  Reply finish(const std::shared_ptr<std::optional<Reply>>& slot) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!*slot && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(50));
    }
    REQUIRE(slot->has_value());
    return std::move(**slot);
  }

  Reply call(Request req) {
    auto slot = std::make_shared<std::optional<Reply>>();
    begin(std::move(req), slot);
    return finish(slot);
  }

  Reply checkout_call(std::string_view endpoint, std::string body,
                      Headers headers = {{"Content-Type", "application/json"}}) {
    return call(make_request(http::verb::post, "/api/v1/checkout/" + std::string(endpoint),
                             std::move(body), headers));
  }

  Reply admin_call(Request req) {
    std::optional<Reply> out;
    admin.handle(std::move(req), io.get_executor(), [&](Reply r) { out.emplace(std::move(r)); });
    REQUIRE(out.has_value());
    return std::move(*out);
  }

  uint64_t ledger_size(uint64_t product = 1) {
    uint64_t n = 0;
    store.read_product(product, [&](ProductSnapshot p) { n = p.orders; });
    return n;
  }

  boost::asio::io_context io;
  MemoryStore store;
  IdempotencyTable idempotency;
  FaultInjector faults;
  TargetMetrics metrics;
  CheckoutService checkout;
  PublicRouter router;
  AdminRouter admin;
};

// A real TargetServer on 127.0.0.1 with ports chosen by the kernel.
struct LiveServer {
  explicit LiveServer(TargetOptions options) : server(options) { open(); }
  LiveServer(TargetOptions options, std::unique_ptr<Store> store)
      : server(options, std::move(store)) {
    open();
  }
  void open() {
    auto b = server.open();
    REQUIRE(b.has_value());
    bound = *b;
    server.start();
  }
  ~LiveServer() {
    server.shutdown();
    server.wait();
  }

  static TargetOptions options(int64_t stock, std::chrono::milliseconds race_window,
                               std::string token = "secret") {
    TargetOptions o;
    o.listen = HostPort{"127.0.0.1", 0};
    o.admin_listen = HostPort{"127.0.0.1", 0};
    o.admin_token = std::move(token);
    o.stock = stock;
    o.race_window = race_window;
    o.fault_rate = 0.0;
    o.threads = 4;
    return o;
  }

  HttpUrl api(std::string path) const {
    return HttpUrl{"127.0.0.1", bound.api.port(), std::move(path)};
  }
  HttpUrl admin(std::string path) const {
    return HttpUrl{"127.0.0.1", bound.admin.port(), std::move(path)};
  }

  TargetServer server;
  BoundAddresses bound;
};

inline HttpCallOptions json_call(std::string body, std::string idempotency_key = {},
                                 std::string token = {}) {
  HttpCallOptions o;
  o.body = std::move(body);
  if (!idempotency_key.empty()) o.headers.emplace_back("Idempotency-Key", idempotency_key);
  if (!token.empty()) o.headers.emplace_back("Authorization", "Bearer " + token);
  return o;
}

}  // namespace stampede::target::testing
