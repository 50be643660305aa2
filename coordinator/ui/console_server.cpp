// ConsoleServer: ConsoleApi's replies turned into the shared session's replies. A deferred
// route runs on the worker thread; an event stream is a chunked body whose next piece waits
// one interval.
#include "coordinator/ui/console_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/http_server/json_reply.hpp"
#include "common/url.hpp"

namespace stampede::coordinator::ui {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// GET /api/events: the events owed at once, then once per interval, for as long as the page
// reads them. Counts itself in the server's open streams while it lives.
class EventStream final : public http_server::ChunkSource {
 public:
  EventStream(const ConsoleApi& api, EventCursor cursor, const http_server::Executor& executor,
              std::chrono::milliseconds interval, std::atomic<int>& streams)
      : api_(api), cursor_(cursor), timer_(executor), interval_(interval), streams_(streams) {
    ++streams_;
  }
  ~EventStream() override { --streams_; }

  void next(std::function<void(http_server::Chunk)> done) override {
    if (first_) {
      first_ = false;
      return done(take_events());
    }
    // The session holds itself (and so this stream) alive through `done` until it runs.
    timer_.expires_after(interval_);
    timer_.async_wait([this, done = std::move(done)](const boost::system::error_code& ec) {
      done(ec ? http_server::Chunk{false, {}} : take_events());
    });
  }

 private:
  http_server::Chunk take_events() {
    events_ = api_.events(cursor_);
    // An empty piece would end the stream; a comment line keeps it open and says nothing.
    if (events_.empty()) events_ = ":\n\n";
    return {true, events_};
  }

  const ConsoleApi& api_;
  EventCursor cursor_;
  asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  std::atomic<int>& streams_;
  std::string events_;  // the piece being written: lives until the next call
  bool first_ = true;
};

}  // namespace

ConsoleServer::ConsoleServer(const ConsoleApi& api, const std::string& bind_address,
                             ConsoleServerLimits limits)
    : api_(api),
      limits_(limits),
      handler_([this](http_server::Request&& request, const http_server::Executor& executor,
                      http_server::ReplyFn done) {
        handle(std::move(request), executor, std::move(done));
      }) {
  auto hp = HostPort::parse(bind_address);
  if (!hp) {
    throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                      hp.error());
  }
  const tcp::endpoint endpoint(asio::ip::make_address(hp->host), hp->port);
  auto listener =
      http_server::Listener::open(pool_, endpoint, handler_, registry_, limits_.session);
  if (!listener) {
    throw boost::system::system_error(make_error_code(boost::system::errc::address_in_use),
                                      listener.error());
  }
  listener_ = *listener;
  url_ = "http://" + http_server::format_endpoint(listener_->local_endpoint()) + "/";
  listener_->start();
  pool_.start();
}

ConsoleServer::~ConsoleServer() {
  listener_->stop();
  pool_.stop();
  workers_.join();  // deferred work finishes; what it posts back waits in the stopped loop
  pool_.join();
}

std::string ConsoleServer::url() const {
  return url_;
}

void ConsoleServer::handle(http_server::Request&& request, const http_server::Executor& executor,
                           http_server::ReplyFn done) {
  ConsoleReply reply = api_.handle(request);
  if (reply.deferred) {
    // Off the I/O thread, so a slow target stalls only this request, not every page.
    asio::post(workers_, [work = std::move(reply.deferred), done = std::move(done)] {
      done(http_server::Reply{work(), nullptr, false});
    });
    return;
  }
  if (reply.event_stream) {
    if (streams_ >= limits_.max_streams) {
      return done(http_server::Reply{
          http_server::error_response(http::status::service_unavailable, "too_many_streams",
                                      "too many pages are open on this console"),
          nullptr, false});
    }
    auto stream = std::make_unique<EventStream>(api_, api_.start_cursor(request), executor,
                                                limits_.event_interval, streams_);
    return done(http_server::Reply{std::move(reply.response), std::move(stream), false});
  }
  done(http_server::Reply{std::move(reply.response), nullptr, false});
}

}  // namespace stampede::coordinator::ui
