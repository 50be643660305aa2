// The console's HTTP/1.1 server: the server stampede-target uses too (common/http_server: a
// session per connection with a deadline on every read and write, header, line and body limits,
// a cap on connections), on one I/O thread, plus what only the console needs: a cap on event
// streams, an event stream that sends the console's events once per interval, and a one-thread
// pool for the blocking work a route defers. What each request gets is ConsoleApi's business;
// this only moves bytes.
//
//   ConsoleServer server(api, "127.0.0.1:0");   // binds and starts; throws on a bad address
//   std::cout << server.url();                   // http://127.0.0.1:PORT/
//
// Thread-safety: constructed and destroyed on one thread; url() is const and safe anywhere.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "common/http_server/io_pool.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"
#include "coordinator/ui/console_api.hpp"

namespace stampede::coordinator::ui {

struct ConsoleServerLimits {
  // The whole request must arrive within read_timeout: a slow client is cut off, and an idle
  // keep-alive connection does not hold a slot for ever. write_timeout bounds each write, an
  // event included: a client that stops reading its stream is dropped. A launch form is a few
  // hundred bytes, hence the body limit.
  http_server::SessionLimits session{std::chrono::milliseconds(15'000),
                                     std::chrono::milliseconds(10'000), 8 * 1024, 64 * 1024, 64};
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

 private:
  void handle(http_server::Request&& request, const http_server::Executor& executor,
              http_server::ReplyFn done);

  const ConsoleApi& api_;
  const ConsoleServerLimits limits_;
  std::atomic<int> streams_{0};
  // Deferred work posts its answer back to a session's loop: joined in the destructor after the
  // loop has stopped and before it is destroyed.
  boost::asio::thread_pool workers_{1};
  http_server::RequestHandler handler_;
  // Before the pool: sessions destroyed with the pool's pending handlers count themselves out.
  http_server::SessionRegistry registry_;
  http_server::IoPool pool_{1, "stampede coordinator web console"};
  std::shared_ptr<http_server::Listener> listener_;
  std::string url_;
};

}  // namespace stampede::coordinator::ui
