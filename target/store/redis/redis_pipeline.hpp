// One non-blocking Redis connection run by one of the target's I/O loops: the loop's requests
// write their commands to it as they come (coalesced while a write is in flight) and the replies
// come back in order on the same loop. A purchase then costs no thread hop at all, where the
// store threads cost two wake-ups and a blocking round trip each.
//
//   auto pipe = std::make_shared<RedisPipeline>(loop_executor, redis_endpoints, 2s);
//   pipe->send(resp_command, [](RedisReply r) { if (!r) ...no answer...; });  // on that loop
//
// Not thread-safe: every call on the loop the pipeline was made for. It connects on the first
// command and again after any failure; a lost connection or a reply later than the timeout
// answers every command in flight with nullptr (what became of them is unknown).
#pragma once

#include <hiredis/hiredis.h>

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "target/store/redis/redis_connection.hpp"

namespace stampede::target {

// Appends one command in RESP, Redis's wire format, to out.
void append_resp_command(std::string& out, std::initializer_list<std::string_view> parts,
                         std::span<const std::string_view> more = {});

class RedisPipeline : public std::enable_shared_from_this<RedisPipeline> {
 public:
  using Callback = std::function<void(RedisReply)>;

  RedisPipeline(boost::asio::any_io_executor executor,
                std::vector<boost::asio::ip::tcp::endpoint> redis,
                std::chrono::milliseconds timeout);

  // command: exactly one complete RESP command (append_resp_command). done runs on this loop,
  // later, never inline.
  void send(std::string_view command, Callback done);

 private:
  using error_code = boost::system::error_code;
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    Callback done;
    Clock::time_point sent;
  };

  void connect();
  void on_connect(error_code ec);
  void flush();
  void on_write(error_code ec);
  void read();
  void on_read(error_code ec, std::size_t bytes);
  void arm_timeout();
  void on_timeout(error_code ec);
  // Closes the connection; what is queued is lost, what waits stays waiting.
  void drop();
  // Drops the connection and answers everything in flight with nullptr.
  void fail_all();

  const std::vector<boost::asio::ip::tcp::endpoint> redis_;
  const std::chrono::milliseconds timeout_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timeout_timer_;
  enum class State { closed, connecting, open } state_ = State::closed;
  bool writing_ = false;
  bool reading_ = false;
  bool timer_armed_ = false;
  uint64_t generation_ = 0;      // bumped on every drop: handlers of an older connection are void
  std::string queued_;           // commands not yet handed to a write
  std::string writing_buffer_;   // the write in flight
  std::deque<Waiting> waiting_;  // one per command sent or queued, in order
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader_{nullptr, &redisReaderFree};
  std::array<char, 16 * 1024> read_buffer_{};
};

}  // namespace stampede::target
