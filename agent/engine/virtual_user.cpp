// The attempt loop of one virtual user: claim, (re)connect, write, read, classify, repeat.
#include "agent/engine/virtual_user.hpp"

#include <charconv>
#include <utility>

#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include "common/clock.hpp"

namespace stampede::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

VirtualUser::VirtualUser(asio::io_context& io, const UserSettings& settings, AttemptBudget& budget,
                         WorkerStats& stats, std::atomic<uint32_t>& users_done, std::string user_id)
    : settings_(settings),
      budget_(budget),
      stats_(stats),
      users_done_(users_done),
      user_id_(std::move(user_id)),
      stream_(io),
      wait_timer_(io) {}

void VirtualUser::start(std::chrono::system_clock::time_point at) {
  start_at_ = at;
  // Connect ahead of the start instant so the first requests all leave together.
  stream_.expires_after(settings_.connect_timeout);
  stream_.async_connect(settings_.endpoints,
                        [this](error_code ec, const tcp::endpoint&) { on_preconnect(ec); });
}

void VirtualUser::on_preconnect(error_code ec) {
  // A failed early connect is no attempt yet: the first attempt connects again and counts.
  if (ec) {
    drop_connection();
  } else {
    use_connection();
  }
  if (budget_.stopped()) return finish();
  wait_timer_.expires_at(start_at_);
  wait_timer_.async_wait([this](error_code) { next_attempt(); });
}

void VirtualUser::next_attempt() {
  const auto seq = budget_.claim();
  if (!seq) return finish();
  seq_ = *seq;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), seq_).ptr;
  key_.assign(settings_.key_prefix);
  key_.append(digits, end);
  settings_.request.fill(request_, user_id_, key_);
  stats_.record_attempt_start();
  if (connected_) {
    do_write();
  } else {
    do_connect();
  }
}

void VirtualUser::do_connect() {
  attempt_started_ = std::chrono::steady_clock::now();
  stream_.expires_after(settings_.connect_timeout);
  stream_.async_connect(settings_.endpoints,
                        [this](error_code ec, const tcp::endpoint&) { on_connect(ec); });
}

void VirtualUser::on_connect(error_code ec) {
  if (!ec) {
    use_connection();
    return do_write();
  }
  drop_connection();
  end_attempt(classify_transport_failure(TransportFailure::connect_failed), 0);
  wait_timer_.expires_after(settings_.reconnect_backoff);
  wait_timer_.async_wait([this](error_code) { next_attempt(); });
}

void VirtualUser::do_write() {
  attempt_started_ = std::chrono::steady_clock::now();
  // One deadline for the whole exchange: it covers the write and the read that follows.
  stream_.expires_after(settings_.request_timeout);
  asio::async_write(stream_, asio::buffer(request_),
                    [this](error_code ec, std::size_t) { on_write(ec); });
}

void VirtualUser::on_write(error_code ec) {
  if (!ec) return do_read();
  // Some of the request may have reached the target, so the outcome is unknown.
  const auto failure = ec == beast::error::timeout ? TransportFailure::timed_out_after_send
                                                   : TransportFailure::reset_after_send;
  drop_connection();
  end_attempt(classify_transport_failure(failure), 0);
  next_attempt();
}

void VirtualUser::do_read() {
  parser_.emplace();
  parser_->body_limit(settings_.response_body_limit);
  beast::http::async_read(stream_, read_buffer_, *parser_,
                          [this](error_code ec, std::size_t) { on_read(ec); });
}

void VirtualUser::on_read(error_code ec) {
  if (ec) {
    const auto failure = ec == beast::error::timeout ? TransportFailure::timed_out_after_send
                                                     : TransportFailure::reset_after_send;
    drop_connection();
    end_attempt(classify_transport_failure(failure), 0);
    return next_attempt();
  }
  const auto& response = parser_->get();
  const unsigned status = response.result_int();
  const bool keep_alive = parser_->keep_alive();
  end_attempt(classify_response(status, response.body(), settings_.rules), status);
  if (!keep_alive) drop_connection();
  next_attempt();
}

void VirtualUser::end_attempt(Classified&& result, unsigned status) {
  const auto elapsed = std::chrono::steady_clock::now() - attempt_started_;
  const auto latency_us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  stats_.record_attempt(seq_, std::move(result), status, static_cast<uint64_t>(latency_us),
                        unix_now_ns());
}

void VirtualUser::use_connection() {
  connected_ = true;
  error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
}

void VirtualUser::drop_connection() {
  connected_ = false;
  stream_.close();
  // Bytes left from the old connection would be misread as the next response.
  read_buffer_.clear();
}

void VirtualUser::finish() {
  drop_connection();
  users_done_.fetch_add(1, std::memory_order_release);
}

}  // namespace stampede::agent
