// Turns a raw POST /api/v1/checkout/{endpoint} into a validated CheckoutRequest, or into the
// exact 4xx design.md promises (400, 413, 415, 422), before anything touches the stock.
//
//   CheckoutRequest req;
//   if (auto problem = parse_checkout_request(raw, Endpoint::safe, req)) return reply(*problem);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "target/http.hpp"
#include "target/store/order.hpp"

namespace stampede::target {

inline constexpr size_t kMaxUserIdBytes = 128;
inline constexpr size_t kMaxIdempotencyKeyBytes = 255;
inline constexpr int64_t kMaxQuantity = 100;

struct CheckoutRequest {
  Endpoint endpoint = Endpoint::safe;
  StockAction action = StockAction::checkout;
  std::string reservation_id{};  // confirm only; product_id, user_id, quantity unused then
  uint64_t product_id = 0;
  std::string user_id;
  uint32_t quantity = 1;
  std::string idempotency_key;  // "" when the header was absent
  std::chrono::steady_clock::time_point received{};
};

// Why a request was refused; the strings are static, so a problem never allocates.
struct RequestProblem {
  http::status status = http::status::bad_request;
  std::string_view error;
  std::string_view detail;
};

// 1 to 255 characters of [A-Za-z0-9._:-].
bool valid_idempotency_key(std::string_view key);

// Checks in the order a client can fix them: size, media type, key, syntax, fields.
// Whether the product exists is the store's answer (404), not this function's.
// A reservation takes the checkout's body.
std::optional<RequestProblem> parse_checkout_request(const Request& raw, Endpoint endpoint,
                                                     CheckoutRequest& out);

// POST /api/v1/reservations/{endpoint}/{id}/confirm: no body needed, an optional key.
std::optional<RequestProblem> parse_confirm_request(const Request& raw, Endpoint endpoint,
                                                    std::string_view reservation_id,
                                                    CheckoutRequest& out);

}  // namespace stampede::target
