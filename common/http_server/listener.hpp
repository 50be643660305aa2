// Accepts connections on one address and starts an HttpSession for each, on the pool's next loop,
// up to limits.max_connections open at once.
//
//   auto l = Listener::open(pool, endpoint, handler, registry, limits);
//   if (!l) fail(l.error());
//   (*l)->start();  ...  (*l)->stop();
//
// Thread-safe: start() and stop() may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "common/expected.hpp"
#include "common/http_server/http_session.hpp"
#include "common/http_server/io_pool.hpp"
#include "common/http_server/reply.hpp"

namespace stampede::http_server {

class SessionRegistry;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; a bind failure is a value. handler and registry must outlive every
  // session (see HttpSession).
  static Expected<std::shared_ptr<Listener>> open(IoPool& pool,
                                                  const boost::asio::ip::tcp::endpoint& endpoint,
                                                  const RequestHandler& handler,
                                                  SessionRegistry& registry,
                                                  const SessionLimits& limits,
                                                  boost::asio::ssl::context* tls = nullptr);

  // tls: serve TLS with that context (which outlives the listener); null: plain HTTP.
  Listener(IoPool& pool, const RequestHandler& handler, SessionRegistry& registry,
           const SessionLimits& limits, boost::asio::ssl::context* tls = nullptr);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  void start();
  void stop();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  IoPool& pool_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::ip::tcp::endpoint local_;
  const RequestHandler& handler_;
  SessionRegistry& registry_;
  const SessionLimits limits_;
  boost::asio::ssl::context* tls_;
};

// "127.0.0.1:8080" or "[::1]:8080".
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace stampede::http_server
