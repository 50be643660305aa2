// FaultInjector: a per-thread random engine, so drawing never contends.
#include "target/faults/fault_injector.hpp"

#include <array>
#include <bit>
#include <random>

namespace stampede::target {
namespace {

constexpr std::array<std::string_view, kFaultKindCount> kNames{"before_commit", "after_commit",
                                                               "reset_after_commit", "delay"};

std::mt19937_64& engine() {
  thread_local std::mt19937_64 e{std::random_device{}()};
  return e;
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  return kNames[static_cast<size_t>(kind)];
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

void FaultInjector::configure(const FaultSettings& settings) {
  uint32_t mask = 0;
  for (FaultKind k : settings.kinds) mask |= 1u << static_cast<unsigned>(k);
  kinds_mask_.store(mask, std::memory_order_relaxed);
  delay_ms_.store(settings.delay.count(), std::memory_order_relaxed);
  rate_.store(settings.rate, std::memory_order_relaxed);
}

FaultSettings FaultInjector::settings() const {
  FaultSettings out;
  out.rate = rate_.load(std::memory_order_relaxed);
  out.delay = std::chrono::milliseconds(delay_ms_.load(std::memory_order_relaxed));
  out.kinds.clear();
  const uint32_t mask = kinds_mask_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kFaultKindCount; ++i) {
    if (mask & (1u << i)) out.kinds.push_back(static_cast<FaultKind>(i));
  }
  return out;
}

std::optional<FaultKind> FaultInjector::draw() {
  const double rate = rate_.load(std::memory_order_relaxed);
  const uint32_t mask = kinds_mask_.load(std::memory_order_relaxed);
  if (rate <= 0.0 || mask == 0) return std::nullopt;
  auto& e = engine();
  if (rate < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(e) >= rate) {
    return std::nullopt;
  }
  const int enabled = std::popcount(mask);
  int pick = std::uniform_int_distribution<int>(0, enabled - 1)(e);
  for (size_t i = 0; i < kFaultKindCount; ++i) {
    if ((mask & (1u << i)) && pick-- == 0) return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

std::chrono::milliseconds FaultInjector::delay() const {
  return std::chrono::milliseconds(delay_ms_.load(std::memory_order_relaxed));
}

}  // namespace stampede::target
