// Time as Stampede sees it: an injectable source so pacers and deadlines can be tested with a
// fake clock instead of sleeps, plus wall-clock helpers for cross-host start instants.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace stampede {

inline uint64_t unix_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

inline int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-12-02T11:36:19Z", or with milliseconds "2026-12-02T11:36:19.250Z".
inline std::string rfc3339_utc(uint64_t unix_ns, bool millis = false) {
  const auto t = static_cast<std::time_t>(unix_ns / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (millis) {
    n += static_cast<size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03u",
                                           static_cast<unsigned>(unix_ns / 1'000'000 % 1000)));
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

inline std::chrono::system_clock::time_point from_unix_ns(uint64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

// The wall-clock time of a steady-clock instant in the recent past: now's wall time less the
// steady time since. Lets a hot path read one clock and convert the few instants it reports.
inline uint64_t unix_ns_of(std::chrono::steady_clock::time_point t) {
  const auto ago = std::chrono::steady_clock::now() - t;
  return unix_now_ns() -
         static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(ago).count());
}

// Whole microseconds from `from` to `to` on the steady clock, 0 when `to` is earlier.
inline uint64_t us_between(std::chrono::steady_clock::time_point from,
                           std::chrono::steady_clock::time_point to) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return us > 0 ? static_cast<uint64_t>(us) : 0;
}

// Monotonic time source. Thread-safe implementations only.
class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

// Wall-clock time source: the start instants agents on many hosts agree on. Tests give a fake
// one, so a run's start and its report's times follow the test. Thread-safe implementations.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual uint64_t now_unix_ns() const = 0;
};

class SystemWallClock final : public WallClock {
 public:
  uint64_t now_unix_ns() const override { return unix_now_ns(); }
};

}  // namespace stampede
