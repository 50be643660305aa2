// A scriptable HTTP/1.1 checkout server on 127.0.0.1 for the engine tests: it counts
// connections and requests, and answers each request as the test's script says.
//
//   CheckoutTestServer server([](const SeenRequest& r) {
//     return r.index % 2 ? ScriptedReply::status(409, R"({"error":"sold_out"})")
//                        : ScriptedReply::created("o-" + r.idempotency_key);
//   });
//   job.mutable_request()->set_target_url(server.url());
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace stampede::agent::testing {

struct SeenRequest {
  uint64_t index = 0;       // arrival order over the server's life, from 0
  uint64_t connection = 0;  // which accepted connection, from 0
  uint64_t arrived_unix_ns = 0;
  std::string method;
  std::string target;
  std::string idempotency_key;
  std::string user_header;  // X-User, which tests fill with ${user_id}
  std::string content_type;
  std::string body;
};

struct ScriptedReply {
  enum class Kind { respond, close, reset };
  Kind kind = Kind::respond;
  unsigned status = 201;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering
  bool close_after = false;            // answer with Connection: close, then close
  bool until_close = false;            // no Content-Length: the body ends where the connection does

  static ScriptedReply created(const std::string& order_id) {
    return with_status(201, R"({"order_id":")" + order_id + R"(","remaining":1})");
  }
  static ScriptedReply with_status(unsigned status, std::string body) {
    ScriptedReply reply;
    reply.status = status;
    reply.body = std::move(body);
    return reply;
  }
  static ScriptedReply delayed(std::chrono::milliseconds delay) {
    ScriptedReply reply = created("late");
    reply.delay = delay;
    return reply;
  }
  // Close cleanly (FIN) or abortively (RST) after reading the request, answering nothing.
  static ScriptedReply close_connection() { return of_kind(Kind::close); }
  static ScriptedReply reset_connection() { return of_kind(Kind::reset); }

 private:
  static ScriptedReply of_kind(Kind kind) {
    ScriptedReply reply;
    reply.kind = kind;
    return reply;
  }
};

// Called on the server's thread, one request at a time.
using Script = std::function<ScriptedReply(const SeenRequest&)>;

// Answers 201 with order id "o-<Idempotency-Key>".
ScriptedReply create_order_for_key(const SeenRequest& request);

// Thread-safety: the accessors may be called from any thread while the server runs.
class CheckoutTestServer {
 public:
  explicit CheckoutTestServer(Script script = create_order_for_key);
  ~CheckoutTestServer();  // stops at once, abandoning delayed replies

  CheckoutTestServer(const CheckoutTestServer&) = delete;
  CheckoutTestServer& operator=(const CheckoutTestServer&) = delete;

  std::string url() const;
  uint64_t connections() const { return connections_.load(); }
  uint64_t requests() const { return requests_.load(); }
  std::vector<SeenRequest> seen() const;

 private:
  class Session;
  void do_accept();

  Script script_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> requests_{0};
  mutable std::mutex seen_mutex_;  // guards seen_: the server thread appends, tests read
  std::vector<SeenRequest> seen_;
  std::thread thread_;
};

// A loopback port that nothing listens on (bound, read, then released).
uint16_t closed_loopback_port();

}  // namespace stampede::agent::testing
