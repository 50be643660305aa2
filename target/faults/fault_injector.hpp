// Decides, per unstable checkout, whether to misbehave and how: the faults an integrity oracle
// must survive (503 before or after the commit, a reset after the commit, a slow answer).
//
//   FaultInjector faults(FaultSettings{.rate = 0.05});
//   if (auto kind = faults.draw()) ...inject *kind...
//
// Thread-safe. Settings are read with relaxed atomics: a configure() racing with draws may be
// seen field by field, which is harmless for a fault lab.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace stampede::target {

enum class FaultKind : uint8_t { before_commit, after_commit, reset_after_commit, delay };
inline constexpr size_t kFaultKindCount = 4;

std::string_view fault_kind_name(FaultKind kind);
std::optional<FaultKind> parse_fault_kind(std::string_view name);

struct FaultSettings {
  double rate = 0.05;  // probability that one unstable checkout gets a fault
  // Drawn uniformly from these; the default is the half/half 503 split.
  std::vector<FaultKind> kinds{FaultKind::before_commit, FaultKind::after_commit};
  std::chrono::milliseconds delay{200};  // how long the delay fault holds the request
};

class FaultInjector {
 public:
  explicit FaultInjector(const FaultSettings& settings = {}) { configure(settings); }

  // Callers validate first: rate in [0, 1], kinds non-empty, delay >= 0.
  void configure(const FaultSettings& settings);
  FaultSettings settings() const;

  // The fault for this request, or nullopt for none.
  std::optional<FaultKind> draw();
  std::chrono::milliseconds delay() const;

 private:
  std::atomic<double> rate_{0.0};
  std::atomic<uint32_t> kinds_mask_{0};
  std::atomic<int64_t> delay_ms_{0};
};

}  // namespace stampede::target
