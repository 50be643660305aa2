// RedisPipeline: connect on demand, coalesce writes, match replies in order, and fail everything
// in flight on any error, so a command is never sent twice. While nothing is in flight the
// pipeline holds no pending operation, so it never keeps its loop from finishing.
#include "target/store/redis/redis_pipeline.hpp"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace stampede::target {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

void append_bulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out.append(s.data(), s.size());
  out += "\r\n";
}

// An idle request/reply connection has nothing to read: readable or hung up means Redis closed
// it (a restart, an idle kill), and a command written now would be lost.
bool closed_by_server(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

void append_resp_command(std::string& out, std::initializer_list<std::string_view> parts,
                         std::span<const std::string_view> more) {
  out += '*';
  out += std::to_string(parts.size() + more.size());
  out += "\r\n";
  for (std::string_view p : parts) append_bulk(out, p);
  for (std::string_view p : more) append_bulk(out, p);
}

RedisPipeline::RedisPipeline(asio::any_io_executor executor, std::vector<tcp::endpoint> redis,
                             std::chrono::milliseconds timeout)
    : redis_(std::move(redis)), timeout_(timeout), socket_(executor), timeout_timer_(executor) {}

void RedisPipeline::send(std::string_view command, Callback done) {
  if (state_ == State::open && waiting_.empty() && closed_by_server(socket_.native_handle())) {
    drop();
  }
  queued_.append(command.data(), command.size());
  waiting_.push_back(Waiting{std::move(done), Clock::now()});
  arm_timeout();
  switch (state_) {
    case State::closed:
      return connect();
    case State::connecting:
      return;  // written once connected
    case State::open:
      if (!writing_) flush();
      if (!reading_) read();
      return;
  }
}

void RedisPipeline::connect() {
  state_ = State::connecting;
  reader_.reset(redisReaderCreate());
  asio::async_connect(
      socket_, redis_,
      [self = shared_from_this(), generation = generation_](error_code ec, const tcp::endpoint&) {
        if (generation == self->generation_) self->on_connect(ec);
      });
}

void RedisPipeline::on_connect(error_code ec) {
  if (ec || !reader_) return fail_all();
  state_ = State::open;
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  flush();
  read();
}

void RedisPipeline::flush() {
  if (queued_.empty()) return;
  writing_ = true;
  writing_buffer_.swap(queued_);
  queued_.clear();
  asio::async_write(
      socket_, asio::buffer(writing_buffer_),
      [self = shared_from_this(), generation = generation_](error_code ec, std::size_t) {
        if (generation == self->generation_) self->on_write(ec);
      });
}

void RedisPipeline::on_write(error_code ec) {
  writing_ = false;
  if (ec) return fail_all();
  flush();  // what was queued meanwhile
}

void RedisPipeline::read() {
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this(), generation = generation_](error_code ec, std::size_t bytes) {
        if (generation == self->generation_) self->on_read(ec, bytes);
      });
}

void RedisPipeline::on_read(error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) return fail_all();
  if (redisReaderFeed(reader_.get(), read_buffer_.data(), bytes) != REDIS_OK) return fail_all();
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) return fail_all();
    if (reply == nullptr) break;
    RedisReply owned(static_cast<redisReply*>(reply));
    if (waiting_.empty()) return fail_all();  // a reply nobody asked for: the stream is lost
    Callback done = std::move(waiting_.front().done);
    waiting_.pop_front();
    done(std::move(owned));  // may send() again, which reads if nobody is
  }
  if (waiting_.empty()) {
    timeout_timer_.cancel();
  } else if (!reading_) {
    read();
  }
}

void RedisPipeline::arm_timeout() {
  if (timer_armed_ || waiting_.empty()) return;
  timer_armed_ = true;
  timeout_timer_.expires_at(waiting_.front().sent + timeout_);
  timeout_timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_timeout(ec); });
}

void RedisPipeline::on_timeout(error_code ec) {
  timer_armed_ = false;
  if (waiting_.empty()) return;
  if (!ec && Clock::now() - waiting_.front().sent >= timeout_) return fail_all();
  arm_timeout();  // cancelled while commands wait, or the oldest is younger now
}

void RedisPipeline::drop() {
  ++generation_;  // handlers of the old connection, still queued, do nothing when they run
  state_ = State::closed;
  writing_ = false;
  reading_ = false;
  error_code ignored;
  socket_.close(ignored);
  queued_.clear();
}

void RedisPipeline::fail_all() {
  drop();
  std::deque<Waiting> failed;
  failed.swap(waiting_);
  timeout_timer_.cancel();
  // Answered from the loop, not inline: a caller may be inside send() when a connect fails.
  for (auto& w : failed) {
    asio::post(socket_.get_executor(), [done = std::move(w.done)]() mutable { done(nullptr); });
  }
}

}  // namespace stampede::target
