// Estimates how far a peer's wall clock is ahead of ours from request/reply round trips, the
// simple form of NTP: offset = peer_time - (sent + received) / 2. Queuing only ever lengthens a
// round trip, so the sample with the shortest one among the recent ones is trusted.
//
//   ClockOffsetEstimator est;
//   est.add_sample(sent_ns, peer_ns, received_ns);   // per heartbeat reply
//   uint64_t local_start = peer_start_ns - est.offset_ns();
//
// Not thread-safe: one owner (the agent's control loop).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace stampede {

class ClockOffsetEstimator {
 public:
  static constexpr size_t kWindow = 16;  // recent samples: old ones may predate clock steps

  void add_sample(uint64_t sent_ns, uint64_t peer_ns, uint64_t received_ns) {
    if (received_ns < sent_ns) return;  // a local clock step mid-flight: the sample means nothing
    Sample s;
    s.rtt_ns = received_ns - sent_ns;
    s.offset_ns = static_cast<int64_t>(peer_ns) - static_cast<int64_t>(sent_ns + s.rtt_ns / 2);
    samples_[next_ % kWindow] = s;
    ++next_;
  }

  // Peer minus local, in ns; 0 until a sample arrives.
  int64_t offset_ns() const {
    const Sample* best = best_sample();
    return best ? best->offset_ns : 0;
  }

  std::optional<uint64_t> best_rtt_ns() const {
    const Sample* best = best_sample();
    return best ? std::optional<uint64_t>(best->rtt_ns) : std::nullopt;
  }

  void reset() { next_ = 0; }

 private:
  struct Sample {
    uint64_t rtt_ns = 0;
    int64_t offset_ns = 0;
  };

  const Sample* best_sample() const {
    const Sample* best = nullptr;
    const size_t n = next_ < kWindow ? next_ : kWindow;
    for (size_t i = 0; i < n; ++i) {
      if (!best || samples_[i].rtt_ns < best->rtt_ns) best = &samples_[i];
    }
    return best;
  }

  std::array<Sample, kWindow> samples_{};
  size_t next_ = 0;
};

}  // namespace stampede
