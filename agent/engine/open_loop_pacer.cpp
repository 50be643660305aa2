// The integrated-rate schedule of a constant-rate run with a linear ramp.
#include "agent/engine/open_loop_pacer.hpp"

#include <algorithm>
#include <cmath>

namespace stampede::agent {
namespace {
constexpr long double kNsPerS = 1e9L;
constexpr long double kMaxNs = 9e18L;
}  // namespace

ConstantRatePacer::ConstantRatePacer(const Clock& clock, time_point start, double rate_per_s,
                                     std::chrono::nanoseconds ramp)
    : clock_(clock),
      start_(start),
      rate_per_s_(rate_per_s),
      ramp_ns_(static_cast<long double>(std::max<int64_t>(0, ramp.count()))),
      ramp_attempts_(rate_per_s_ * ramp_ns_ / (2 * kNsPerS)) {}

ConstantRatePacer::time_point ConstantRatePacer::intended_send_time(uint64_t i) const {
  const auto n = static_cast<long double>(i);
  long double ns;
  if (n < ramp_attempts_) {
    // Within the ramp the rate is rate·t/T, so i attempts are due once rate·t²/(2T) = i.
    ns = std::sqrt(2 * ramp_ns_ * n * kNsPerS / rate_per_s_);
  } else {
    // The ramp delivered rate·T/2 attempts in T; the rest come at the full rate.
    ns = ramp_ns_ / 2 + n * kNsPerS / rate_per_s_;
  }
  // Past ~285 years a schedule means nothing; the cap keeps llround defined for tiny rates.
  return start_ + std::chrono::nanoseconds(std::llround(std::min(ns, kMaxNs)));
}

ConstantRatePacer::duration ConstantRatePacer::wait_before(uint64_t i) const {
  const auto wait = intended_send_time(i) - clock_.now();
  return std::max(wait, duration::zero());
}

}  // namespace stampede::agent
