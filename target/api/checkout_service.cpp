// CheckoutService: each request is one Operation that the store callbacks and timers carry
// along, so a flow survives any mix of inline and asynchronous completions.
#include "target/api/checkout_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <optional>

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
    return PurchaseRequest{request.product_id,      request.quantity, request.user_id,
                           request.idempotency_key, request.endpoint, &executor};
  }
  bool holds_claim() const { return ticket.id != 0; }
};

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
                                 TargetMetrics& metrics, std::chrono::milliseconds race_window)
    : store_(store),
      idempotency_(idempotency),
      faults_(faults),
      metrics_(metrics),
      race_window_(race_window) {}

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

void CheckoutService::start_buggy(const OperationPtr& op) {
  store_.read_stock(op->request.product_id,
                    [op](StockReading reading) { op->service->on_buggy_read(op, reading); });
}

void CheckoutService::on_buggy_read(const OperationPtr& op, const StockReading& reading) {
  if (reading.failed) return on_committed(op, PurchaseOutcome{PurchaseStatus::store_error, {}, 0});
  if (!reading.found) {
    return finish(op, CheckoutResult::not_found,
                  error_reply(http::status::not_found, "unknown_product", "no such product"));
  }
  if (reading.stock < static_cast<int64_t>(op->request.quantity)) {
    return finish(op, CheckoutResult::sold_out,
                  error_reply(http::status::conflict, "sold_out", "not enough stock"));
  }
  op->stock_read = reading.stock;
  if (race_window_.count() <= 0) return buggy_write(op);
  wait_then(op, race_window_, &CheckoutService::buggy_write);
}

void CheckoutService::buggy_write(const OperationPtr& op) {
  const int64_t new_stock = op->stock_read - op->request.quantity;
  store_.overwrite_stock_and_record(op->purchase(), new_stock, [op](PurchaseOutcome outcome) {
    op->service->on_committed(op, std::move(outcome));
  });
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
    Claim claim = idempotency_.claim(
        req.idempotency_key,
        RequestFingerprint{req.product_id, req.user_id, req.quantity, req.endpoint});
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
  store_.purchase(op->purchase(), [op](PurchaseOutcome outcome) {
    op->service->on_committed(op, std::move(outcome));
  });
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

void CheckoutService::on_committed(const OperationPtr& op, PurchaseOutcome&& outcome) {
  const CheckoutRequest& req = op->request;
  switch (outcome.status) {
    case PurchaseStatus::bought: {
      std::string body = order_body(outcome.order_id, req.product_id, outcome.remaining);
      if (op->holds_claim()) idempotency_.finish(req.idempotency_key, op->ticket, 201, body);
      if (op->post_commit) {
        // The order stands (ledger and idempotency record); only the client is misinformed.
        metrics_.count_fault(*op->post_commit);
        return finish(op, CheckoutResult::fault,
                      post_decision_fault(*op->post_commit,
                                          "fault injected after commit; the order may exist"));
      }
      return finish(op, CheckoutResult::ok, json_reply(http::status::created, std::move(body)));
    }
    case PurchaseStatus::sold_out: {
      Reply reply = error_reply(http::status::conflict, "sold_out", "not enough stock");
      if (op->holds_claim()) {
        idempotency_.finish(req.idempotency_key, op->ticket, 409, reply.message.body());
      }
      if (op->post_commit) {
        // The store has decided (sold out, and the key keeps that answer); the fault still hits
        // the answer, so faults stay at the configured rate once stock runs out.
        metrics_.count_fault(*op->post_commit);
        return finish(
            op, CheckoutResult::fault,
            post_decision_fault(*op->post_commit, "fault injected after the store's decision"));
      }
      return finish(op, CheckoutResult::sold_out, std::move(reply));
    }
    case PurchaseStatus::unknown_product:
      if (op->holds_claim()) idempotency_.release(req.idempotency_key, op->ticket);
      return finish(op, CheckoutResult::not_found,
                    error_reply(http::status::not_found, "unknown_product", "no such product"));
    case PurchaseStatus::store_error:
      break;
  }
  // Released, so a retry can run: a network store may have committed before its answer was
  // lost, and then the store's own per-key record (Redis hash, PostgreSQL unique index) hands
  // the retry that order instead of a second one.
  if (op->holds_claim()) idempotency_.release(req.idempotency_key, op->ticket);
  finish(op, CheckoutResult::unavailable,
         error_reply(http::status::service_unavailable, "store_unavailable",
                     "the store did not answer; retry with the same Idempotency-Key"));
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
