// The real server on loopback ports chosen at run time: what only a socket can show.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <latch>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizers' allocator interface (sanitizer/allocator_interface.h, which GCC does not
// ship): bytes allocated and not yet freed.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include "target_test_support.hpp"

using namespace stampede;
using namespace stampede::target;
using namespace stampede::target::testing;
namespace asio = boost::asio;

namespace {

struct ProductFigures {
  int64_t initial = -1, stock = -1, orders = -1;
};

int64_t json_int(const std::string& body, const std::string& field) {
  const auto at = body.find("\"" + field + "\":");
  REQUIRE(at != std::string::npos);
  return std::stoll(body.substr(at + field.size() + 3));
}

ProductFigures product(const LiveServer& s) {
  auto r = http_call("GET", s.api("/api/v1/products/1"), {});
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  return {json_int(r->body, "initial_stock"), json_int(r->body, "stock"),
          json_int(r->body, "orders")};
}

std::string order_id_of(const std::string& body) {
  const std::string marker = "\"order_id\":\"";
  const auto from = body.find(marker);
  if (from == std::string::npos) return {};
  const auto start = from + marker.size();
  return body.substr(start, body.find('"', start) - start);
}

// Sends raw bytes and reads until the server closes (or 5 s pass).
std::string raw_exchange(const LiveServer& s, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), s.bound.api.port()});
  asio::write(sock, asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  timeval tv{5, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::read(sock, asio::dynamic_buffer(out), ec);
  return out;
}

}  // namespace

TEST_CASE("start-up line names both bound ports in the scripted format", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  CHECK(s.bound.api.port() != 0);
  CHECK(s.bound.admin.port() != 0);
  CHECK(startup_line(s.bound) ==
        "stampede-target listening on 127.0.0.1:" + std::to_string(s.bound.api.port()) +
            " admin 127.0.0.1:" + std::to_string(s.bound.admin.port()));
  auto health = http_call("GET", s.api("/health"), {});
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");
}

TEST_CASE("binding a port that is taken fails with a message instead of throwing", "[target]") {
  LiveServer first(LiveServer::options(10, std::chrono::milliseconds(0)));
  TargetOptions o = LiveServer::options(10, std::chrono::milliseconds(0));
  o.listen.port = first.bound.api.port();
  TargetServer second(o);
  auto bound = second.open();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().find("cannot bind") != std::string::npos);
}

namespace {
// `buyers` threads released together, one purchase each; returns how many got a 201.
int buy_together(const LiveServer& s, const std::string& endpoint, int buyers) {
  std::latch go(buyers);
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < buyers; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto r = http_call("POST", s.api("/api/v1/checkout/" + endpoint),
                         json_call(checkout_body(1, "u-" + std::to_string(i), 1)));
      if (r && r->status == 201) ++created;
    });
  }
  for (auto& t : threads) t.join();
  return created;
}
}  // namespace

TEST_CASE("the buggy endpoint oversells under 200 concurrent buyers", "[target]") {
  LiveServer s(LiveServer::options(100, std::chrono::milliseconds(20)));
  const int created = buy_together(s, "buggy", 200);
  const ProductFigures p = product(s);
  INFO("created " << created << " orders " << p.orders << " stock " << p.stock);
  CHECK(p.orders == created);
  // Either more orders than stock, or orders the stock count never saw (lost updates).
  CHECK((p.orders > p.initial || p.orders != p.initial - p.stock));
}

TEST_CASE("the safe endpoint never oversells under 200 concurrent buyers", "[target]") {
  LiveServer s(LiveServer::options(100, std::chrono::milliseconds(20)));
  const int created = buy_together(s, "safe", 200);
  const ProductFigures p = product(s);
  CHECK(created == 100);
  CHECK(p.orders == 100);
  CHECK(p.stock == 0);
}

TEST_CASE("after a 503-after-commit fault a retry with the same key gets the one order",
          "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  auto faults = http_call("POST", s.admin("/admin/faults"),
                          json_call(R"({"rate":1.0,"kinds":["after_commit"]})", {}, "secret"));
  REQUIRE(faults.has_value());
  REQUIRE(faults->status == 200);

  const std::string body = checkout_body(1, "u-1", 1);
  auto first = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "retry-1"));
  REQUIRE(first.has_value());
  CHECK(first->status == 503);
  CHECK(first->body.find("\"error\":\"injected_fault\"") != std::string::npos);

  auto retry = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "retry-1"));
  auto again = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "retry-1"));
  REQUIRE(retry.has_value());
  REQUIRE(again.has_value());
  CHECK(retry->status == 201);
  CHECK(again->status == 201);
  const std::string order_id = order_id_of(retry->body);
  CHECK_FALSE(order_id.empty());
  CHECK(order_id_of(again->body) == order_id);

  auto ledger = http_call("GET", s.api("/api/v1/products/1/orders"), {});
  REQUIRE(ledger.has_value());
  CHECK(std::count(ledger->body.begin(), ledger->body.end(), '\n') == 1);
  CHECK(ledger->body.find("\"order_id\":\"" + order_id + "\",\"idempotency_key\":\"retry-1\"") !=
        std::string::npos);
  CHECK(product(s).stock == 9);
}

