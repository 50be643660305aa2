// The three checkout endpoints behind a validated request: buggy (the lost update on purpose),
// safe (atomic purchase + idempotency) and unstable (safe with injected faults); each buys
// outright, or reserves and later confirms (StockAction).
//
//   CheckoutService service(store, idempotency, faults, metrics, LabRules{});
//   service.checkout(std::move(request), executor, [](Reply r) { ...write r... });
//
// Thread-safe. The references are the server's long-lived services: they must outlive the
// service and every request still in progress. Nothing here blocks a thread: the buggy race
// window and the delay fault are timers on the connection's executor.
#pragma once

#include <chrono>
#include <memory>

#include "target/api/checkout_request.hpp"
#include "target/http.hpp"

namespace stampede::target {

class FaultInjector;
class IdempotencyTable;
class Store;
class TargetMetrics;
enum class CheckoutResult : uint8_t;
struct PurchaseOutcome;
struct StockReading;
struct HoldOutcome;
struct HoldReading;

// The lab's settings that shape every purchase.
struct LabRules {
  std::chrono::milliseconds race_window{2};  // buggy: between its read and its write
  uint32_t per_user_limit = 0;               // units a user may hold or buy; 0: no limit
  std::chrono::milliseconds hold_ttl{std::chrono::minutes(10)};
};

class CheckoutService {
 public:
  CheckoutService(Store& store, IdempotencyTable& idempotency, FaultInjector& faults,
                  TargetMetrics& metrics, LabRules rules);
  const LabRules& rules() const { return rules_; }

  // done runs exactly once, inline or later on any thread.
  void checkout(CheckoutRequest&& request, const Executor& executor, ReplyFn done);

  // Answers a request that failed validation and counts it.
  void reject(Endpoint endpoint, Reply reply, const ReplyFn& done);

 private:
  struct Operation;
  using OperationPtr = std::shared_ptr<Operation>;

  void start_buggy(const OperationPtr& op);
  void on_buggy_read(const OperationPtr& op, const StockReading& reading);
  void on_buggy_hold_read(const OperationPtr& op, const HoldReading& reading);
  void buggy_write(const OperationPtr& op);

  void start_idempotent(const OperationPtr& op);
  void commit(const OperationPtr& op);
  void on_held(const OperationPtr& op, HoldOutcome&& outcome);
  void on_committed(const OperationPtr& op, PurchaseOutcome&& outcome);
  // The answer once the store has spoken: kept for the key's replays when the store decided
  // (released otherwise, so a retry runs), then maybe replaced by an after-commit fault.
  void conclude(const OperationPtr& op, CheckoutResult result, Reply reply, bool decided);
  void wait_then(const OperationPtr& op, std::chrono::milliseconds wait,
                 void (CheckoutService::*then)(const OperationPtr&));

  void finish(const OperationPtr& op, CheckoutResult result, Reply reply);

  Store& store_;
  IdempotencyTable& idempotency_;
  FaultInjector& faults_;
  TargetMetrics& metrics_;
  const LabRules rules_;
};

// {"order_id":"o-7","product_id":1,"remaining":41}
std::string order_body(std::string_view order_id, uint64_t product_id, int64_t remaining);
// {"reservation_id":"r1-7","product_id":1,"quantity":1,"expires_at":"...Z","remaining":41}
std::string hold_body(std::string_view reservation_id, uint64_t product_id, uint32_t quantity,
                      int64_t expires_ms, int64_t remaining);

}  // namespace stampede::target
