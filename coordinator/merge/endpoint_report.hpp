// What a finished phase makes: the oracle's verdict on what the agents saw against the target's
// final stock and ledger, and the endpoint's report with its counts, latency and problems.
//
//   EndpointReport e = report_phase(merge, std::move(end), {"safe", 100, start_ns});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/daemon/target_probe.hpp"
#include "coordinator/merge/phase_merge.hpp"
#include "coordinator/report/report.hpp"

namespace stampede::coordinator {

struct PhaseFacts {
  std::string endpoint;
  std::optional<int64_t> initial_stock;  // absent: a plain load test, with no stock source
  uint64_t start_unix_ns = 0;            // the start instant the jobs were given
  bool order_ids = true;                 // sales carry order ids
  bool remaining_read = false;           // the sales' answers name the stock left
  std::optional<bool> tls_verified;      // https targets: whether peers were verified
  uint32_t per_user_limit = 0;           // units a buyer may get; 0: not checked
};

// Takes the merge's acknowledged orders (it keeps the rest). Every attempt is counted once: a
// lost agent's last word stands for its share, in every class of outcome, so attempts always
// equal acknowledged + sold_out + errors + indeterminate.
EndpointReport report_phase(PhaseMerge& merge, PhaseEnd end, const PhaseFacts& facts);

}  // namespace stampede::coordinator
