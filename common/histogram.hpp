// A fixed-size log-linear latency histogram (HdrHistogram-style, 3 significant digits,
// 1 µs to 60 s) whose merge is exact, so many agents' latencies add up to the true total.
//
//   stampede::LatencyHistogram h;
//   h.record_us(1234);
//   other.merge(h);
//   double p99 = other.percentile_us(99.0);
//
// Not thread-safe: keep one per thread and merge them.
#pragma once

#include <cstdint>
#include <vector>

namespace stampede {
namespace v1 {
class Histogram;
}

class LatencyHistogram {
 public:
  static constexpr uint64_t kMaxUs = 60'000'000;  // larger values are clamped, max_us() keeps truth
  static constexpr uint32_t kSubBuckets = 2048;   // 2^11 > 2 * 10^3: three significant digits

  LatencyHistogram();

  void record_us(uint64_t us) { record_us(us, 1); }
  void record_us(uint64_t us, uint64_t count);
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t total() const { return total_; }
  uint64_t min_us() const { return total_ ? min_ : 0; }
  uint64_t max_us() const { return max_; }
  // The smallest recorded value v such that at least p % of values are <= v, reported as the
  // highest value equivalent to v's bucket (within 1/1024 of the truth).
  uint64_t percentile_us(double p) const;

  void to_proto(v1::Histogram* out) const;
  // False (and this left unchanged) when the message names a bucket out of range.
  bool from_proto(const v1::Histogram& in);
  // merge() of a message, touching only the buckets it names: the coordinator merges many
  // sparse windows a second, and expanding each into a full histogram first costs ~100x more.
  // False (and this left unchanged) on the same checks as from_proto().
  bool merge_proto(const v1::Histogram& in);

  static uint32_t bucket_index(uint64_t us);
  static uint64_t bucket_lowest(uint32_t index);
  static uint64_t bucket_highest(uint32_t index);
  static uint32_t bucket_count();

  friend bool operator==(const LatencyHistogram&, const LatencyHistogram&) = default;

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace stampede
