// One virtual user: a keep-alive connection that makes checkout attempts until the swarm's
// budget runs out. Closed loop: back to back, with an optional think time between attempts.
// Open loop: the user is one connection of the swarm's pool; it claims the next attempt when
// free and sends it at the pacer's intended instant, or at once when that instant has passed.
// An indeterminate attempt may be tried again with the same key (RetryPolicy). Each async
// step is a do_x / on_x pair. The connect and the request each have a deadline, which the
// swarm's per-thread sweep enforces (enforce_deadline): one timer per thread instead of a
// timer armed and cancelled on every read and write.
//
//   VirtualUser user(io, settings, budget, stats, users_done, "u-17");
//   user.start(at, /*pacer=*/nullptr);  // connects now, sends its first attempt at `at`
//   every few ms: user.enforce_deadline(steady_clock::now());
//   io.run();                           // returns once the budget is spent and the user has ended
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "agent/engine/attempt_budget.hpp"
#include "agent/engine/classify.hpp"
#include "agent/engine/edge_read.hpp"
#include "agent/engine/journey.hpp"
#include "agent/engine/open_loop_pacer.hpp"
#include "agent/engine/request_template.hpp"
#include "agent/engine/response_reader.hpp"
#include "agent/engine/retry_policy.hpp"
#include "agent/engine/tls_channel.hpp"
#include "agent/engine/worker_stats.hpp"

namespace stampede::agent {

// What every user of a swarm shares; immutable while the swarm runs.
struct UserSettings {
  explicit UserSettings(RequestTemplate r) : request(std::move(r)) {}

  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // the target, resolved once
  RequestTemplate request;
  Journey journey;  // a flow of steps in place of `request`; empty: one request an attempt
  ClassifyRules rules;
  bool plain_load = false;  // no oracle: no orders or evidence are kept
  std::string key_prefix;   // "<job key_prefix>.": the attempt seq follows
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};
  // After a failed connect, so a target that refuses does not make the user spin hot.
  std::chrono::milliseconds reconnect_backoff{20};
  std::chrono::milliseconds think_time{0};  // closed loop: pause between a user's attempts
  RetryPolicy retry;
  size_t response_body_limit = 64 * 1024;
  // https:// targets: the context (CA, client certificate), the name to verify and send as SNI.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string tls_host;
  bool tls_insecure = false;
  bool fresh_sessions = false;          // --tls-sessions fresh: never resume
  bool connection_per_attempt = false;  // close after every attempt: each a new connection
  // Per-user data: the job's rows, cells row after row; user i takes row i % rows.
  std::vector<std::string> data_columns;
  std::vector<std::string> data_cells;
  std::optional<size_t> user_id_column;  // a user_id column names the user

  std::span<const std::string> row_of(uint32_t user_index) const {
    if (data_columns.empty()) return {};
    const size_t rows = data_cells.size() / data_columns.size();
    return std::span<const std::string>(data_cells)
        .subspan((user_index % rows) * data_columns.size(), data_columns.size());
  }
};

// Lifetime: handlers capture `this`, so the owner keeps the user, and everything it refers
// to (the pacer included), alive until the io_context has stopped running. Thread-safety:
// runs on the io_context's one thread; start() may also be called before that thread begins.
class VirtualUser {
 public:
  // row: this user's cells of the data file, one per column (empty without one); they must
  // outlive the user.
  VirtualUser(boost::asio::io_context& io, const UserSettings& settings, AttemptBudget& budget,
              WorkerStats& stats, std::atomic<uint32_t>& users_done, std::string user_id,
              std::span<const std::string> row = {});

  ~VirtualUser();
  VirtualUser(const VirtualUser&) = delete;
  VirtualUser& operator=(const VirtualUser&) = delete;

  // Closed loop: pacer null, the first attempt at `at`. Open loop: from `at` on, each attempt
  // waits for its intended send time.
  void start(std::chrono::system_clock::time_point at, const OpenLoopPacer* pacer);
  // Cuts short a wait (start instant, pacing, think time, backoff), so a stopped swarm ends
  // promptly.
  void cancel_wait() {
    wait_timer_.cancel();
    pace_timer_.cancel();
  }
  // Closes the connection of a connect or request that has run past its deadline; the pending
  // operation then ends as a timeout. Called by the swarm every few milliseconds.
  void enforce_deadline(std::chrono::steady_clock::time_point now);
  bool ended() const { return ended_; }

