// What a request handler gives back to the HTTP session: a response, a response whose body is
// produced piece by piece (the target's ledger, the console's event stream), or an instruction
// to drop the connection unanswered (the target's reset-after-commit fault). Handlers are plain
// functions of a request, so routes can be tested without a socket.
//
//   void handle(Request&& req, const Executor& ex, ReplyFn done) { done(Reply{response}); }
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <string_view>

namespace stampede::http_server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Executor = boost::asio::any_io_executor;

// The next piece of a streamed body. Empty data with ok set means the body is complete;
// ok unset means the source failed and the connection must be cut (a truncated chunked body
// tells the client the answer is incomplete).
struct Chunk {
  bool ok = true;
  std::string_view data;
};

// Produces a long body piece by piece. Not thread-safe: the session asks for one piece at a
// time and waits. A piece's data stays valid until the next call to next() or the source's end.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // done may run inline or on another thread.
  virtual void next(std::function<void(Chunk)> done) = 0;
};

struct Reply {
  Response message;                          // for a streamed reply, the status and headers
  std::unique_ptr<ChunkSource> body_stream;  // set: body comes from here, chunked
  bool drop_connection = false;              // close without answering (injected fault)
};

// Runs exactly once, inline or later, on any thread.
using ReplyFn = std::function<void(Reply)>;

// Handles one request; ex is the connection's I/O loop, for timers the handler needs.
using RequestHandler = std::function<void(Request&&, const Executor&, ReplyFn)>;

}  // namespace stampede::http_server
