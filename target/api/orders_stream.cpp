// OrdersStream: renders each page into one reused buffer.
#include "target/api/orders_stream.hpp"

#include <algorithm>

#include "target/api/json_util.hpp"
#include "target/store/store.hpp"

namespace stampede::target {

void append_order_line(std::string& out, const OrderRecord& order) {
  out += "{\"order_id\":";
  append_json_string(out, order.order_id);
  out += ",\"idempotency_key\":";
  append_json_string(out, order.idempotency_key);
  out += ",\"endpoint\":\"";
  out += endpoint_name(order.endpoint);
  out += "\",\"user_id\":";
  append_json_string(out, order.user_id);
  if (!order.hold.reservation_id.empty()) {
    out += ",\"reservation_id\":";
    append_json_string(out, order.hold.reservation_id);
    out += ",\"held_at_ms\":" + std::to_string(order.hold.placed_ms);
    out += ",\"expires_at_ms\":" + std::to_string(order.hold.expires_ms);
    out += ",\"confirmed_at_ms\":" + std::to_string(order.hold.confirmed_ms);
  }
  out += "}\n";
}

OrdersStream::OrdersStream(Store& store, uint64_t product_id, uint64_t order_count,
                           uint64_t generation)
    : store_(store), product_id_(product_id), end_(order_count), generation_(generation) {}

void OrdersStream::next(std::function<void(Chunk)> done) {
  if (next_ >= end_) return done(Chunk{true, {}});
  const auto count = static_cast<uint32_t>(std::min<uint64_t>(kPageOrders, end_ - next_));
  store_.read_orders(product_id_, next_, count, [this, done = std::move(done)](OrdersPage page) {
    if (!page.found || page.generation != generation_ || page.orders.empty()) {
      return done(Chunk{false, {}});
    }
    buffer_.clear();
    for (const OrderRecord& order : page.orders) append_order_line(buffer_, order);
    next_ += page.orders.size();
    done(Chunk{true, buffer_});
  });
}

}  // namespace stampede::target
