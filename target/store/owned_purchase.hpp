// A PurchaseRequest whose strings are owned, so a network store can carry it to its own thread
// (Store's contract lets the caller's string_views die when the call returns).
#pragma once

#include <string>

#include "target/store/store.hpp"

namespace stampede::target {

struct OwnedPurchase {
  explicit OwnedPurchase(const PurchaseRequest& r)
      : product_id(r.product_id),
        quantity(r.quantity),
        user_id(r.user_id),
        idempotency_key(r.idempotency_key),
        endpoint(r.endpoint),
        per_user_limit(r.per_user_limit) {}

  OrderRecord order(std::string order_id) const {
    return OrderRecord{std::move(order_id), idempotency_key, endpoint, user_id};
  }

  uint64_t product_id;
  uint32_t quantity;
  std::string user_id;
  std::string idempotency_key;
  Endpoint endpoint;
  uint32_t per_user_limit;
};

}  // namespace stampede::target
