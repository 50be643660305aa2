// The target's Prometheus metrics (names fixed by design.md), built once at start-up and
// rendered as text into the /metrics response of our own listener.
//
//   TargetMetrics metrics;
//   metrics.count_checkout(Endpoint::safe, CheckoutResult::ok);
//   std::string text = metrics.render();
//
// Thread-safe: counters and histograms are prometheus-cpp's atomics; set_stock() and render()
// go through the registry's own locks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "target/faults/fault_injector.hpp"
#include "target/store/order.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace stampede::target {

// The `result` label of stampede_target_checkouts_total.
enum class CheckoutResult : uint8_t {
  ok,
  sold_out,
  invalid,            // 400 / 413 / 415 / 422 on the request itself
  not_found,          // unknown product
  fault,              // an injected fault changed the answer
  replayed,           // an idempotent replay of a finished key
  in_flight,          // a replay while the first request runs
  key_reused,         // the same key with a different body
  unavailable,        // store or idempotency table could not serve it
  limit_reached,      // the user's per-user limit was reached
  expired,            // confirm: the reservation expired first
  already_confirmed,  // confirm: the reservation was confirmed before
};
inline constexpr size_t kCheckoutResultCount = 12;
std::string_view checkout_result_name(CheckoutResult r);

class TargetMetrics {
 public:
  TargetMetrics();
  ~TargetMetrics();
  TargetMetrics(const TargetMetrics&) = delete;
  TargetMetrics& operator=(const TargetMetrics&) = delete;

  void count_checkout(Endpoint endpoint, CheckoutResult result);
  void observe_duration(Endpoint endpoint, double seconds);
  void count_fault(FaultKind kind);
  void set_stock(uint64_t product_id, int64_t stock);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>* stock_family_ = nullptr;
  std::array<std::array<prometheus::Counter*, kCheckoutResultCount>, kEndpointCount> checkouts_{};
  std::array<prometheus::Histogram*, kEndpointCount> durations_{};
  std::array<prometheus::Counter*, kFaultKindCount> faults_{};
};

}  // namespace stampede::target
