// TargetServer: wiring and the start/stop life cycle.
#include "target/app/target_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "target/store/memory_store.hpp"

namespace stampede::target {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string startup_line(const BoundAddresses& bound) {
  return "stampede-target listening on " + http_server::format_endpoint(bound.api) + " admin " +
         http_server::format_endpoint(bound.admin);
}

TargetServer::TargetServer(const TargetOptions& options)
    : TargetServer(options, std::make_unique<MemoryStore>(options.strategy)) {}

TargetServer::TargetServer(const TargetOptions& options, std::unique_ptr<Store> store)
    : options_(options),
      store_(std::move(store)),
      idempotency_(IdempotencyTable::kDefaultCapacity, options.idempotency_retention),
      faults_([&] {
        FaultSettings s;
        s.rate = options.fault_rate;
        return s;
      }()),
      checkout_(*store_, idempotency_, faults_, metrics_,
                LabRules{options.race_window, options.per_user_limit, options.hold_ttl}),
      public_router_(checkout_, *store_, metrics_),
      admin_router_(options.admin_token, *store_, idempotency_, faults_, metrics_),
      public_handler_([this](Request&& r, const Executor& ex, ReplyFn done) {
        public_router_.handle(std::move(r), ex, std::move(done));
      }),
      admin_handler_([this](Request&& r, const Executor& ex, ReplyFn done) {
        admin_router_.handle(std::move(r), ex, std::move(done));
      }),
      pool_(options.threads, "stampede-target"),
      grace_timer_(pool_.main()) {
  // Waits: a network store answers on its own thread, and no request may see the old product.
  std::promise<void> reset;
  store_->reset_product(1, options.stock, [&reset](ProductSnapshot) { reset.set_value(); });
  reset.get_future().wait();
}

TargetServer::~TargetServer() {
  shutdown();
  wait();
  // Before any other member: a store thread may still hold the last reference to a session
  // (inside a completion it has just run), and that session's destructor needs the registry
  // and the io_context. Destroying the store joins those threads while both are still here.
  store_.reset();
}

Expected<BoundAddresses> TargetServer::open() {
  auto endpoint = [](const HostPort& hp) {
    return tcp::endpoint(asio::ip::make_address(hp.host), hp.port);
  };
  auto api = http_server::Listener::open(pool_, endpoint(options_.listen), public_handler_,
                                         registry_, options_.limits, options_.tls.get());
  if (!api) return unexpected(api.error());
  auto admin = http_server::Listener::open(pool_, endpoint(options_.admin_listen), admin_handler_,
                                           registry_, options_.limits);
  if (!admin) return unexpected(admin.error());
  api_listener_ = *api;
  admin_listener_ = *admin;
  api_listener_->start();
  admin_listener_->start();
  return BoundAddresses{api_listener_->local_endpoint(), admin_listener_->local_endpoint()};
}

void TargetServer::start() {
  pool_.start();
}

void TargetServer::handle_signals() {
  // Installed before start(), so no handler is running yet and there is no signal gap once
  // the start-up line is out.
  signals_.emplace(pool_.main(), SIGINT, SIGTERM);
  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) begin_shutdown();  // runs on an I/O thread, like every other shutdown step
  });
}

void TargetServer::shutdown() {
  asio::post(pool_.main(), [this] { begin_shutdown(); });
}

void TargetServer::begin_shutdown() {
  if (signals_) {
    boost::system::error_code ec;
    signals_->clear(ec);  // back to default handling: a second Ctrl-C ends us at once
    signals_->cancel(ec);
    signals_.reset();
  }
  if (api_listener_) api_listener_->stop();
  if (admin_listener_) admin_listener_->stop();
  grace_timer_.expires_after(kShutdownGrace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) pool_.stop();  // someone is still busy after the grace period
  });
  registry_.drain([this] {
    asio::post(pool_.main(), [this] {
      grace_timer_.cancel();
      pool_.release();  // every session is gone: let each loop return once it is idle
    });
  });
}

void TargetServer::wait() {
  pool_.join();
}

}  // namespace stampede::target
