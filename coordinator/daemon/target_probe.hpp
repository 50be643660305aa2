// The coordinator's view of the target around a phase: reset the stock before (admin API),
// read the stock and the ledger after. Blocking HTTP, so the loop runs these off-thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/tls_client.hpp"
#include "coordinator/daemon/stock_body.hpp"
#include "coordinator/oracle/ledger.hpp"

namespace stampede::coordinator {

struct TargetProbe {
  std::string admin_url;  // http://host:port of the admin listener; empty: no reset
  std::string admin_token;
  int64_t product_id = 1;
  int64_t reset_stock = -1;  // < 0: no reset
  std::string stock_url;     // empty: no stock reads
  std::string stock_field = "stock";
  std::string ledger_url;  // empty: no ledger checks
  TlsClientSettings tls;   // for those of them that are https://
  // An https:// target is met once before the phase, so that a certificate the agents would
  // refuse stops the run before any load is sent.
  std::string target_url;
};

// Resets the stock when asked and returns S, the stock the phase starts with; nothing when there
// is no way to know it (no reset, no stock URL: a plain load test, or a ledger alone).
Expected<std::optional<int64_t>> prepare_phase(const TargetProbe& probe);

struct PhaseEnd {
  std::optional<int64_t> final_stock;
  std::optional<std::vector<LedgerOrder>> ledger;
  // A target with reservations (the lab's product route): its holds when the run ended.
  std::optional<HoldFigures> holds;
  // The run's own samples of that route while the phase ran (the run fills it, not the probe).
  std::optional<StockSamples> samples;
};

// One reading of the stock during a phase: the stock for the live view, and where the target
// reports them (the lab's product route) the holds and units sold at that instant. A short
// timeout: a slow target only makes the figure late.
Expected<StockBody> read_stock(const TargetProbe& probe);

// Waits for the target's pending writes (if it reports any) to drain, then reads the final
// stock and the ledger. An error names what could not be read.
Expected<PhaseEnd> read_phase_end(const TargetProbe& probe);

}  // namespace stampede::coordinator
