// AdminRouter: authenticate first, so an unauthenticated caller learns nothing about routes.
#include "target/admin/admin_router.hpp"

#include <charconv>

#include "target/admin/bearer_auth.hpp"
#include "target/api/json_util.hpp"
#include "target/api/public_router.hpp"
#include "target/faults/fault_injector.hpp"
#include "target/idempotency/idempotency_table.hpp"
#include "target/metrics/target_metrics.hpp"
#include "target/store/store.hpp"

namespace stampede::target {
namespace {

constexpr http::status kUnprocessable = http::status::unprocessable_entity;

Reply malformed_json() {
  return error_reply(http::status::bad_request, "malformed_json", "the body is not valid JSON");
}

}  // namespace

AdminRouter::AdminRouter(std::string token, Store& store, IdempotencyTable& idempotency,
                         FaultInjector& faults, TargetMetrics& metrics)
    : token_(std::move(token)),
      store_(store),
      idempotency_(idempotency),
      faults_(faults),
      metrics_(metrics) {}

void AdminRouter::handle(Request&& request, const Executor& /*executor*/, ReplyFn done) {
  if (const auto verdict = check_bearer(token_, request); verdict != AuthVerdict::allowed) {
    return done(auth_failure_reply(verdict));
  }
  const std::string_view path = request_path(request);
  if (path == "/admin/reset") {
    if (request.method() != http::verb::post) return done(method_not_allowed_reply("POST"));
    return reset(request, std::move(done));
  }
  if (path == "/admin/faults") {
    if (request.method() == http::verb::get) return done(faults_reply());
    if (request.method() != http::verb::post) return done(method_not_allowed_reply("GET, POST"));
    return done(configure_faults(request));
  }
  done(not_found_reply());
}

void AdminRouter::reset(const Request& request, ReplyFn done) {
  JsonDocument doc;
  if (!doc.parse(request.body())) return done(malformed_json());
  const boost::json::object* obj = doc.object();
  if (obj == nullptr) {
    return done(error_reply(kUnprocessable, "invalid_body", "the body must be a JSON object"));
  }
  const auto product_id = integer_field(*obj, "product_id");
  if (!product_id || *product_id < 1) {
    return done(
        error_reply(kUnprocessable, "invalid_product_id", "product_id must be a positive integer"));
  }
  const auto stock = integer_field(*obj, "stock");
  if (!stock || *stock < 0 || *stock > kMaxStock) {
    return done(
        error_reply(kUnprocessable, "invalid_stock", "stock must be an integer from 0 to 10^12"));
  }
  const auto id = static_cast<uint64_t>(*product_id);
  store_.reset_product(id, *stock, [this, id, done = std::move(done)](ProductSnapshot p) {
    // A failed reset may or may not have happened; the records stay so a replay still answers.
    if (p.failed) return done(store_unavailable_reply());
    // After the store reset, so no record can outlive the ledger it refers to.
    idempotency_.clear_product(id);
    metrics_.set_stock(id, p.stock);
    done(json_reply(http::status::ok, "{\"product_id\":" + std::to_string(id) +
                                          ",\"initial_stock\":" + std::to_string(p.initial_stock) +
                                          ",\"stock\":" + std::to_string(p.stock) +
                                          ",\"orders\":" + std::to_string(p.orders) + "}"));
  });
}

Reply AdminRouter::configure_faults(const Request& request) {
  JsonDocument doc;
  if (!doc.parse(request.body())) return malformed_json();
  const boost::json::object* obj = doc.object();
  if (obj == nullptr) {
    return error_reply(kUnprocessable, "invalid_body", "the body must be a JSON object");
  }
  // Fields left out keep their current values.
  FaultSettings settings = faults_.settings();
  if (const auto* rate = obj->if_contains("rate")) {
    const bool number = rate->is_number();
    const double value = number ? rate->to_number<double>() : -1.0;
    if (!number || !(value >= 0.0 && value <= 1.0)) {
      return error_reply(kUnprocessable, "invalid_rate", "rate must be a number from 0 to 1");
    }
    settings.rate = value;
  }
  if (const auto* kinds = obj->if_contains("kinds")) {
    const auto* array = kinds->if_array();
    if (array == nullptr || array->empty()) {
      return error_reply(kUnprocessable, "invalid_kinds",
                         "kinds must be a non-empty array of fault kind names");
    }
    settings.kinds.clear();
    for (const auto& item : *array) {
      const auto* name = item.if_string();
      const auto kind =
          name ? parse_fault_kind(std::string_view(name->data(), name->size())) : std::nullopt;
      if (!kind) {
        return error_reply(kUnprocessable, "invalid_kinds",
                           "kinds are before_commit, after_commit, reset_after_commit, delay");
      }
      settings.kinds.push_back(*kind);
    }
  }
  if (obj->contains("delay_ms")) {
    const auto delay = integer_field(*obj, "delay_ms");
    if (!delay || *delay < 0 || *delay > kMaxFaultDelayMs) {
      return error_reply(kUnprocessable, "invalid_delay_ms",
                         "delay_ms must be an integer from 0 to 60000");
    }
    settings.delay = std::chrono::milliseconds(*delay);
  }
  faults_.configure(settings);
  return faults_reply();
}

Reply AdminRouter::faults_reply() const {
  const FaultSettings settings = faults_.settings();
  char rate[32];
  const auto end = std::to_chars(rate, rate + sizeof rate, settings.rate).ptr;  // shortest form
  std::string body = "{\"rate\":" + std::string(rate, end) + ",\"kinds\":[";
  for (size_t i = 0; i < settings.kinds.size(); ++i) {
    if (i > 0) body += ',';
    append_json_string(body, fault_kind_name(settings.kinds[i]));
  }
  body += "],\"delay_ms\":" + std::to_string(settings.delay.count()) + "}";
  return json_reply(http::status::ok, std::move(body));
}

}  // namespace stampede::target
