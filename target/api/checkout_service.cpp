// CheckoutService: each request is one Operation that the store callbacks and timers carry
// along, so a flow survives any mix of inline and asynchronous completions.
#include "target/api/checkout_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "common/clock.hpp"
#include "target/api/json_util.hpp"
#include "target/faults/fault_injector.hpp"
#include "target/idempotency/idempotency_table.hpp"
#include "target/metrics/target_metrics.hpp"
#include "target/store/store.hpp"

namespace stampede::target {

struct CheckoutService::Operation {
  CheckoutService* service;
  CheckoutRequest request;
  Executor executor;
  ReplyFn done;
  ClaimTicket ticket;                    // idempotency claim, id 0 when no key
  std::optional<FaultKind> post_commit;  // after_commit / reset_after_commit
  int64_t stock_read = 0;                // buggy: the value the write is computed from
  std::optional<boost::asio::steady_timer> timer;

  PurchaseRequest purchase() const {
    return PurchaseRequest{request.product_id,
                           request.quantity,
                           request.user_id,
                           request.idempotency_key,
                           request.endpoint,
                           &executor,
                           service->rules_.per_user_limit};
  }
  HoldRequest hold(bool blind) const {
    return HoldRequest{purchase(), service->rules_.hold_ttl, blind,
                       stock_read - static_cast<int64_t>(request.quantity)};
  }
  ConfirmRequest confirm(bool blind) const {
    return ConfirmRequest{request.reservation_id, request.idempotency_key, request.endpoint, blind};
  }
  bool holds_claim() const { return ticket.id != 0; }
};

std::string hold_body(std::string_view reservation_id, uint64_t product_id, uint32_t quantity,
                      int64_t expires_ms, int64_t remaining) {
  std::string body;
  body.reserve(128);
  body += "{\"reservation_id\":";
  append_json_string(body, reservation_id);
  body += ",\"product_id\":";
  body += std::to_string(product_id);
  body += ",\"quantity\":";
  body += std::to_string(quantity);
  body += ",\"expires_at\":\"";
  body += rfc3339_utc(static_cast<uint64_t>(expires_ms) * 1'000'000ull, true);
  body += "\",\"remaining\":";
  body += std::to_string(remaining);
  body += '}';
  return body;
}

std::string order_body(std::string_view order_id, uint64_t product_id, int64_t remaining) {
  std::string body;
  body.reserve(64 + order_id.size());
  body += "{\"order_id\":";
  append_json_string(body, order_id);
  body += ",\"product_id\":";
  body += std::to_string(product_id);
  body += ",\"remaining\":";
  body += std::to_string(remaining);
  body += '}';
  return body;
}

CheckoutService::CheckoutService(Store& store, IdempotencyTable& idempotency, FaultInjector& faults,
                                 TargetMetrics& metrics, LabRules rules)
    : store_(store), idempotency_(idempotency), faults_(faults), metrics_(metrics), rules_(rules) {}

void CheckoutService::checkout(CheckoutRequest&& request, const Executor& executor, ReplyFn done) {
  if (request.received == std::chrono::steady_clock::time_point{}) {
    request.received = std::chrono::steady_clock::now();
  }
  // Callbacks capture only this shared_ptr, which fits std::function's inline storage.
  auto op = std::make_shared<Operation>(
      Operation{this, std::move(request), executor, std::move(done), {}, std::nullopt, 0, {}});
  if (op->request.endpoint == Endpoint::buggy) return start_buggy(op);
  start_idempotent(op);
}

void CheckoutService::reject(Endpoint endpoint, Reply reply, const ReplyFn& done) {
  metrics_.count_checkout(endpoint, CheckoutResult::invalid);
  done(std::move(reply));
}

namespace {

Reply sold_out_reply() {
  return error_reply(http::status::conflict, "sold_out", "not enough stock");
}

Reply limit_reached_reply(uint32_t limit) {
  return error_reply(http::status::conflict, "limit_reached",
                     "this user already holds or has bought " + std::to_string(limit) +
                         " unit(s), the limit per user");
}

Reply expired_reply() {
  return error_reply(http::status::gone, "reservation_expired",
                     "the reservation expired and its stock went back");
}

Reply unknown_reservation_reply() {
  return error_reply(http::status::not_found, "unknown_reservation", "no such reservation");
}

Reply already_confirmed_reply() {
  return error_reply(http::status::conflict, "already_confirmed",
                     "this reservation was confirmed before");
}

}  // namespace

void CheckoutService::start_buggy(const OperationPtr& op) {
  const CheckoutRequest& req = op->request;
  auto on_read = [op](StockReading reading) { op->service->on_buggy_read(op, reading); };
  switch (req.action) {
    case StockAction::confirm:
      return store_.read_hold(req.reservation_id, [op](HoldReading reading) {
        op->service->on_buggy_hold_read(op, reading);
      });
    case StockAction::reserve:
      return store_.read_stock_for_user(req.product_id, req.user_id, std::move(on_read));
    case StockAction::checkout:
      if (rules_.per_user_limit > 0) {
        return store_.read_stock_for_user(req.product_id, req.user_id, std::move(on_read));
      }
      return store_.read_stock(req.product_id, std::move(on_read));
  }
}

void CheckoutService::on_buggy_read(const OperationPtr& op, const StockReading& reading) {
  if (reading.failed) return on_committed(op, PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
  if (!reading.found) {
    return finish(op, CheckoutResult::not_found,
                  error_reply(http::status::not_found, "unknown_product", "no such product"));
  }
  const auto quantity = static_cast<int64_t>(op->request.quantity);
  if (reading.stock < quantity) return finish(op, CheckoutResult::sold_out, sold_out_reply());
  // Checks the limit on what it read, then acts later: the race the limit is there to stop.
  if (rules_.per_user_limit > 0 && reading.user_units + quantity > rules_.per_user_limit) {
    return finish(op, CheckoutResult::limit_reached, limit_reached_reply(rules_.per_user_limit));
  }
  op->stock_read = reading.stock;
  if (rules_.race_window.count() <= 0) return buggy_write(op);
  wait_then(op, rules_.race_window, &CheckoutService::buggy_write);
}

void CheckoutService::on_buggy_hold_read(const OperationPtr& op, const HoldReading& reading) {
  if (reading.failed) return on_committed(op, PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
  if (!reading.found) {
    return finish(op, CheckoutResult::not_found, unknown_reservation_reply());
  }
  const bool expired = reading.expires_ms <= unix_ms_now();
  if (!reading.open && !expired) {
    return finish(op, CheckoutResult::already_confirmed, already_confirmed_reply());
  }
  // Judged on this read; the hold may expire during the race window and be confirmed anyway.
  if (!reading.open || expired) return finish(op, CheckoutResult::expired, expired_reply());
  if (rules_.race_window.count() <= 0) return buggy_write(op);
  wait_then(op, rules_.race_window, &CheckoutService::buggy_write);
}

void CheckoutService::buggy_write(const OperationPtr& op) {
  auto committed = [op](PurchaseOutcome outcome) {
    op->service->on_committed(op, std::move(outcome));
  };
  switch (op->request.action) {
    case StockAction::checkout: {
      const int64_t new_stock = op->stock_read - op->request.quantity;
      return store_.overwrite_stock_and_record(op->purchase(), new_stock, std::move(committed));
    }
    case StockAction::reserve:
      return store_.place_hold(op->hold(true), [op](HoldOutcome outcome) {
        op->service->on_held(op, std::move(outcome));
      });
    case StockAction::confirm:
      return store_.confirm_hold(op->confirm(true), std::move(committed));
  }
}

void CheckoutService::wait_then(const OperationPtr& op, std::chrono::milliseconds wait,
                                void (CheckoutService::*then)(const OperationPtr&)) {
  op->timer.emplace(op->executor, wait);
  // Proceeds on any wake-up: a cancelled timer only happens at shutdown, and finishing the
  // purchase is what lets the connection drain.
  op->timer->async_wait([op, then](const boost::system::error_code&) { (op->service->*then)(op); });
}

void CheckoutService::start_idempotent(const OperationPtr& op) {
  const CheckoutRequest& req = op->request;
  if (!req.idempotency_key.empty()) {
    const bool confirm = req.action == StockAction::confirm;
    // A confirm's request is its reservation: the id stands where a user would.
    Claim claim = idempotency_.claim(
        req.idempotency_key,
        RequestFingerprint{confirm ? 0 : req.product_id,
                           confirm ? std::string_view(req.reservation_id) : req.user_id,
                           confirm ? 0 : req.quantity, req.endpoint, req.action});
    switch (claim.outcome) {
      case ClaimOutcome::fresh:
        op->ticket = claim.ticket;
        break;
      case ClaimOutcome::replay:
        return finish(op, CheckoutResult::replayed,
                      json_reply(static_cast<http::status>(claim.status), std::move(claim.body)));
      case ClaimOutcome::in_flight:
        return finish(op, CheckoutResult::in_flight,
                      error_reply(http::status::conflict, "idempotency_in_flight",
                                  "a request with this Idempotency-Key is still running"));
      case ClaimOutcome::reused_key:
        return finish(
            op, CheckoutResult::key_reused,
            error_reply(http::status::unprocessable_entity, "idempotency_key_reused",
                        "this Idempotency-Key was used with a different body or endpoint"));
      case ClaimOutcome::table_full:
        return finish(op, CheckoutResult::unavailable,
                      error_reply(http::status::service_unavailable, "idempotency_table_full",
                                  "too many idempotency records; reset the product"));
    }
  }
  if (req.endpoint == Endpoint::unstable) {
    if (const auto fault = faults_.draw()) {
      switch (*fault) {
        case FaultKind::before_commit:
          metrics_.count_fault(*fault);
          if (op->holds_claim()) idempotency_.release(req.idempotency_key, op->ticket);
          return finish(op, CheckoutResult::fault,
                        error_reply(http::status::service_unavailable, "injected_fault",
                                    "fault injected before commit; nothing was bought"));
        case FaultKind::delay:
          metrics_.count_fault(*fault);
          return wait_then(op, faults_.delay(), &CheckoutService::commit);
        case FaultKind::after_commit:
        case FaultKind::reset_after_commit:
          op->post_commit = *fault;
          break;
      }
    }
  }
  commit(op);
}

void CheckoutService::commit(const OperationPtr& op) {
  auto committed = [op](PurchaseOutcome outcome) {
    op->service->on_committed(op, std::move(outcome));
  };
  switch (op->request.action) {
    case StockAction::checkout:
      return store_.purchase(op->purchase(), std::move(committed));
    case StockAction::reserve:
      return store_.place_hold(op->hold(false), [op](HoldOutcome outcome) {
        op->service->on_held(op, std::move(outcome));
      });
    case StockAction::confirm:
      return store_.confirm_hold(op->confirm(false), std::move(committed));
  }
}

namespace {
// What the client gets instead of the store's real answer when a fault is injected after it.
Reply post_decision_fault(FaultKind kind, const char* detail) {
  if (kind == FaultKind::reset_after_commit) {
    Reply drop;
    drop.drop_connection = true;
    return drop;
  }
  return error_reply(http::status::service_unavailable, "injected_fault", detail);
}
}  // namespace

void CheckoutService::on_held(const OperationPtr& op, HoldOutcome&& outcome) {
  if (outcome.status != PurchaseStatus::bought) {
    return on_committed(op, PurchaseOutcome{outcome.status, {}, outcome.remaining});
  }
  const CheckoutRequest& req = op->request;
  conclude(op, CheckoutResult::ok,
           json_reply(http::status::created,
                      hold_body(outcome.reservation_id, req.product_id, req.quantity,
                                outcome.expires_ms, outcome.remaining)),
           true);
}

void CheckoutService::on_committed(const OperationPtr& op, PurchaseOutcome&& outcome) {
  const CheckoutRequest& req = op->request;
  switch (outcome.status) {
    case PurchaseStatus::bought:
      // A confirm's product is the hold's, which the store knows and the request does not.
      return conclude(op, CheckoutResult::ok,
                      json_reply(http::status::created,
                                 order_body(outcome.order_id,
                                            req.action == StockAction::confirm ? outcome.product_id
                                                                               : req.product_id,
                                            outcome.remaining)),
                      true);
    case PurchaseStatus::sold_out:
      return conclude(op, CheckoutResult::sold_out, sold_out_reply(), true);
    case PurchaseStatus::limit_reached:
      return conclude(op, CheckoutResult::limit_reached, limit_reached_reply(rules_.per_user_limit),
                      true);
    case PurchaseStatus::expired:
      return conclude(op, CheckoutResult::expired, expired_reply(), true);
    case PurchaseStatus::already_confirmed:
      return conclude(op, CheckoutResult::already_confirmed, already_confirmed_reply(), false);
    case PurchaseStatus::unknown_reservation:
      return conclude(op, CheckoutResult::not_found, unknown_reservation_reply(), false);
    case PurchaseStatus::unknown_product:
      return conclude(op, CheckoutResult::not_found,
                      error_reply(http::status::not_found, "unknown_product", "no such product"),
                      false);
    case PurchaseStatus::unsupported:
      return conclude(op, CheckoutResult::unavailable,
                      error_reply(http::status::not_implemented, "not_implemented",
                                  "this store keeps no reservations; run the target with "
                                  "--store memory"),
                      false);
    case PurchaseStatus::store_error:
      break;
  }
  // Released, so a retry can run: a network store may have committed before its answer was
  // lost, and then the store's own per-key record (Redis hash, PostgreSQL unique index) hands
  // the retry that order instead of a second one.
  conclude(op, CheckoutResult::unavailable,
           error_reply(http::status::service_unavailable, "store_unavailable",
                       "the store did not answer; retry with the same Idempotency-Key"),
           false);
}

void CheckoutService::conclude(const OperationPtr& op, CheckoutResult result, Reply reply,
                               bool decided) {
  const CheckoutRequest& req = op->request;
  if (op->holds_claim()) {
    if (decided) {
      idempotency_.finish(req.idempotency_key, op->ticket,
                          static_cast<unsigned>(reply.message.result_int()), reply.message.body());
    } else {
      idempotency_.release(req.idempotency_key, op->ticket);
    }
  }
  if (decided && op->post_commit) {
    // The store's decision stands (ledger and idempotency record); only the client is
    // misinformed, so faults stay at the configured rate once stock runs out too.
    metrics_.count_fault(*op->post_commit);
    return finish(op, CheckoutResult::fault,
                  post_decision_fault(*op->post_commit,
                                      result == CheckoutResult::ok
                                          ? "fault injected after commit; the order may exist"
                                          : "fault injected after the store's decision"));
  }
  finish(op, result, std::move(reply));
}

void CheckoutService::finish(const OperationPtr& op, CheckoutResult result, Reply reply) {
  const auto endpoint = op->request.endpoint;
  metrics_.count_checkout(endpoint, result);
  metrics_.observe_duration(endpoint, std::chrono::duration<double>(
                                          std::chrono::steady_clock::now() - op->request.received)
                                          .count());
  op->done(std::move(reply));
}

}  // namespace stampede::target
