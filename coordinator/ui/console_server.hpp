// The console's HTTP/1.1 server (Boost.Beast): one thread with its own io_context, a session per
// connection with a deadline on every read and write, header and body limits, a cap on
// connections and on event streams, and a one-thread pool for the blocking work a route defers.
// What each request gets is ConsoleApi's business; this only moves bytes.
//
//   ConsoleServer server(api, "127.0.0.1:0");   // binds and starts; throws on a bad address
//   std::cout << server.url();                   // http://127.0.0.1:PORT/
//
// Thread-safety: constructed and destroyed on one thread; url() is const and safe anywhere.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "coordinator/ui/console_api.hpp"

namespace stampede::coordinator::ui {

struct ConsoleServerLimits {
  // The whole request must arrive within this: a slow client is cut off, and an idle
  // keep-alive connection does not hold a slot for ever.
  std::chrono::milliseconds read_timeout{15'000};
  // Each write, an event included: a client that stops reading its stream is dropped.
  std::chrono::milliseconds write_timeout{10'000};
  uint32_t header_limit = 8 * 1024;
  uint64_t body_limit = 64 * 1024;  // a launch form is a few hundred bytes
  int max_connections = 64;
  int max_streams = 16;  // each open page holds one
  std::chrono::milliseconds event_interval{1000};
};

class ConsoleServer {
 public:
  // api must outlive the server. Binds bind_address ("IP:PORT"; port 0 picks one) at once:
  // throws boost::system::system_error (start-up only).
  ConsoleServer(const ConsoleApi& api, const std::string& bind_address,
                ConsoleServerLimits limits = {});
  ~ConsoleServer();  // closes every connection and joins both threads
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  std::string url() const;

  // What sessions share; the server outlives every session (they die with its io_context).
  struct Shared {
    const ConsoleApi& api;
    ConsoleServerLimits limits;
    boost::asio::thread_pool& workers;
    std::atomic<int> connections{0};
    std::atomic<int> streams{0};
  };

 private:
  void do_accept();

  // Declared before ioc_: sessions, destroyed with ioc_'s pending handlers, still count
  // themselves out of shared_; workers_ is joined before ioc_ goes.
  boost::asio::thread_pool workers_{1};
  Shared shared_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string url_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace stampede::coordinator::ui
