// The whole stampede-target service in one object: store, idempotency table, fault injector,
// metrics, the public and admin routers, and their two listeners on one pool of I/O loops. main()
// and the end-to-end tests both start it this way.
//
//   TargetServer server(options);
//   auto bound = server.open();            // binds both ports; port 0 picks free ones
//   std::cout << startup_line(*bound);
//   server.start(); server.handle_signals(); server.wait();
//
// shutdown() and wait() may be called from any thread; open(), handle_signals() and start()
// from the owning thread, in that order. The accessors are for tests.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "common/http_server/io_pool.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"
#include "target/admin/admin_router.hpp"
#include "target/api/checkout_service.hpp"
#include "target/api/public_router.hpp"
#include "target/app/options.hpp"
#include "target/faults/fault_injector.hpp"
#include "target/idempotency/idempotency_table.hpp"
#include "target/metrics/target_metrics.hpp"
#include "target/store/store.hpp"

namespace stampede::target {

struct BoundAddresses {
  boost::asio::ip::tcp::endpoint api;
  boost::asio::ip::tcp::endpoint admin;
};

// "stampede-target listening on HOST:PORT admin HOST:PORT": scripts parse this line.
std::string startup_line(const BoundAddresses& bound);

class TargetServer {
 public:
  // How long in-flight requests get to finish after shutdown() before the loop is stopped.
  static constexpr std::chrono::seconds kShutdownGrace{10};

  // With the memory store options name; main() opens network stores first (open_store) so a
  // down store is exit code 3 before anything binds.
  explicit TargetServer(const TargetOptions& options);
  TargetServer(const TargetOptions& options, std::unique_ptr<Store> store);
  ~TargetServer();  // shuts down and joins if still running
  TargetServer(const TargetServer&) = delete;
  TargetServer& operator=(const TargetServer&) = delete;

  Expected<BoundAddresses> open();
  void start();           // runs the I/O threads in the background
  void handle_signals();  // before start(): SIGINT/SIGTERM shut down; a second one kills
  void shutdown();        // stop accepting, finish in-flight requests, then stop
  void wait();            // joins the I/O threads

  Store& store() { return *store_; }
  FaultInjector& faults() { return faults_; }
  IdempotencyTable& idempotency() { return idempotency_; }

 private:
  void begin_shutdown();

  const TargetOptions options_;
  // Services first: sessions and timers hold references to them, and are destroyed with the
  // io_context declared below.
  std::unique_ptr<Store> store_;
  IdempotencyTable idempotency_;
  FaultInjector faults_;
  TargetMetrics metrics_;
  CheckoutService checkout_;
  PublicRouter public_router_;
  AdminRouter admin_router_;
  RequestHandler public_handler_;
  RequestHandler admin_handler_;
  http_server::SessionRegistry registry_;

  // Declared after the services and the registry: destroying the pool destroys the handlers
  // still queued, and with them the last sessions, which need both. Each loop keeps running
  // while a request waits on a network store (no asio operation is pending then) until the
  // sessions have drained.
  http_server::IoPool pool_;
  boost::asio::steady_timer grace_timer_;
  std::optional<boost::asio::signal_set> signals_;
  std::shared_ptr<http_server::Listener> api_listener_;
  std::shared_ptr<http_server::Listener> admin_listener_;
};

}  // namespace stampede::target