TEST_CASE("an after-commit fault also hits sold-out answers, and the key keeps the 409",
          "[target]") {
  // Stock 0: every purchase is a definite no; the fault still reaches the client, so the
  // unstable endpoint's fault rate holds after the stock runs out.
  LiveServer s(LiveServer::options(0, std::chrono::milliseconds(0)));
  s.server.faults().configure(FaultSettings{1.0, {FaultKind::after_commit}, {}});
  const std::string body = checkout_body(1, "u-1", 1);
  auto first = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "late"));
  REQUIRE(first.has_value());
  CHECK(first->status == 503);
  CHECK(first->body.find("\"error\":\"injected_fault\"") != std::string::npos);
  s.server.faults().configure(FaultSettings{0.0, {FaultKind::after_commit}, {}});
  auto replay = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "late"));
  REQUIRE(replay.has_value());
  CHECK(replay->status == 409);
  CHECK(product(s).orders == 0);
}

TEST_CASE("a 503-before-commit fault buys nothing and releases the key", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  s.server.faults().configure(FaultSettings{1.0, {FaultKind::before_commit}, {}});
  const std::string body = checkout_body(1, "u-1", 1);
  auto first = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "k"));
  REQUIRE(first.has_value());
  CHECK(first->status == 503);
  CHECK(product(s).orders == 0);
  s.server.faults().configure(FaultSettings{0.0, {FaultKind::before_commit}, {}});
  auto retry = http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "k"));
  REQUIRE(retry.has_value());
  CHECK(retry->status == 201);
  CHECK(product(s).orders == 1);
}

TEST_CASE("a reset-after-commit fault closes the connection unanswered but keeps the order",
          "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  s.server.faults().configure(FaultSettings{1.0, {FaultKind::reset_after_commit}, {}});
  auto r = http_call("POST", s.api("/api/v1/checkout/unstable"),
                     json_call(checkout_body(1, "u-1", 1), "reset-1"));
  CHECK_FALSE(r.has_value());
  CHECK(product(s).orders == 1);
  auto retry = http_call("POST", s.api("/api/v1/checkout/unstable"),
                         json_call(checkout_body(1, "u-1", 1), "reset-1"));
  REQUIRE(retry.has_value());
  CHECK(retry->status == 201);
  CHECK(product(s).orders == 1);
}

TEST_CASE("the admin listener enforces the bearer token over HTTP", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  const std::string body = R"({"product_id":1,"stock":3})";
  auto none = http_call("POST", s.admin("/admin/reset"), json_call(body));
  auto wrong = http_call("POST", s.admin("/admin/reset"), json_call(body, {}, "nope"));
  auto right = http_call("POST", s.admin("/admin/reset"), json_call(body, {}, "secret"));
  REQUIRE((none && wrong && right));
  CHECK(none->status == 401);
  CHECK(wrong->status == 403);
  CHECK(right->status == 200);
  CHECK(product(s).stock == 3);
  // The admin routes are not on the public port.
  auto public_port = http_call("POST", s.api("/admin/reset"), json_call(body, {}, "secret"));
  REQUIRE(public_port.has_value());
  CHECK(public_port->status == 404);
}

TEST_CASE("/metrics exposes every target metric family", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  http_call("POST", s.api("/api/v1/checkout/safe"), json_call(checkout_body(1, "u", 1)));
  auto r = http_call("GET", s.api("/metrics"), {});
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  for (const char* needle :
       {"stampede_target_checkouts_total{endpoint=\"safe\",result=\"ok\"} 1",
        "stampede_target_stock_items{product=\"1\"} 9",
        "# TYPE stampede_target_faults_injected_total counter",
        "stampede_target_faults_injected_total{kind=\"after_commit\"} 0",
        "stampede_target_request_duration_seconds_bucket{endpoint=\"safe\",le=",
        "stampede_target_request_duration_seconds_count{endpoint=\"safe\"} 1"}) {
    INFO(needle);
    CHECK(r->body.find(needle) != std::string::npos);
  }
}

TEST_CASE("a large ledger arrives complete over a chunked response", "[target]") {
  LiveServer s(LiveServer::options(5000, std::chrono::milliseconds(0)));
  for (int i = 0; i < 3000; ++i) {
    s.server.store().purchase(PurchaseRequest{1, 1, "u", {}, Endpoint::safe},
                              [](PurchaseOutcome) {});
  }
  auto r = http_call("GET", s.api("/api/v1/products/1/orders"), {});
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(std::count(r->body.begin(), r->body.end(), '\n') == 3000);
}

