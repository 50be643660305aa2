// The attempt loop of one virtual user: claim, wait for the attempt's turn (open loop),
// (re)connect, write, read, classify, retry while indeterminate, pause (think time), repeat.
#include "agent/engine/virtual_user.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include "agent/engine/order_id_scan.hpp"
#include "common/tls_client.hpp"

namespace stampede::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

VirtualUser::VirtualUser(asio::io_context& io, const UserSettings& settings, AttemptBudget& budget,
                         WorkerStats& stats, std::atomic<uint32_t>& users_done, std::string user_id,
                         std::span<const std::string> row)
    : settings_(settings),
      budget_(budget),
      stats_(stats),
      users_done_(users_done),
      user_id_(std::move(user_id)),
      socket_(io),
      wait_timer_(io),
      pace_timer_(io) {
  const size_t captures = settings.journey.capture_count();
  values_.reserve(RequestTemplate::kFirstColumnValue + row.size() + captures);
  values_.push_back(user_id_);
  values_.push_back({});
  for (const std::string& cell : row) values_.push_back(cell);
  captured_.resize(captures);
  for (size_t i = 0; i < captures; ++i) values_.push_back({});
}

VirtualUser::~VirtualUser() {
  // A swarm torn down mid-attempt (its job abandoned) must not deliver that attempt later.
  if (deadline_ != std::chrono::steady_clock::time_point::max()) abort_connection();
  if (session_) SSL_SESSION_free(session_);
}

void VirtualUser::start(std::chrono::system_clock::time_point at, const OpenLoopPacer* pacer) {
  start_at_ = at;
  pacer_ = pacer;
  // Connect ahead of the start instant so the first requests all leave together.
  connect_started_ = std::chrono::steady_clock::now();
  arm_deadline(connect_started_ + settings_.connect_timeout);
  asio::async_connect(socket_, settings_.endpoints,
                      [this](error_code ec, const tcp::endpoint&) { on_preconnect(ec); });
}

void VirtualUser::on_preconnect(error_code ec) {
  // A failed early connect is no attempt yet: the first attempt connects again and counts.
  if (ec || timed_out_) {
    drop_connection();
    return after_preconnect();
  }
  stats_.record_connect(us_between(connect_started_, std::chrono::steady_clock::now()));
  use_connection();
  // Over https the handshake is made ahead too, under the same deadline.
  if (settings_.tls) return start_tls(/*preconnect=*/true);
  after_preconnect();
}

void VirtualUser::after_preconnect() {
  disarm_deadline();
  if (budget_.stopped()) return finish();
  wait_timer_.expires_at(start_at_);
  wait_timer_.async_wait([this](error_code) { next_attempt(); });
}

void VirtualUser::next_attempt() {
  const auto seq = budget_.claim();
  if (!seq) return finish();
  if (pacer_) {
    intended_ = pacer_->intended_send_time(*seq);
    // The duration bounds the schedule too: an attempt meant for after it is never made, so a
    // free connection claiming ahead cannot stretch the run.
    if (budget_.past_deadline(*intended_)) return finish();
  }
  seq_ = *seq;
  retries_ = 0;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), seq_).ptr;
  key_.assign(settings_.key_prefix);
  key_.append(digits, end);
  if (in_journey()) {
    step_ = 0;
    holding_ = false;
    fill_step();
  } else {
    values_[RequestTemplate::kKeyValue] = key_;
    settings_.request.fill(request_, values_);
  }
  if (!pacer_) return in_journey() ? after_think(journey_step().think) : send_try();
  const auto wait = pacer_->wait_before(seq_);
  // Late already (every connection was busy at its intended time): send at once; the wait
  // counts in its latency, which runs from the intended time.
  if (wait <= OpenLoopPacer::duration::zero()) return send_try();
  pace_timer_.expires_after(wait);
  pace_timer_.async_wait([this](error_code ec) { on_due(ec); });
}

void VirtualUser::on_due(error_code) {
  // Stopped while waiting for its turn: the attempt was never made, so it is not counted.
  if (budget_.stopped()) return finish();
  send_try();
}

