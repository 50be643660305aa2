// report_phase: the oracle's input from the merge, and the report's figures from both.
#include "coordinator/merge/endpoint_report.hpp"

#include <algorithm>

namespace stampede::coordinator {

EndpointReport report_phase(PhaseMerge& merge, PhaseEnd end, const PhaseFacts& facts) {
  OracleInput in;
  in.plain_load = !facts.initial_stock && !end.ledger;
  in.order_ids = facts.order_ids;
  in.per_user_limit = facts.per_user_limit;
  in.initial_stock = facts.initial_stock.value_or(0);
  in.final_stock = end.final_stock;
  in.ledger = std::move(end.ledger);
  in.holds = end.holds;
  in.samples = end.samples;
  in.acknowledged = merge.take_acknowledged();
  in.evidence = merge.take_evidence();
  in.evidence.remaining_read = facts.remaining_read;
  in.indeterminate = merge.indeterminate();
  for (const auto& j : merge.jobs()) {
    if (j.lost) in.indeterminate_prefixes.push_back(j.key_prefix);
  }

  EndpointReport p;
  p.endpoint = facts.endpoint;
  p.initial_stock = facts.initial_stock;
  p.final_stock = end.final_stock;
  v1::OutcomeCounts totals = merge.totals();
  // Attempts of a lost agent are unknown past its last report: that report stands for what it
  // did. One that came back and delivered its result is in the totals already (its share ran
  // twice: its own and the re-issued one).
  for (const auto& j : merge.jobs()) {
    if (j.lost && !j.has_result) add_counts(totals, j.live);
  }
  p.attempts = totals.attempts();
  p.acknowledged = totals.ok();
  p.sold_out = totals.sold_out();
  p.errors = totals.errors();
  p.indeterminate = totals.info();
  p.verdict = reconcile(in);
  const uint64_t first =
      merge.first_send_unix_ns() ? merge.first_send_unix_ns() : facts.start_unix_ns;
  const uint64_t last = std::max(merge.last_done_unix_ns(), first);
  p.duration_s = static_cast<double>(last - first) / 1e9;
  p.throughput_rps = p.duration_s > 0 ? static_cast<double>(p.attempts) / p.duration_s : 0.0;
  p.latency_ms = LatencySummary::of(merge.latency());
  if (merge.latency_uncorrected().total() > 0) {
    p.latency_ms_uncorrected = LatencySummary::of(merge.latency_uncorrected());
  }
  p.retries = merge.retries();
  p.connections = merge.connections();
  p.tls_verified = facts.tls_verified;
  p.status_codes = merge.status_codes();
  p.steps = merge.steps();
  p.journeys_abandoned = totals.abandoned();
  p.problems = merge.problems();
  if (p.untested()) {
    // All zeros beside "ok" would read as a clean checkout, when nothing was tried.
    p.problems.push_back("none of the " + std::to_string(p.attempts) +
                         " attempts bought or was told sold out (" + std::to_string(p.errors) +
                         " errors, " + std::to_string(p.indeterminate) +
                         " indeterminate), and the stock and the ledger did not move" +
                         (p.status_codes.empty() ? "; the checkout answered none of them" : "") +
                         ": nothing was tested");
    p.verdict = nothing_checked();
  }
  if (in.evidence.remaining_read && !in.plain_load) {
    const auto missing = std::count_if(in.evidence.sales.begin(), in.evidence.sales.end(),
                                       [](const Sale& s) { return s.remaining == kNoRemaining; });
    if (missing > 0) {
      p.problems.push_back(std::to_string(missing) +
                           " sale(s) answered without the remaining field: not weighed");
    }
  }
  p.start_spread_ms = merge.start_spread_ms();
  // Second by second, from the start: by when attempts ended on the agents, not by when their
  // reports reached the coordinator, so a constant rate charts flat.
  p.timeline.push_back({0, 0, 0, 0, 0});
  for (const auto& point : merge.timeline(p.duration_s)) p.timeline.push_back(point);
  return p;
}

}  // namespace stampede::coordinator
