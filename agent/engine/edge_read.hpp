// A socket read that waits for epoll's next readiness edge without first trying a recv. asio's
// async_read_some always tries one at once, and right after a request has left, the answer
// cannot be there yet: that recv comes back EAGAIN, a wasted syscall per request, and
// async_wait costs an epoll_ctl instead. This op joins asio's reactor queue for the socket and
// declines the try that asio makes while queuing it, so its first recv is the one the edge
// announces.
//
// Only correct when no readiness edge can have gone by unobserved: the socket was drained by
// the previous read and the io_context has not polled epoll since (epoll is edge-triggered,
// and an edge taken while no read was queued is not reported again). VirtualUser uses it only
// inside the handler that finished the previous response. async_wait_after_edge is the same
// without the recv, for OpenSSL reading the descriptor itself (agent/engine/tls_channel.hpp).
//
// Built on asio's reactor internals (boost/asio/detail), which the Debian 12 Boost (1.81) fixes;
// tests/unit/agent/test_edge_read.cpp pins the behaviour it relies on.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <utility>

#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/version.hpp>

// The seam holds only for the reactor it was written and tested against: another Boost must
// be checked against test_edge_read.cpp before this compiles for it.
#if BOOST_VERSION != 108100
#error "edge_read.hpp relies on Boost 1.81's asio reactor internals: re-check it for this Boost"
#endif

namespace stampede::agent {

// A tcp::socket that lends its reactor registration to async_read_after_edge.
class ReactorSocket : public boost::asio::ip::tcp::socket {
 public:
  explicit ReactorSocket(boost::asio::io_context& io)
      : boost::asio::ip::tcp::socket(io),
        reactor_(boost::asio::use_service<boost::asio::detail::reactor>(io)) {}

 private:
  template <class Handler>
  friend void async_read_after_edge(ReactorSocket&, boost::asio::mutable_buffer, Handler&&);
  template <class Handler>
  friend void async_wait_after_edge(ReactorSocket&, Handler&&);

  boost::asio::detail::reactor& reactor_;
};

namespace edge_read_detail {

// One read of up to buffer.size() bytes, completed as handler(error_code, bytes): eof when the
// peer has closed, operation_aborted when the socket is closed first.
template <class Handler>
class Op final : public boost::asio::detail::reactor_op {
 public:
  using Allocator = boost::asio::recycling_allocator<Op>;

  Op(int fd, boost::asio::mutable_buffer buffer, Handler handler)
      : reactor_op(boost::system::error_code(), &Op::do_perform, &Op::do_complete),
        fd_(fd),
        buffer_(buffer),
        handler_(std::move(handler)) {}

  bool queuing = true;  // asio's start_op is calling: decline its speculative try

 private:
  static status do_perform(reactor_op* base) {
    auto* op = static_cast<Op*>(base);
    if (op->queuing) return not_done;
    for (;;) {
      const ssize_t n = ::recv(op->fd_, op->buffer_.data(), op->buffer_.size(), 0);
      if (n > 0) {
        op->bytes_transferred_ = static_cast<std::size_t>(n);
        return done;
      }
      if (n == 0) {
        op->ec_ = boost::asio::error::eof;
        return done;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;  // a stale edge
      op->ec_ = boost::system::error_code(errno, boost::asio::error::get_system_category());
      return done;
    }
  }

  // owner is null when the io_context is destroyed with the op still queued: free it only.
  static void do_complete(void* owner, boost::asio::detail::operation* base,
                          const boost::system::error_code&, std::size_t) {
    auto* op = static_cast<Op*>(base);
    Handler handler(std::move(op->handler_));
    const boost::system::error_code ec = op->ec_;
    const std::size_t bytes = op->bytes_transferred_;
    op->~Op();
    Allocator().deallocate(op, 1);  // before the handler, which may start the next read
    if (owner != nullptr) handler(ec, bytes);
  }

  int fd_;
  boost::asio::mutable_buffer buffer_;
  Handler handler_;
};

// A readiness wait on the same terms: done, with no syscall, when epoll next reports the
// socket readable. For a reader that does its own recv (OpenSSL on the socket's descriptor)
// and queues this right after that recv came back EAGAIN: any byte that arrives later makes a
// new edge. A stale edge wakes it early; the reader then meets EAGAIN again and waits again.
template <class Handler>
class WaitOp final : public boost::asio::detail::reactor_op {
 public:
  using Allocator = boost::asio::recycling_allocator<WaitOp>;

  explicit WaitOp(Handler handler)
      : reactor_op(boost::system::error_code(), &WaitOp::do_perform, &WaitOp::do_complete),
        handler_(std::move(handler)) {}

  bool queuing = true;  // asio's start_op is calling: decline its speculative try

 private:
  static status do_perform(reactor_op* base) {
    return static_cast<WaitOp*>(base)->queuing ? not_done : done;
  }

  static void do_complete(void* owner, boost::asio::detail::operation* base,
                          const boost::system::error_code&, std::size_t) {
    auto* op = static_cast<WaitOp*>(base);
    Handler handler(std::move(op->handler_));
    const boost::system::error_code ec = op->ec_;
    op->~WaitOp();
    Allocator().deallocate(op, 1);
    if (owner != nullptr) handler(ec);
  }

  Handler handler_;
};

}  // namespace edge_read_detail

template <class Handler>
void async_read_after_edge(ReactorSocket& socket, boost::asio::mutable_buffer buffer,
                           Handler&& handler) {
  using Op = edge_read_detail::Op<std::decay_t<Handler>>;
  typename Op::Allocator allocator;  // asio's per-thread cache: no heap allocation per read
  Op* op = new (allocator.allocate(1))
      Op(socket.native_handle(), buffer, std::forward<Handler>(handler));
  auto& impl = socket.impl_.get_implementation();
  // Speculative, so asio queues the op without an epoll_ctl; the op declines the try.
  socket.reactor_.start_op(boost::asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_,
                           op, /*is_continuation=*/true, /*allow_speculative=*/true);
  // Still alive: it completes only from the io_context's loop, which this thread is inside.
  op->queuing = false;
}

template <class Handler>
void async_wait_after_edge(ReactorSocket& socket, Handler&& handler) {
  using Op = edge_read_detail::WaitOp<std::decay_t<Handler>>;
  typename Op::Allocator allocator;
  Op* op = new (allocator.allocate(1)) Op(std::forward<Handler>(handler));
  auto& impl = socket.impl_.get_implementation();
  socket.reactor_.start_op(boost::asio::detail::reactor::read_op, impl.socket_, impl.reactor_data_,
                           op, /*is_continuation=*/true, /*allow_speculative=*/true);
  op->queuing = false;
}

}  // namespace stampede::agent