void VirtualUser::send_try() {
  const bool first = stats_.record_attempt_start();
  if (connected_) {
    do_write();
  } else {
    do_connect();
  }
  // This thread's first request is out. On a host with more load threads than cores, a peer
  // agent's thread may be waiting for a core to send its own first one; yielding once lets it,
  // instead of making it wait out this thread's whole first burst of users.
  if (first) sched_yield();
}

void VirtualUser::fill_step() {
  const JourneyStep& step = journey_step();
  if (step.purchase) {
    // The sale's key is the attempt's, so the oracle finds the order under it.
    values_[RequestTemplate::kKeyValue] = key_;
  } else {
    char digits[8];
    const auto end = std::to_chars(digits, digits + sizeof(digits), step_).ptr;
    step_key_.assign(key_);
    step_key_.append(".s");
    step_key_.append(digits, end);
    values_[RequestTemplate::kKeyValue] = step_key_;
  }
  step.request.fill(request_, values_);
}

void VirtualUser::after_think(std::chrono::milliseconds think) {
  if (think == std::chrono::milliseconds::zero()) return step_ == 0 ? send_try() : send_step();
  wait_timer_.expires_after(think);
  wait_timer_.async_wait([this](error_code) {
    if (budget_.stopped()) {
      // Stopped while thinking. Before its first step the attempt was never made; later, the
      // journey ends as it stood, its sale never asked for.
      if (step_ == 0) return finish();
      result_ = classify_transport_failure(TransportFailure::connect_failed);
      return end_journey_early(false, false);
    }
    step_ == 0 ? send_try() : send_step();
  });
}

void VirtualUser::send_step() {
  if (connected_) return do_write();
  do_connect();
}

bool VirtualUser::capture() {
  const JourneyStep& step = journey_step();
  for (const auto& [index, field] : step.captures) {
    std::string& value = captured_[index];
    const auto scanned = scan_order_id(response_body_, field, value);
    if (scanned == OrderIdScan::absent) return false;
    if (scanned == OrderIdScan::unsure && !parse_order_id(response_body_, field, value)) {
      return false;
    }
    // A capture may have grown its string, which moves the text a view points at.
    values_[settings_.journey.capture_value(index)] = value;
  }
  return true;
}

void VirtualUser::on_step_response(unsigned status) {
  const JourneyStep& step = journey_step();
  stats_.record_status(status);
  const bool accepted = step.accepts(status) && capture();
  stats_.record_step(step_, status, us_between(step_started_, std::chrono::steady_clock::now()),
                     !accepted);
  const bool keep = reader_->keep_alive() && !timed_out_ && !settings_.connection_per_attempt;
  if (!keep) {
    if (tls_ && !timed_out_) channel_->end_cleanly();
    drop_connection();
  }
  if (!accepted) {
    // Nothing was bought: the journey ends as a definite no, sold out where the answer says so
    // (a reservation refused for stock is the sale refused).
    classify_response(status, response_body_, settings_.rules, result_);
    const bool sold_out = result_.outcome == Outcome::fail && result_.sold_out;
    result_ = Classified{};
    result_.outcome = Outcome::fail;
    result_.sold_out = sold_out;
    // A 5xx from a step that takes stock may have taken it all the same.
    return end_journey_early(step.takes_stock && status >= 500, false);
  }
  if (step.takes_stock) holding_ = true;
  ++step_;
  fill_step();
  // As in on_response: an immediate send may skip its read's first try.
  next_read_after_edge_ = connected_ && read_drained_;
  after_think(journey_step().think);
  next_read_after_edge_ = false;
}

void VirtualUser::end_journey_early(bool maybe_holding, bool connect_failed) {
  if (holding_ || maybe_holding) stats_.record_abandoned();
  end_attempt();
  after_attempt(connect_failed);
}

void VirtualUser::do_connect() {
  connect_started_ = mark_send_start();
  arm_deadline(connect_started_ + settings_.connect_timeout);
  asio::async_connect(socket_, settings_.endpoints,
                      [this](error_code ec, const tcp::endpoint&) { on_connect(ec); });
}

