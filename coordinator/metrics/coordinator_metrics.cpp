// Builds the coordinator's metric families and turns merged phases into samples.
#include "coordinator/metrics/coordinator_metrics.hpp"

#include <prometheus/exposer.h>
#include <limits>

namespace stampede::coordinator {
namespace prom = prometheus;

namespace {
prom::Gauge& single_gauge(prom::Registry& r, const char* name, const char* help) {
  return prom::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

CoordinatorMetrics::CoordinatorMetrics()
    : registry_(std::make_shared<prom::Registry>()),
      agents_connected_(
          single_gauge(*registry_, "stampede_agents_connected", "Agents registered and alive")),
      run_active_(single_gauge(*registry_, "stampede_run_active", "1 while a run is in progress")) {
  auto& r = *registry_;
  runs_ = &prom::BuildCounter()
               .Name("stampede_runs_total")
               .Help("Finished runs by verdict")
               .Register(r);
  requests_ = &prom::BuildCounter()
                   .Name("stampede_requests_total")
                   .Help("Checkout attempts by endpoint and outcome (ok|fail|info)")
                   .Register(r);
  responses_ = &prom::BuildCounter()
                    .Name("stampede_responses_total")
                    .Help("HTTP responses by endpoint and status code")
                    .Register(r);
  duration_ = &prom::BuildHistogram()
                   .Name("stampede_request_duration_seconds")
                   .Help("Checkout attempt latency")
                   .Register(r);
  latency_ = &prom::BuildGauge()
                  .Name("stampede_latency_seconds")
                  .Help("Latency quantiles from the merged exact histogram")
                  .Register(r);
  inventory_ = &prom::BuildGauge()
                    .Name("stampede_inventory_items")
                    .Help("Stock before (initial) and after (final) the run")
                    .Register(r);
  oversold_ = &prom::BuildGauge()
                   .Name("stampede_oversold_items")
                   .Help("Items sold beyond stock")
                   .Register(r);
  lost_updates_ = &prom::BuildGauge()
                       .Name("stampede_lost_updates")
                       .Help("Ledger orders the stock count never saw")
                       .Register(r);
  lost_acks_ = &prom::BuildGauge()
                    .Name("stampede_lost_acks")
                    .Help("Acknowledged orders missing from the ledger")
                    .Register(r);
  phantoms_ = &prom::BuildGauge()
                   .Name("stampede_phantom_orders")
                   .Help("Ledger orders no successful or unknown attempt explains")
                   .Register(r);
  duplicates_ = &prom::BuildGauge()
                     .Name("stampede_duplicate_orders")
                     .Help("Ledger orders beyond the first for one idempotency key")
                     .Register(r);
  remaining_duplicates_ = &prom::BuildGauge()
                               .Name("stampede_remaining_duplicates")
                               .Help("Sales told a stock left that another sale was told too")
                               .Register(r);
  false_sold_out_ = &prom::BuildGauge()
                         .Name("stampede_false_sold_out")
                         .Help("Sold-out answers while stock was provably left")
                         .Register(r);
  over_limit_users_ = &prom::BuildGauge()
                           .Name("stampede_over_limit_users")
                           .Help("Buyers who got more units than the per-user limit")
                           .Register(r);
  integrity_ok_ = &prom::BuildGauge()
                       .Name("stampede_integrity_ok")
                       .Help(
                           "1 when every integrity check held for the endpoint's last run; "
                           "NaN when none could be made (a plain load test)")
                       .Register(r);
}

CoordinatorMetrics::~CoordinatorMetrics() = default;

std::string CoordinatorMetrics::serve(const std::string& bind) {
  exposer_ = std::make_unique<prom::Exposer>(bind);
  exposer_->RegisterCollectable(registry_);
  const auto ports = exposer_->GetListeningPorts();
  const auto colon = bind.rfind(':');
  return ports.empty() ? bind : bind.substr(0, colon) + ":" + std::to_string(ports.front());
}

void CoordinatorMetrics::update_live(const std::string& endpoint, const v1::OutcomeCounts& totals) {
  auto& last = published_[endpoint];
  // Every outcome's series exists from the phase's first update, at 0 if need be: a rate()
  // over a series born mid-phase would miss its first increase.
  auto bump = [&](const char* outcome, uint64_t now, uint64_t before) {
    auto& counter = requests_->Add({{"endpoint", endpoint}, {"outcome", outcome}});
    if (now > before) counter.Increment(static_cast<double>(now - before));
  };
  bump("ok", totals.ok(), last.ok());
  bump("fail", totals.fail(), last.fail());
  bump("info", totals.info(), last.info());
  last.set_ok(std::max(last.ok(), totals.ok()));
  last.set_fail(std::max(last.fail(), totals.fail()));
  last.set_info(std::max(last.info(), totals.info()));
}

void CoordinatorMetrics::record_report(const RunReport& report, const std::string& verdict) {
  set_agents_connected(static_cast<double>(report.agents.size()));
  set_run_active(false);
  count_run(verdict);
  for (const auto& e : report.endpoints) record_phase(e);
}

void CoordinatorMetrics::record_phase(const EndpointReport& p, const LatencyHistogram* exact) {
  // One phase's outcomes, as design.md's classes: fail is sold out and other refusals.
  v1::OutcomeCounts totals;
  totals.set_ok(p.acknowledged);
  totals.set_fail(p.fail());
  totals.set_info(p.indeterminate);
  update_live(p.endpoint, totals);
  published_.erase(p.endpoint);  // the next phase on this endpoint counts from zero again
  for (const auto& [code, n] : p.status_codes) {
    responses_->Add({{"endpoint", p.endpoint}, {"code", std::to_string(code)}})
        .Increment(static_cast<double>(n));
  }
  if (exact) record_duration(p.endpoint, *exact);
  for (const auto& [q, ms] : {std::pair{"0.5", p.latency_ms.p50},
                              {"0.9", p.latency_ms.p90},
                              {"0.99", p.latency_ms.p99},
                              {"0.999", p.latency_ms.p999}}) {
    latency_->Add({{"endpoint", p.endpoint}, {"quantile", q}}).Set(ms / 1e3);
  }
  const prom::Labels ep{{"endpoint", p.endpoint}};
  if (p.initial_stock) {
    inventory_->Add({{"endpoint", p.endpoint}, {"kind", "initial"}})
        .Set(static_cast<double>(*p.initial_stock));
  }
  if (p.final_stock) {
    inventory_->Add({{"endpoint", p.endpoint}, {"kind", "final"}})
        .Set(static_cast<double>(*p.final_stock));
  }
  const Verdict& v = p.verdict;
  oversold_->Add(ep).Set(static_cast<double>(v.oversold));
  lost_updates_->Add(ep).Set(static_cast<double>(v.lost_updates));
  lost_acks_->Add(ep).Set(static_cast<double>(v.lost_acks));
  phantoms_->Add(ep).Set(static_cast<double>(v.phantoms));
  duplicates_->Add(ep).Set(static_cast<double>(v.duplicates));
  // A check not made this run is NaN, not its last run's figure nor a clean zero.
  const auto or_nan = [](const std::optional<int64_t>& figure) {
    return figure ? static_cast<double>(*figure) : std::numeric_limits<double>::quiet_NaN();
  };
  remaining_duplicates_->Add(ep).Set(or_nan(v.remaining_duplicates));
  false_sold_out_->Add(ep).Set(or_nan(v.false_sold_out));
  over_limit_users_->Add(ep).Set(or_nan(v.over_limit_users));
  integrity_ok_->Add(ep).Set(!v.checked       ? std::numeric_limits<double>::quiet_NaN()
                             : v.integrity_ok ? 1
                                              : 0);
}

void CoordinatorMetrics::record_duration(const std::string& endpoint, const LatencyHistogram& h) {
  // Spread the exact histogram into Prometheus buckets by each bucket's upper edge.
  static const prom::Histogram::BucketBoundaries kBounds{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::vector<double> increments(kBounds.size() + 1, 0);
  double sum = 0;
  v1::Histogram sparse;  // only the non-empty buckets
  h.to_proto(&sparse);
  for (int k = 0; k < sparse.index_size(); ++k) {
    const double seconds =
        static_cast<double>(LatencyHistogram::bucket_highest(sparse.index(k))) / 1e6;
    const double n = static_cast<double>(sparse.counts(k));
    size_t b = 0;
    while (b < kBounds.size() && seconds > kBounds[b]) ++b;
    increments[b] += n;
    sum += seconds * n;
  }
  duration_->Add({{"endpoint", endpoint}}, kBounds).ObserveMultiple(increments, sum);
}

}  // namespace stampede::coordinator
