// Pins the latency histogram: bucket error bound, exact merge, percentiles and the proto trip.
#include <catch2/catch.hpp>
#include <random>

#include "common/histogram.hpp"
#include "stampede.pb.h"

using stampede::LatencyHistogram;

TEST_CASE("every bucket is within 1/1024 of the values it holds", "[common][histogram]") {
  for (uint64_t v : {1ull, 2047ull, 2048ull, 2049ull, 4095ull, 4096ull, 123'456ull, 9'999'999ull,
                     59'999'999ull, 60'000'000ull}) {
    const auto i = LatencyHistogram::bucket_index(v);
    CHECK(LatencyHistogram::bucket_lowest(i) <= v);
    CHECK(LatencyHistogram::bucket_highest(i) >= v);
    const double width = static_cast<double>(LatencyHistogram::bucket_highest(i) -
                                             LatencyHistogram::bucket_lowest(i));
    CHECK(width <= static_cast<double>(v) / 1024.0);
  }
}

TEST_CASE("bucket indexes are contiguous and ordered", "[common][histogram]") {
  for (uint32_t i = 1; i < LatencyHistogram::bucket_count(); ++i) {
    REQUIRE(LatencyHistogram::bucket_lowest(i) == LatencyHistogram::bucket_highest(i - 1) + 1);
    REQUIRE(LatencyHistogram::bucket_index(LatencyHistogram::bucket_lowest(i)) == i);
  }
}

TEST_CASE("values past 60 s are clamped into the last bucket but max stays true",
          "[common][histogram]") {
  LatencyHistogram h;
  h.record_us(120'000'000);
  CHECK(h.total() == 1);
  CHECK(h.max_us() == 120'000'000);
  CHECK(h.percentile_us(100) >= LatencyHistogram::kMaxUs);
}

TEST_CASE("merging histograms equals recording the union of samples", "[common][histogram]") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  LatencyHistogram parts[4];
  LatencyHistogram all;
  for (int i = 0; i < 40'000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    parts[i % 4].record_us(v);
    all.record_us(v);
  }
  LatencyHistogram merged;
  for (const auto& p : parts) merged.merge(p);
  CHECK(merged == all);
  for (double p : {50.0, 90.0, 99.0, 99.9, 100.0})
    CHECK(merged.percentile_us(p) == all.percentile_us(p));
}

TEST_CASE("percentiles are within the error bound of the exact order statistic",
          "[common][histogram]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(1, 5'000'000);
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 20'000; ++i) {
    values.push_back(dist(rng));
    h.record_us(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
    const double exact = static_cast<double>(values[rank - 1]);
    const double got = static_cast<double>(h.percentile_us(p));
    CHECK(got >= exact);
    CHECK(got <= exact * (1.0 + 1.0 / 1024.0) + 1.0);
  }
}

TEST_CASE("a histogram survives its protobuf form exactly", "[common][histogram]") {
  LatencyHistogram h;
  for (uint64_t v = 1; v < 3'000'000; v = v * 3 + 1) h.record_us(v, v % 7 + 1);
  stampede::v1::Histogram msg;
  h.to_proto(&msg);
  LatencyHistogram back;
  REQUIRE(back.from_proto(msg));
  CHECK(back == h);
}

TEST_CASE("a histogram message naming a bucket out of range is refused", "[common][histogram]") {
  stampede::v1::Histogram msg;
  msg.add_index(LatencyHistogram::bucket_count() + 5);
  msg.add_counts(1);
  msg.set_total(1);
  LatencyHistogram h;
  h.record_us(10);
  CHECK_FALSE(h.from_proto(msg));
  CHECK(h.total() == 1);
}

TEST_CASE("merging a message in place equals merging its histogram", "[common][histogram]") {
  LatencyHistogram a, b;
  for (uint64_t v = 5; v < 900'000; v = v * 2 + 3) a.record_us(v);
  for (uint64_t v = 1; v < 50'000'000; v = v * 5 + 1) b.record_us(v, 3);
  stampede::v1::Histogram msg;
  b.to_proto(&msg);
  LatencyHistogram by_message = a, by_histogram = a;
  REQUIRE(by_message.merge_proto(msg));
  by_histogram.merge(b);
  CHECK(by_message == by_histogram);
  CHECK(by_message.min_us() == 1);

  msg.set_total(msg.total() + 1);  // counts that do not add up: refused, nothing merged
  CHECK_FALSE(by_message.merge_proto(msg));
  CHECK(by_message == by_histogram);
  msg.set_total(1);
  msg.clear_index();
  msg.clear_counts();
  msg.add_index(LatencyHistogram::bucket_count());
  msg.add_counts(1);
  CHECK_FALSE(by_message.merge_proto(msg));
  CHECK(by_message == by_histogram);
}