void VirtualUser::on_connect(error_code ec) {
  if (!ec && !timed_out_) {
    stats_.record_connect(us_between(connect_started_, std::chrono::steady_clock::now()));
    use_connection();
    if (settings_.tls) return start_tls(/*preconnect=*/false);
    return do_write();
  }
  drop_connection();
  result_ = classify_transport_failure(TransportFailure::connect_failed);
  end_try(0, /*connect_failed=*/true);
}

void VirtualUser::start_tls(bool preconnect) {
  if (!channel_) channel_ = std::make_unique<TlsChannel>(settings_.tls->native_handle());
  handshake_started_ = std::chrono::steady_clock::now();
  SSL_SESSION* resume = settings_.fresh_sessions ? nullptr : session_;
  if (!channel_->begin(socket_.native_handle(), settings_.tls_host, settings_.tls_insecure,
                       resume)) {
    return on_handshake(asio::error::no_memory, preconnect);
  }
  tls_ = true;
  continue_handshake(preconnect);
}

template <class Again>
bool VirtualUser::wait_for_tls(TlsIo io, Again&& again) {
  // A closed socket (the deadline's sweep) ends the wait with an error, and again() must then
  // not call OpenSSL: the descriptor's number may already be another connection's.
  auto checked = [this, again = std::forward<Again>(again)](error_code ec) mutable {
    if (!ec && timed_out_) ec = asio::error::timed_out;
    again(ec);
  };
  if (io == TlsIo::want_read) {
    // OpenSSL's recv came back empty just now: the next byte is an edge.
    async_wait_after_edge(socket_, std::move(checked));
  } else if (io == TlsIo::want_write) {
    socket_.async_wait(tcp::socket::wait_write, std::move(checked));
  } else {
    return false;
  }
  return true;
}

void VirtualUser::continue_handshake(bool preconnect) {
  const TlsIo io = channel_->handshake();
  if (io == TlsIo::done) return on_handshake(error_code(), preconnect);
  const bool waiting = wait_for_tls(io, [this, preconnect](error_code ec) {
    if (ec) return on_handshake(ec, preconnect);
    continue_handshake(preconnect);
  });
  if (!waiting) on_handshake(asio::error::connection_aborted, preconnect);
}

void VirtualUser::on_handshake(error_code ec, bool preconnect) {
  if (ec || timed_out_) {
    // Nothing of the request has left: like a refused connect, a definite no.
    drop_connection();
    if (preconnect) return after_preconnect();
    result_ = classify_transport_failure(TransportFailure::connect_failed);
    return end_try(0, /*connect_failed=*/true);
  }
  stats_.record_handshake(us_between(handshake_started_, std::chrono::steady_clock::now()),
                          channel_->session_reused());
  if (preconnect) return after_preconnect();
  do_write();
}

void VirtualUser::keep_session() {
  if (settings_.fresh_sessions) return;
  SSL_SESSION* session = channel_->take_session();
  if (!session) return;
  if (session_) SSL_SESSION_free(session_);
  session_ = session;
}

void VirtualUser::do_write() {
  // One deadline for the whole exchange: it covers the write and the read that follows.
  arm_deadline(mark_send_start() + settings_.request_timeout);
  if (tls_) return write_tls();
  // A request is small, so the (non-blocking) socket nearly always takes it whole at once and
  // the read starts without a completion handler's trip through the scheduler.
  error_code ec;
  const std::size_t sent = socket_.write_some(asio::buffer(request_), ec);
  if (!ec && sent == request_.size()) return do_read();
  if (ec && ec != asio::error::would_block) return on_write(ec);
  asio::async_write(socket_, asio::buffer(request_) + (ec ? 0 : sent),
                    [this](error_code ec, std::size_t) { on_write(ec); });
}

void VirtualUser::write_tls() {
  std::size_t written = 0;
  const TlsIo io = channel_->write(request_.data(), request_.size(), written);
  // All of it: OpenSSL writes partially only when asked to.
  if (io == TlsIo::done) return do_read();
  const bool waiting = wait_for_tls(io, [this](error_code ec) {
    if (ec) return on_write(ec);
    write_tls();  // OpenSSL wants the same bytes offered again
  });
  if (!waiting) on_write(asio::error::connection_reset);
}

