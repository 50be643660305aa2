// Checkout request validation; every refusal names the field so a load script can be fixed.
#include "target/api/checkout_request.hpp"

#include "target/api/json_util.hpp"

namespace stampede::target {
namespace {

constexpr http::status kUnprocessable = http::status::unprocessable_entity;

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) return false;
  for (char c : key) {
    if (!key_char(c)) return false;
  }
  return true;
}

namespace {

std::optional<RequestProblem> read_idempotency_key(const Request& raw, std::string_view& key) {
  const auto key_header = raw.find("Idempotency-Key");
  if (key_header == raw.end()) return std::nullopt;
  key = std::string_view(key_header->value().data(), key_header->value().size());
  if (!valid_idempotency_key(key)) {
    return RequestProblem{http::status::bad_request, "invalid_idempotency_key",
                          "Idempotency-Key must be 1 to 255 characters of [A-Za-z0-9._:-]"};
  }
  return std::nullopt;
}

std::optional<RequestProblem> body_size_problem(const Request& raw) {
  if (raw.body().size() <= kMaxBodyBytes) return std::nullopt;
  return RequestProblem{http::status::payload_too_large, "body_too_large",
                        "the body is over 16 KiB"};
}

}  // namespace

std::optional<RequestProblem> parse_confirm_request(const Request& raw, Endpoint endpoint,
                                                    std::string_view reservation_id,
                                                    CheckoutRequest& out) {
  if (auto problem = body_size_problem(raw)) return problem;
  std::string_view key;
  if (auto problem = read_idempotency_key(raw, key)) return problem;
  if (reservation_id.empty() || reservation_id.size() > kMaxUserIdBytes) {
    return RequestProblem{http::status::not_found, "unknown_reservation", "no such reservation"};
  }
  out.endpoint = endpoint;
  out.action = StockAction::confirm;
  out.reservation_id.assign(reservation_id.data(), reservation_id.size());
  out.idempotency_key.assign(key.data(), key.size());
  return std::nullopt;
}

std::optional<RequestProblem> parse_checkout_request(const Request& raw, Endpoint endpoint,
                                                     CheckoutRequest& out) {
  if (auto problem = body_size_problem(raw)) return problem;
  const auto content_type = raw.find(http::field::content_type);
  if (content_type == raw.end() ||
      !is_json_content_type(
          std::string_view(content_type->value().data(), content_type->value().size()))) {
    return RequestProblem{http::status::unsupported_media_type, "unsupported_media_type",
                          "Content-Type must be application/json"};
  }
  std::string_view key;
  if (auto problem = read_idempotency_key(raw, key)) return problem;

  JsonDocument doc;
  if (!doc.parse(raw.body())) {
    return RequestProblem{http::status::bad_request, "malformed_json",
                          "the body is not valid JSON"};
  }
  const boost::json::object* obj = doc.object();
  if (obj == nullptr) {
    return RequestProblem{kUnprocessable, "invalid_body", "the body must be a JSON object"};
  }
  const auto product_id = integer_field(*obj, "product_id");
  if (!product_id || *product_id < 1) {
    return RequestProblem{kUnprocessable, "invalid_product_id",
                          "product_id must be a positive integer"};
  }
  const auto user_id = string_field(*obj, "user_id");
  if (!user_id || user_id->empty() || user_id->size() > kMaxUserIdBytes) {
    return RequestProblem{kUnprocessable, "invalid_user_id",
                          "user_id must be a string of 1 to 128 bytes"};
  }
  const auto quantity = integer_field(*obj, "quantity");
  if (!quantity || *quantity < 1 || *quantity > kMaxQuantity) {
    return RequestProblem{kUnprocessable, "invalid_quantity",
                          "quantity must be an integer from 1 to 100"};
  }

  out.endpoint = endpoint;
  out.product_id = static_cast<uint64_t>(*product_id);
  out.user_id.assign(user_id->data(), user_id->size());
  out.quantity = static_cast<uint32_t>(*quantity);
  out.idempotency_key.assign(key.data(), key.size());
  return std::nullopt;
}

}  // namespace stampede::target
