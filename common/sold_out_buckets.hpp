// Where a sold-out answer is counted for false_sold_out (design.md), shared by the agent that
// counts it and the coordinator that merges it, so that both hold the same few buckets.
//
//   sold_out_bucket_end(12)     == 12      // the first 4,096 ms of a phase: by the millisecond
//   sold_out_bucket_end(5000)   == 5001    // 4,096..8,191: by 2 ms; 8,192..16,383: 4 ms; ...
//   sold_out_bucket_end(600000) == 600063  // ten minutes in: 256 ms buckets
//
// A flash sale's stock goes in its first seconds, where a sold-out answer's millisecond
// matters; a long run keeps answering sold out for an hour after, and one count per
// millisecond then cost the coordinator 60 KiB/s (BENCHMARKS.md, the soak). With buckets that
// double as the phase ages, a phase of length T keeps 4,096 + 2,048 log2(T / 4.096 s) of them.
// A bucket is keyed by its last millisecond, so an answer counts as false only when its whole
// bucket lies before a later sale: a coarse bucket can lower the figure, never raise it.
#pragma once

#include <bit>
#include <cstdint>

namespace stampede {

inline constexpr int kSoldOutFineBits = 12;  // 4,096 ms by the millisecond

constexpr int64_t sold_out_bucket_end(int64_t ms) {
  // Before the phase's instant (a clock offset's error): one bucket, ending at -1.
  if (ms < 0) return -1;
  const auto age = static_cast<uint64_t>(ms) >> kSoldOutFineBits;
  if (age == 0) return ms;
  const uint64_t width_mask = (uint64_t{1} << std::bit_width(age)) - 1;
  return static_cast<int64_t>(static_cast<uint64_t>(ms) | width_mask);
}

}  // namespace stampede
