// The console's HTTP routes as a plain function from request to reply, so tests drive every route,
// error and token check without a socket; ConsoleServer only moves bytes.
//
//   ConsoleApi api(access, defaults, state, link);
//   ConsoleReply reply = api.handle(request);   // on the HTTP thread
//   if (reply.deferred) run it off the I/O thread, then send what it returns
//   else if (reply.event_stream) send reply.response's head, then api.events(cursor) each second
//   else send reply.response
//
// Routes: GET / (the page), GET /assets/NAME, GET /api/state, GET /api/agents, GET /api/events
// (Server-Sent Events), GET|POST /api/runs, GET /api/runs/ID/report.json|report.html,
// POST /api/abort, POST /api/reset. Every error is a 4xx/5xx with {"error", "detail"}.
//
// Access: with a token, every route wants `Authorization: Bearer TOKEN`, the cookie the page
// gets, or `?token=TOKEN` on the page URL (answered with that cookie). Without one (loopback
// binds only), the Host header must name a loopback address, so a web page elsewhere cannot
// reach the console by rebinding its own DNS name to 127.0.0.1. POSTs must carry JSON and, when
// the browser says where they come from (Origin), come from the console's own page: a form on
// another site cannot launch a run.
//
// Thread-safety: handle() and events() are const and touch only ConsoleState (thread-safe) and
// ConsoleCommands (which queues), so any thread may call them.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "coordinator/ui/console_state.hpp"
#include "coordinator/ui/launch_form.hpp"

namespace stampede::coordinator::ui {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What the console asks of the coordinator; CoordinatorLink queues both for its thread.
class ConsoleCommands {
 public:
  virtual ~ConsoleCommands() = default;
  virtual void launch(const v1::RunRequest& request) = 0;
  virtual void abort(const std::string& reason) = 0;
};

struct ConsoleReply {
  Response response;
  // GET /api/events: keep the connection, send response's head, then events() once a second.
  bool event_stream = false;
  // Blocking work (a call to the target's admin listener): run it off the I/O thread and send
  // what it returns instead of response.
  std::function<Response()> deferred;
};

// Where a Server-Sent Events stream stands: the last sample and finished run it was sent.
struct EventCursor {
  uint64_t sample_seq = 0;
  uint64_t finished = 0;
};

// Constant time in the presented token's length, whatever the secret.
bool token_equal(std::string_view secret, std::string_view presented);

class ConsoleApi {
 public:
  static constexpr std::string_view kCookie = "stampede_console";

  // state and commands must outlive the api (WebConsole owns all three).
  ConsoleApi(std::string token, LaunchDefaults defaults, ConsoleState& state,
             ConsoleCommands& commands);

  ConsoleReply handle(const Request& request) const;
  // The cursor a new stream starts from: Last-Event-ID ("SAMPLE.FINISHED") when the browser
  // reconnects, else every sample of the run in progress and no old verdicts.
  EventCursor start_cursor(const Request& request) const;
  // The SSE text a stream owes: one `update` event (state, new samples), and a `verdict` event
  // for each run finished since the cursor. Moves the cursor.
  std::string events(EventCursor& cursor) const;

 private:
  Response route(const Request& request, std::string_view path, ConsoleReply& reply) const;
  std::optional<Response> refuse(const Request& request, std::string_view query) const;
  Response launch(const Request& request) const;
  Response abort_run() const;
  ConsoleReply reset(const Request& request) const;
  Response run_route(const Request& request, std::string_view rest) const;
  boost::json::object state_json() const;

  std::string token_;
  LaunchDefaults defaults_;
  ConsoleState& state_;
  ConsoleCommands& commands_;
};

// {"error": code, "detail": detail} with the status, no-store.
Response json_error(http::status status, std::string_view code, std::string_view detail);

}  // namespace stampede::coordinator::ui