void VirtualUser::on_write(error_code ec) {
  if (!ec && !timed_out_) return do_read();
  // Some of the request may have reached the target, so the outcome is unknown.
  fail_exchange();
}

void VirtualUser::do_read() {
  reader_.emplace(response_body_, settings_.response_body_limit);
  reader_->eager(true);  // header and body in one put() when both have arrived
  if (next_read_after_edge_ && read_buffer_.size() == 0 && !tls_) {
    // The request has just left, so the answer is not there yet. The previous response drained
    // the socket and epoll has not been polled since: no edge can have gone by unseen, and the
    // read can skip its first try (edge_read.hpp).
    next_read_after_edge_ = false;
    return read_some(/*after_edge=*/true);
  }
  parse_buffered();
}

void VirtualUser::parse_buffered() {
  while (read_buffer_.size() > 0) {
    error_code ec;
    const std::size_t used = reader_->put(read_buffer_.data(), ec);
    read_buffer_.consume(used);
    if (ec == beast::http::error::need_more) break;
    if (ec) return fail_exchange();  // not HTTP, or a body over the limit
    if (reader_->is_done()) return on_response();
  }
  read_some(/*after_edge=*/false);
}

void VirtualUser::read_some(bool after_edge) {
  // Sized as Beast's own reads are (from 512 bytes, growing only with what arrives): a fixed
  // 16 KiB per user would be 160 MB at 10,000 users.
  const size_t room = beast::read_size(read_buffer_, kMaxReadChunk);
  if (room == 0) return fail_exchange();  // a line that never ends: not an answer
  const auto buffer = read_buffer_.prepare(room);
  auto done = [this, size = buffer.size()](error_code ec, std::size_t bytes) {
    read_drained_ = !ec && bytes < size;
    on_read_some(ec, bytes);
  };
  if (tls_) return read_tls(buffer);
  if (after_edge) return async_read_after_edge(socket_, buffer, std::move(done));
  socket_.async_read_some(buffer, std::move(done));
}

void VirtualUser::read_tls(asio::mutable_buffer buffer) {
  std::size_t got = 0;
  const TlsIo io = channel_->read(buffer.data(), buffer.size(), got);
  if (io == TlsIo::done) return on_read_some(error_code(), got);
  if (io == TlsIo::closed) return on_read_some(asio::error::eof, 0);
  const bool waiting = wait_for_tls(io, [this](error_code ec) {
    if (ec) return on_read_some(ec, 0);
    read_some(/*after_edge=*/false);
  });
  if (!waiting) on_read_some(asio::error::connection_reset, 0);
}

void VirtualUser::on_read_some(error_code ec, std::size_t bytes) {
  if (ec == asio::error::eof && !timed_out_ && reader_->got_some()) {
    // A body that runs to the end of the connection (no Content-Length) ends here.
    error_code eof_ec;
    reader_->put_eof(eof_ec);
    if (!eof_ec && reader_->is_done()) return on_response();
  }
  if (ec || timed_out_) return fail_exchange();
  read_buffer_.commit(bytes);
  parse_buffered();
}

void VirtualUser::fail_exchange() {
  // The request may have reached the target, so the outcome is unknown.
  const auto failure =
      timed_out_ ? TransportFailure::timed_out_after_send : TransportFailure::reset_after_send;
  drop_connection();
  result_ = classify_transport_failure(failure);
  end_try(0, /*connect_failed=*/false);
}

void VirtualUser::on_response() {
  disarm_deadline();
  const unsigned status = reader_->status();
  if (before_purchase()) return on_step_response(status);
  classify_response(status, response_body_, settings_.rules, result_);
  if (!reader_->keep_alive() || timed_out_ || settings_.connection_per_attempt) {
    // A whole answer is a clean end: marked so, OpenSSL keeps its session resumable instead of
    // discarding it as it does a connection that broke off.
    if (tls_ && !timed_out_) channel_->end_cleanly();
    drop_connection();
  }
  // The next exchange starts inside end_try when nothing paces it (closed loop, no think time).
  // Started later, from a timer, an edge may have come and gone meanwhile: hence only until
  // end_try returns.
  next_read_after_edge_ = connected_ && read_drained_;
  end_try(status, /*connect_failed=*/false);
  next_read_after_edge_ = false;
}

