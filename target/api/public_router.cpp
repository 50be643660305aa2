// PublicRouter: matches the path, checks the method, hands off to the checkout service or the
// store.
#include "target/api/public_router.hpp"

#include <charconv>
#include <chrono>

#include "target/api/checkout_request.hpp"
#include "target/api/checkout_service.hpp"
#include "target/api/json_util.hpp"
#include "target/api/orders_stream.hpp"
#include "target/metrics/target_metrics.hpp"
#include "target/store/store.hpp"

namespace stampede::target {
namespace {

constexpr std::string_view kCheckoutPrefix = "/api/v1/checkout/";
constexpr std::string_view kReservationsPrefix = "/api/v1/reservations/";
constexpr std::string_view kConfirmSuffix = "/confirm";
constexpr std::string_view kProductsPrefix = "/api/v1/products/";
constexpr std::string_view kOrdersSuffix = "/orders";

std::optional<Endpoint> parse_endpoint(std::string_view name) {
  if (name == "buggy") return Endpoint::buggy;
  if (name == "unstable") return Endpoint::unstable;
  if (name == "safe") return Endpoint::safe;
  return std::nullopt;
}

}  // namespace

std::string_view request_path(const Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

std::optional<uint64_t> parse_product_id(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Reply not_found_reply() {
  return error_reply(http::status::not_found, "not_found", "no such route");
}

Reply store_unavailable_reply() {
  return error_reply(http::status::service_unavailable, "store_unavailable",
                     "the store did not answer");
}

Reply method_not_allowed_reply(std::string_view allow) {
  Reply reply = error_reply(http::status::method_not_allowed, "method_not_allowed",
                            "this route does not take that method");
  reply.message.set(http::field::allow, allow);
  return reply;
}

PublicRouter::PublicRouter(CheckoutService& checkout, Store& store, TargetMetrics& metrics)
    : checkout_(checkout), store_(store), metrics_(metrics) {}

void PublicRouter::handle(Request&& request, const Executor& executor, ReplyFn done) {
  const auto received = std::chrono::steady_clock::now();
  const std::string_view path = request_path(request);
  const bool get = request.method() == http::verb::get;

  if (path.starts_with(kCheckoutPrefix)) {
    const auto endpoint = parse_endpoint(path.substr(kCheckoutPrefix.size()));
    if (!endpoint) return done(not_found_reply());
    if (request.method() != http::verb::post) return done(method_not_allowed_reply("POST"));
    CheckoutRequest checkout;
    if (auto problem = parse_checkout_request(request, *endpoint, checkout)) {
      return checkout_.reject(*endpoint,
                              error_reply(problem->status, problem->error, problem->detail), done);
    }
    checkout.received = received;
    return checkout_.checkout(std::move(checkout), executor, std::move(done));
  }
  if (path.starts_with(kReservationsPrefix)) {
    return reservation(path.substr(kReservationsPrefix.size()), std::move(request), received,
                       executor, std::move(done));
  }
  if (path.starts_with(kProductsPrefix)) {
    std::string_view rest = path.substr(kProductsPrefix.size());
    const bool wants_orders = rest.ends_with(kOrdersSuffix);
    if (wants_orders) rest.remove_suffix(kOrdersSuffix.size());
    const auto product_id = parse_product_id(rest);
    if (!product_id) return done(not_found_reply());
    if (!get) return done(method_not_allowed_reply("GET"));
    return wants_orders ? orders(*product_id, std::move(done))
                        : product(*product_id, std::move(done));
  }
  if (path == "/health") {
    if (!get) return done(method_not_allowed_reply("GET"));
    return done(json_reply(http::status::ok, "{\"status\":\"ok\"}"));
  }
  if (path == "/metrics") {
    if (!get) return done(method_not_allowed_reply("GET"));
    return metrics(std::move(done));
  }
  done(not_found_reply());
}

// "E" reserves; "E/{id}/confirm" confirms.
void PublicRouter::reservation(std::string_view rest, Request&& request,
                               std::chrono::steady_clock::time_point received,
                               const Executor& executor, ReplyFn done) {
  const size_t slash = rest.find('/');
  const auto endpoint = parse_endpoint(rest.substr(0, slash));
  if (!endpoint) return done(not_found_reply());
  CheckoutRequest parsed;
  std::optional<RequestProblem> problem;
  if (slash == std::string_view::npos) {
    if (request.method() != http::verb::post) return done(method_not_allowed_reply("POST"));
    problem = parse_checkout_request(request, *endpoint, parsed);
    parsed.action = StockAction::reserve;
  } else {
    std::string_view id = rest.substr(slash + 1);
    if (!id.ends_with(kConfirmSuffix)) return done(not_found_reply());
    id.remove_suffix(kConfirmSuffix.size());
    if (id.empty() || id.find('/') != std::string_view::npos) return done(not_found_reply());
    if (request.method() != http::verb::post) return done(method_not_allowed_reply("POST"));
    problem = parse_confirm_request(request, *endpoint, id, parsed);
  }
  if (problem) {
    return checkout_.reject(*endpoint,
                            error_reply(problem->status, problem->error, problem->detail), done);
  }
  parsed.received = received;
  checkout_.checkout(std::move(parsed), executor, std::move(done));
}

void PublicRouter::product(uint64_t product_id, ReplyFn done) {
  store_.read_product(product_id, [done = std::move(done)](ProductSnapshot p) {
    if (p.failed) return done(store_unavailable_reply());
    if (!p.found)
      return done(error_reply(http::status::not_found, "unknown_product", "no such product"));
    std::string body = "{\"product_id\":" + std::to_string(p.product_id) +
                       ",\"initial_stock\":" + std::to_string(p.initial_stock) +
                       ",\"stock\":" + std::to_string(p.stock) +
                       ",\"orders\":" + std::to_string(p.orders);
    // Only a write-behind store has a queue; reconciliation waits for it to reach 0.
    if (p.pending_writes >= 0) body += ",\"pending_writes\":" + std::to_string(p.pending_writes);
    // Only a store with reservations holds stock apart; stock + held + sold = initial_stock.
    if (p.held >= 0) {
      body += ",\"held\":" + std::to_string(p.held) +
              ",\"holds\":{\"placed\":" + std::to_string(p.holds.placed) +
              ",\"confirmed\":" + std::to_string(p.holds.confirmed) +
              ",\"expired\":" + std::to_string(p.holds.expired) +
              ",\"open\":" + std::to_string(p.holds.open) + "}";
    }
    body += '}';
    done(json_reply(http::status::ok, std::move(body)));
  });
}

void PublicRouter::orders(uint64_t product_id, ReplyFn done) {
  store_.read_product(product_id, [this, product_id, done = std::move(done)](ProductSnapshot p) {
    if (p.failed) return done(store_unavailable_reply());
    if (!p.found)
      return done(error_reply(http::status::not_found, "unknown_product", "no such product"));
    Reply reply;
    reply.message.result(http::status::ok);
    reply.message.set(http::field::content_type, "application/x-ndjson");
    reply.body_stream = std::make_unique<OrdersStream>(store_, product_id, p.orders, p.generation);
    done(std::move(reply));
  });
}

void PublicRouter::metrics(ReplyFn done) {
  store_.read_products([this, done = std::move(done)](std::vector<ProductSnapshot> products) {
    for (const auto& p : products) metrics_.set_stock(p.product_id, p.stock);
    Reply reply;
    reply.message.result(http::status::ok);
    reply.message.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    reply.message.body() = metrics_.render();
    done(std::move(reply));
  });
}

}  // namespace stampede::target