 private:
  using error_code = boost::system::error_code;
  static constexpr std::size_t kMaxReadChunk = 64 * 1024;
  // What the read buffer may hold at once: a read's worth and a response header or chunk line
  // the parser is still waiting to see whole. A server that sends a line longer than that (a
  // chunk extension without end) fails the attempt instead of growing the buffer.
  static constexpr std::size_t kReadBufferLimit = kMaxReadChunk + 16 * 1024;

  void on_preconnect(error_code ec);
  void after_preconnect();
  void start_tls(bool preconnect);
  // want_read / want_write: waits as OpenSSL asked, then again(error_code), the error set when
  // the socket was closed or its deadline passed meanwhile. False for any other outcome.
  template <class Again>
  bool wait_for_tls(TlsIo io, Again&& again);
  void continue_handshake(bool preconnect);
  void on_handshake(error_code ec, bool preconnect);
  void keep_session();
  void next_attempt();
  void on_due(error_code ec);
  void send_try();
  // Journeys: the step's request into request_; a step before the purchase answered, or
  // ended without an answer (no retries: nothing was bought yet).
  bool in_journey() const { return !settings_.journey.empty(); }
  bool before_purchase() const { return in_journey() && !journey_step().purchase; }
  const JourneyStep& journey_step() const { return settings_.journey.steps()[step_]; }
  void fill_step();
  void after_think(std::chrono::milliseconds think);
  void send_step();
  void on_step_response(unsigned status);
  bool capture();
  void end_journey_early(bool maybe_holding, bool connect_failed);
  void do_connect();
  void on_connect(error_code ec);
  void do_write();
  void write_tls();
  void on_write(error_code ec);
  void do_read();
  void parse_buffered();
  void read_some(bool after_edge);
  void read_tls(boost::asio::mutable_buffer buffer);
  void on_read_some(error_code ec, std::size_t bytes);
  void on_response();
  void fail_exchange();
  void arm_deadline(std::chrono::steady_clock::time_point deadline);
  void disarm_deadline();
  void abort_connection();
  // The try's ending is in result_.
  void end_try(unsigned status, bool connect_failed);
  void on_retry_due();
  void end_attempt();
  void after_attempt(bool connect_failed);
  std::chrono::steady_clock::time_point mark_send_start();  // now
  void use_connection();
  void drop_connection();
  void finish();

  const UserSettings& settings_;
  AttemptBudget& budget_;
  WorkerStats& stats_;
  std::atomic<uint32_t>& users_done_;
  const std::string user_id_;
  // The request's placeholder values (RequestTemplate's order); the key's is set per attempt.
  std::vector<std::string_view> values_;
  const OpenLoopPacer* pacer_ = nullptr;  // open loop only; owned by the swarm

  ReactorSocket socket_;
  // https: OpenSSL on socket_'s descriptor, one object for all the user's connections; tls_
  // while a connection's TLS is set up on it.
  std::unique_ptr<TlsChannel> channel_;
  bool tls_ = false;
  SSL_SESSION* session_ = nullptr;  // the target's last session, resumed on reconnect (reuse)
  std::chrono::steady_clock::time_point connect_started_;
  std::chrono::steady_clock::time_point handshake_started_;
  // The connect or request in flight must end by this; time_point::max() when none is.
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool timed_out_ = false;  // the sweep closed the connection: the pending step failed by timeout
  bool ended_ = false;
  boost::asio::system_timer wait_timer_;  // wall clock: the start instant is a wall-clock time
  boost::asio::steady_timer pace_timer_;  // open loop: until the attempt's intended send time
  std::chrono::system_clock::time_point start_at_;
  bool connected_ = false;
  // The last read came back short of its buffer: the socket held nothing more then.
  bool read_drained_ = false;
  // True only while on_response's handler runs (see do_read).
  bool next_read_after_edge_ = false;

  // The attempt in flight; the buffers keep their capacity from one attempt to the next, and
  // every try of one attempt sends the same bytes (same seq, same key).
  uint64_t seq_ = 0;
  uint32_t retries_ = 0;  // of the attempt in flight
  std::optional<Clock::time_point> intended_;
  std::chrono::steady_clock::time_point attempt_started_;
  std::string key_;
  std::string request_;
  boost::beast::flat_buffer read_buffer_{kReadBufferLimit};
  std::string response_body_;
  std::optional<ResponseReader> reader_;
  Classified result_;  // how the last try ended; its order id's buffer is reused

  // Journeys: the step in flight, whether a step that takes stock has succeeded (an ending
  // journey may then hold stock), the step's key and the values captured so far.
  size_t step_ = 0;
  bool holding_ = false;
  std::chrono::steady_clock::time_point step_started_;
  std::string step_key_;
  std::vector<std::string> captured_;
};

}  // namespace stampede::agent