void VirtualUser::end_try(unsigned status, bool connect_failed) {
  if (in_journey()) {
    stats_.record_step(step_, status, us_between(step_started_, std::chrono::steady_clock::now()),
                       result_.outcome != Outcome::ok);
    if (!journey_step().purchase) {
      // No answer to a step before the purchase: no sale was asked for, so a definite no.
      result_ = classify_transport_failure(TransportFailure::connect_failed);
      return end_journey_early(journey_step().takes_stock && !connect_failed, connect_failed);
    }
  }
  if (status != 0) stats_.record_status(status);
  if (retries_ > 0 && result_.outcome == Outcome::fail) {
    // An earlier try of this attempt was indeterminate and may still land (a timed-out request
    // can commit after its answer was given up on; a replay can meet it in flight). Only an
    // order id settles the attempt now: calling it fail could turn a real order into a phantom.
    result_ = Classified{};
  }
  if (result_.outcome == Outcome::info && retries_ < settings_.retry.max_retries &&
      !budget_.stopped()) {
    ++retries_;
    stats_.record_retry();
    auto pause = settings_.retry.pause_before(retries_);
    if (connect_failed) pause = std::max(pause, settings_.reconnect_backoff);
    wait_timer_.expires_after(pause);
    wait_timer_.async_wait([this](error_code) { on_retry_due(); });
    return;
  }
  end_attempt();
  after_attempt(connect_failed);
}

void VirtualUser::on_retry_due() {
  if (!budget_.stopped()) return send_try();  // same seq, same key, same bytes
  // Stopped during the backoff: the attempt ends as its last try did, indeterminate.
  result_ = Classified{};
  end_attempt();
  after_attempt(/*connect_failed=*/false);
}

void VirtualUser::end_attempt() {
  const AttemptTimes times{intended_, attempt_started_, std::chrono::steady_clock::now()};
  stats_.record_attempt(seq_, result_, times);
}

void VirtualUser::after_attempt(bool connect_failed) {
  // Open loop: the pacer sets the pace, a free connection takes the next attempt at once.
  auto pause = pacer_ ? std::chrono::milliseconds::zero() : settings_.think_time;
  if (connect_failed) pause = std::max(pause, settings_.reconnect_backoff);
  if (pause == std::chrono::milliseconds::zero()) return next_attempt();
  wait_timer_.expires_after(pause);
  wait_timer_.async_wait([this](error_code) { next_attempt(); });
}

std::chrono::steady_clock::time_point VirtualUser::mark_send_start() {
  const auto now = std::chrono::steady_clock::now();
  // An attempt's latency spans all its tries and backoffs, and a journey's all its steps: what
  // a buyer would wait.
  if (retries_ == 0 && step_ == 0) attempt_started_ = now;
  step_started_ = now;
  return now;
}

void VirtualUser::arm_deadline(std::chrono::steady_clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
}

void VirtualUser::disarm_deadline() {
  deadline_ = std::chrono::steady_clock::time_point::max();
}

void VirtualUser::enforce_deadline(std::chrono::steady_clock::time_point now) {
  if (now < deadline_) return;
  disarm_deadline();
  timed_out_ = true;
  // The pending connect, write or read completes with an error, and its handler sees why.
  abort_connection();
}

void VirtualUser::abort_connection() {
  // A reset, not a close: a close leaves unsent request bytes in the kernel, which retransmits
  // them for minutes, so an attempt counted unanswered could still buy, in a later run whose
  // ledger then holds an order that none of its buyers sent.
  error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
}

void VirtualUser::use_connection() {
  connected_ = true;
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // do_write's send must not block the thread
}

void VirtualUser::drop_connection() {
  connected_ = false;
  if (tls_) {
    keep_session();
    tls_ = false;
  }
  disarm_deadline();
  error_code ignored;
  socket_.close(ignored);
  // Bytes left from the old connection would be misread as the next response.
  read_buffer_.clear();
}

void VirtualUser::finish() {
  drop_connection();
  ended_ = true;
  users_done_.fetch_add(1, std::memory_order_release);
}

}  // namespace stampede::agent