TEST_CASE("hostile input gets 400/413/431 or a close, and the server keeps serving", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  CHECK(raw_exchange(s, "GARBAGE\r\n\r\n").starts_with("HTTP/1.1 400"));
  CHECK(raw_exchange(s, "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n")
            .starts_with("HTTP/1.1 431"));
  CHECK(raw_exchange(s,
                     "POST /api/v1/checkout/safe HTTP/1.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: 20000\r\n\r\n")
            .starts_with("HTTP/1.1 413"));
  raw_exchange(s, std::string("\0\xff\x01\r\n\r\n\r\n", 9));
  // Two pipelined requests on one keep-alive connection are both answered, in order.
  const std::string two = raw_exchange(s,
                                       "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope "
                                       "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto ok = two.find("HTTP/1.1 200");
  const auto missing = two.find("HTTP/1.1 404");
  CHECK(ok != std::string::npos);
  CHECK(missing != std::string::npos);
  CHECK(ok < missing);
  auto health = http_call("GET", s.api("/health"), {});
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
}

TEST_CASE("a connection that sends nothing is cut off at the read deadline", "[target]") {
  TargetOptions o = LiveServer::options(10, std::chrono::milliseconds(0));
  o.limits.read_timeout = std::chrono::milliseconds(300);
  LiveServer s(o);
  const auto start = std::chrono::steady_clock::now();
  const std::string partial = raw_exchange(s, "GET /health HTTP/1.1\r\nHost: x\r\n");  // never ends
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(partial.empty());
  CHECK(waited < std::chrono::seconds(4));  // closed by the server, not by our 5 s receive limit
}

TEST_CASE("shutdown lets an in-flight request finish before the server stops", "[target]") {
  LiveServer s(LiveServer::options(10, std::chrono::milliseconds(0)));
  s.server.faults().configure(
      FaultSettings{1.0, {FaultKind::delay}, std::chrono::milliseconds(300)});
  const std::string body = checkout_body(1, "u", 1);
  std::optional<Expected<HttpReply>> reply;
  std::thread buyer([&] {
    reply.emplace(http_call("POST", s.api("/api/v1/checkout/unstable"), json_call(body, "slow")));
  });
  // The delay fault is counted just before the request parks on its timer.
  bool parked = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!parked && std::chrono::steady_clock::now() < deadline) {
    auto m = http_call("GET", s.api("/metrics"), {});
    parked = m && m->body.find("stampede_target_faults_injected_total{kind=\"delay\"} 1") !=
                      std::string::npos;
  }
  CHECK(parked);
  s.server.shutdown();
  s.server.wait();
  buyer.join();
  REQUIRE(reply.has_value());
  REQUIRE(reply->has_value());
  CHECK((*reply)->status == 201);
  // Stopped: new connections are refused.
  CHECK_FALSE(http_call("GET", s.api("/health"), {}).has_value());
}

namespace {

// Bytes the process has allocated and not freed: ASan's own count under ASan (freed blocks
// waiting in its quarantine are not in it), glibc's otherwise.
size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

}  // namespace

TEST_CASE("a ledger of a million orders streams through the server in bounded memory",
          "[target][slow]") {
  constexpr int64_t kOrders = 1'000'000;
  LiveServer s(LiveServer::options(kOrders, std::chrono::milliseconds(0)));
  const std::string user = "u-ledger";
  for (int64_t i = 0; i < kOrders; ++i) {
    const std::string key = "ledger-key-" + std::to_string(i);
    s.server.store().purchase(
        PurchaseRequest{1, 1, user, key, Endpoint::safe},
        [](PurchaseOutcome o) { REQUIRE(o.status == PurchaseStatus::bought); });
  }
  REQUIRE(product(s).orders == kOrders);

  // A client that counts lines as they arrive and keeps nothing, so the process's heap is the
  // server's: a body built whole would add its ~100 MB, the stream holds one page at a time.
  const size_t before = heap_in_use();
  size_t peak = before;
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  sock.connect({asio::ip::make_address("127.0.0.1"), s.bound.api.port()});
  asio::write(sock, asio::buffer(std::string("GET /api/v1/products/1/orders HTTP/1.1\r\n"
                                             "Host: t\r\nConnection: close\r\n\r\n")));
  timeval tv{30, 0};
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<char> chunk(64 * 1024);
  int64_t lines = 0;
  size_t bytes = 0;
  char last = 0;
  for (;;) {
    boost::system::error_code ec;
    const size_t n = sock.read_some(asio::buffer(chunk), ec);
    for (size_t i = 0; i < n; ++i) {
      // Each NDJSON line ends "}\n"; chunk framing lines end "\r\n".
      if (chunk[i] == '\n' && (i > 0 ? chunk[i - 1] : last) == '}') ++lines;
    }
    if (n > 0) last = chunk[n - 1];
    bytes += n;
    peak = std::max(peak, heap_in_use());
    if (ec) break;
  }
  INFO("streamed " << bytes << " bytes; heap grew by at most " << (peak - before) << " bytes");
  CHECK(lines == kOrders);
  CHECK(bytes > 80'000'000);
  CHECK(peak - before < 16'000'000);
}
