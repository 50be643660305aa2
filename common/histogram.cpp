// Log-linear bucketing: values below kSubBuckets get a bucket each; above, each power of two
// is split into kSubBuckets/2 equal buckets, so a bucket is never wider than 1/1024 of its value.
#include "common/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "stampede.pb.h"

namespace stampede {
namespace {
constexpr uint32_t kHalf = LatencyHistogram::kSubBuckets / 2;
constexpr uint32_t kSubBits = 11;  // log2(kSubBuckets)
}  // namespace

uint32_t LatencyHistogram::bucket_index(uint64_t us) {
  us = std::clamp<uint64_t>(us, 0, kMaxUs);
  if (us < kSubBuckets) return static_cast<uint32_t>(us);
  const uint32_t shift = static_cast<uint32_t>(std::bit_width(us)) - kSubBits;  // >= 1
  const uint64_t sub = us >> shift;                                             // [1024, 2048)
  return kSubBuckets + (shift - 1) * kHalf + static_cast<uint32_t>(sub - kHalf);
}

uint64_t LatencyHistogram::bucket_lowest(uint32_t index) {
  if (index < kSubBuckets) return index;
  const uint32_t shift = (index - kSubBuckets) / kHalf + 1;
  const uint64_t sub = (index - kSubBuckets) % kHalf + kHalf;
  return sub << shift;
}

uint64_t LatencyHistogram::bucket_highest(uint32_t index) {
  if (index < kSubBuckets) return index;
  const uint32_t shift = (index - kSubBuckets) / kHalf + 1;
  return bucket_lowest(index) + (uint64_t{1} << shift) - 1;
}

uint32_t LatencyHistogram::bucket_count() {
  return bucket_index(kMaxUs) + 1;
}

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

void LatencyHistogram::record_us(uint64_t us, uint64_t count) {
  if (count == 0) return;
  counts_[bucket_index(us)] += count;
  total_ += count;
  min_ = std::min(min_, us);
  max_ = std::max(max_, us);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

uint64_t LatencyHistogram::percentile_us(double p) const {
  if (total_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Rank of the value asked for, 1-based; at least the first value.
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p / 100.0 * total_)));
  uint64_t seen = 0;
  for (uint32_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_highest(i), max_);
  }
  return max_;
}

void LatencyHistogram::to_proto(v1::Histogram* out) const {
  out->Clear();
  for (uint32_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    out->add_index(i);
    out->add_counts(counts_[i]);
  }
  out->set_min_us(min_us());
  out->set_max_us(max_);
  out->set_total(total_);
}

bool LatencyHistogram::merge_proto(const v1::Histogram& in) {
  if (in.index_size() != in.counts_size()) return false;
  uint64_t total = 0;
  for (int i = 0; i < in.index_size(); ++i) {
    if (in.index(i) >= counts_.size()) return false;
    total += in.counts(i);
  }
  if (total != in.total()) return false;
  for (int i = 0; i < in.index_size(); ++i) counts_[in.index(i)] += in.counts(i);
  total_ += total;
  if (total > 0) {
    min_ = std::min<uint64_t>(min_, in.min_us());
    max_ = std::max<uint64_t>(max_, in.max_us());
  }
  return true;
}

bool LatencyHistogram::from_proto(const v1::Histogram& in) {
  if (in.index_size() != in.counts_size()) return false;
  LatencyHistogram h;
  for (int i = 0; i < in.index_size(); ++i) {
    if (in.index(i) >= h.counts_.size()) return false;
    h.counts_[in.index(i)] += in.counts(i);
    h.total_ += in.counts(i);
  }
  if (h.total_ != in.total()) return false;
  if (h.total_ > 0) {
    h.min_ = in.min_us();
    h.max_ = in.max_us();
  }
  *this = std::move(h);
  return true;
}

}  // namespace stampede
