// The admin listener's routes, behind the bearer token: reset a product between runs and tune
// the unstable endpoint's faults.
//
//   POST /admin/reset   {"product_id":1,"stock":100}
//   POST /admin/faults  {"rate":0.05,"kinds":["before_commit","after_commit"],"delay_ms":200}
//   GET  /admin/faults
//
// Thread-safe; the references must outlive the router and every request in progress.
#pragma once

#include <string>

#include "target/http.hpp"

namespace stampede::target {

class FaultInjector;
class IdempotencyTable;
class Store;
class TargetMetrics;

inline constexpr int64_t kMaxStock = 1'000'000'000'000;
inline constexpr int64_t kMaxFaultDelayMs = 60'000;

class AdminRouter {
 public:
  // An empty token disables every admin route (403 admin_disabled).
  AdminRouter(std::string token, Store& store, IdempotencyTable& idempotency, FaultInjector& faults,
              TargetMetrics& metrics);

  void handle(Request&& request, const Executor& executor, ReplyFn done);

 private:
  void reset(const Request& request, ReplyFn done);
  Reply configure_faults(const Request& request);
  Reply faults_reply() const;

  const std::string token_;
  Store& store_;
  IdempotencyTable& idempotency_;
  FaultInjector& faults_;
  TargetMetrics& metrics_;
};

}  // namespace stampede::target
