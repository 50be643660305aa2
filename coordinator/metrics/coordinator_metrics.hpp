// design.md's stampede_* metric families, built once and kept; the coordinator's loop feeds
// them live during a run and with the verdict after each phase, and they stay after the run.
//
// Thread-safe: prometheus-cpp metrics may be updated from the loop while the exposer scrapes.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "coordinator/report/report.hpp"
#include "stampede.pb.h"

namespace prometheus {
class Exposer;
}

namespace stampede::coordinator {

class CoordinatorMetrics {
 public:
  CoordinatorMetrics();
  ~CoordinatorMetrics();

  // Serves /metrics on IP:PORT; throws on a bind failure (start-up only). Returns the bound
  // address, with port 0 resolved.
  std::string serve(const std::string& bind);
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void set_agents_connected(double n) { agents_connected_.Set(n); }
  void set_run_active(bool active) { run_active_.Set(active ? 1 : 0); }
  void count_run(const std::string& verdict) { runs_->Add({{"verdict", verdict}}).Increment(); }
  // Live: outcome counters follow the latest totals (they only ever grow within a phase).
  void update_live(const std::string& endpoint, const v1::OutcomeCounts& totals);
  // A finished phase's figures; with the phase's exact histogram where the coordinator has it
  // (request_duration_seconds is then filled too).
  void record_phase(const EndpointReport& phase, const LatencyHistogram* exact = nullptr);
  // The same figures from a finished run's report, as a CLI holds it (no merged histogram, so
  // request_duration_seconds stays empty; the quantile gauges carry latency), for a push.
  void record_report(const RunReport& report, const std::string& verdict);

 private:
  void record_duration(const std::string& endpoint, const LatencyHistogram& exact);
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Gauge& agents_connected_;
  prometheus::Gauge& run_active_;
  prometheus::Family<prometheus::Counter>* runs_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* responses_;
  prometheus::Family<prometheus::Histogram>* duration_;
  prometheus::Family<prometheus::Gauge>* latency_;
  prometheus::Family<prometheus::Gauge>* inventory_;
  prometheus::Family<prometheus::Gauge>* oversold_;
  prometheus::Family<prometheus::Gauge>* lost_updates_;
  prometheus::Family<prometheus::Gauge>* lost_acks_;
  prometheus::Family<prometheus::Gauge>* phantoms_;
  prometheus::Family<prometheus::Gauge>* duplicates_;
  prometheus::Family<prometheus::Gauge>* remaining_duplicates_;
  prometheus::Family<prometheus::Gauge>* false_sold_out_;
  prometheus::Family<prometheus::Gauge>* over_limit_users_;
  prometheus::Family<prometheus::Gauge>* integrity_ok_;
  // What update_live() last published per endpoint and outcome, so counters advance by deltas.
  std::map<std::string, v1::OutcomeCounts> published_;
};

}  // namespace stampede::coordinator
