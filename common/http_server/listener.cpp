// Listener: bind with error codes (a busy port is an exit code, not a crash) and keep accepting
// through transient errors such as running out of file descriptors.
#include "common/http_server/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "common/http_server/session_registry.hpp"

namespace stampede::http_server {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "[" + std::string&&.
  std::string text;
  if (address.is_v6()) text += '[';
  text += address.to_string();
  if (address.is_v6()) text += ']';
  text += ':';
  text += std::to_string(endpoint.port());
  return text;
}

// The acceptor and its retry timer live on the pool's main loop, which one thread runs: their
// handlers never overlap.
Listener::Listener(IoPool& pool, const RequestHandler& handler, SessionRegistry& registry,
                   const SessionLimits& limits, asio::ssl::context* tls)
    : pool_(pool),
      acceptor_(pool.main()),
      retry_timer_(pool.main()),
      handler_(handler),
      registry_(registry),
      limits_(limits),
      tls_(tls) {}

Expected<std::shared_ptr<Listener>> Listener::open(IoPool& pool, const tcp::endpoint& endpoint,
                                                   const RequestHandler& handler,
                                                   SessionRegistry& registry,
                                                   const SessionLimits& limits,
                                                   asio::ssl::context* tls) {
  auto listener = std::make_shared<Listener>(pool, handler, registry, limits, tls);
  auto& acceptor = listener->acceptor_;
  beast::error_code ec;
  const std::string where = format_endpoint(endpoint);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return unexpected("cannot open a socket for " + where + ": " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return unexpected("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  acceptor.bind(endpoint, ec);
  if (ec) return unexpected("cannot bind " + where + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected("cannot listen on " + where + ": " + ec.message());
  listener->local_ = acceptor.local_endpoint(ec);
  if (ec) return unexpected("cannot read the bound address of " + where + ": " + ec.message());
  return listener;
}

void Listener::start() {
  asio::dispatch(acceptor_.get_executor(),
                 beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(pool_.next(),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning on a failing accept.
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  beast::error_code ignored;
  if (limits_.max_connections != 0 && registry_.size() >= limits_.max_connections) {
    socket.close(ignored);  // over the cap: refused before a byte is read
    return do_accept();
  }
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<HttpSession>(std::move(socket), handler_, registry_, limits_, tls_)->start();
  do_accept();
}

}  // namespace stampede::http_server
