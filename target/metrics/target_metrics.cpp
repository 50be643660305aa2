// TargetMetrics: every labelled child is created up front so the hot path is an index lookup
// and an atomic add, never a label-map search.
#include "target/metrics/target_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace stampede::target {
namespace {

constexpr std::array<std::string_view, kCheckoutResultCount> kResultNames{
    "ok",        "sold_out",   "invalid",     "not_found",     "fault",   "replayed",
    "in_flight", "key_reused", "unavailable", "limit_reached", "expired", "already_confirmed"};

}  // namespace

std::string_view checkout_result_name(CheckoutResult r) {
  return kResultNames[static_cast<size_t>(r)];
}

TargetMetrics::TargetMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& checkouts = prometheus::BuildCounter()
                        .Name("stampede_target_checkouts_total")
                        .Help("Checkout requests by endpoint and result")
                        .Register(*registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("stampede_target_request_duration_seconds")
                        .Help("Time from a parsed checkout request to its answer")
                        .Register(*registry_);
  auto& faults = prometheus::BuildCounter()
                     .Name("stampede_target_faults_injected_total")
                     .Help("Faults injected by the unstable endpoint, by kind")
                     .Register(*registry_);
  stock_family_ = &prometheus::BuildGauge()
                       .Name("stampede_target_stock_items")
                       .Help("Stock left per product, read at scrape time")
                       .Register(*registry_);

  // 100 µs to 10 s: the buggy race window sits near the bottom, the delay fault near the top.
  const prometheus::Histogram::BucketBoundaries buckets{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
  for (size_t e = 0; e < kEndpointCount; ++e) {
    const std::string endpoint(endpoint_name(static_cast<Endpoint>(e)));
    for (size_t r = 0; r < kCheckoutResultCount; ++r) {
      checkouts_[e][r] =
          &checkouts.Add({{"endpoint", endpoint}, {"result", std::string(kResultNames[r])}});
    }
    durations_[e] = &durations.Add({{"endpoint", endpoint}}, buckets);
  }
  for (size_t k = 0; k < kFaultKindCount; ++k) {
    faults_[k] = &faults.Add({{"kind", std::string(fault_kind_name(static_cast<FaultKind>(k)))}});
  }
}

TargetMetrics::~TargetMetrics() = default;

void TargetMetrics::count_checkout(Endpoint endpoint, CheckoutResult result) {
  checkouts_[static_cast<size_t>(endpoint)][static_cast<size_t>(result)]->Increment();
}

void TargetMetrics::observe_duration(Endpoint endpoint, double seconds) {
  durations_[static_cast<size_t>(endpoint)]->Observe(seconds);
}

void TargetMetrics::count_fault(FaultKind kind) {
  faults_[static_cast<size_t>(kind)]->Increment();
}

void TargetMetrics::set_stock(uint64_t product_id, int64_t stock) {
  // Family::Add returns the existing child for known labels; only a new product allocates.
  stock_family_->Add({{"product", std::to_string(product_id)}}).Set(static_cast<double>(stock));
}

std::string TargetMetrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace stampede::target
