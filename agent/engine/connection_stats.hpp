// How a job's connections were made: connections opened, TLS handshakes and how many resumed a
// session, and the time each connect and each handshake took (design.md's "connections").
// A buyer who reconnects over https pays a handshake, a full one unless its session resumes:
// the storm of a sale's first second is made of these.
//
//   ConnectionStats s;
//   s.record_connect(us);   s.record_handshake(us, resumed);
//   s.merge(other);
//
// Not thread-safe: one per swarm thread, merged after the threads end.
#pragma once

#include <cstdint>

#include "common/histogram.hpp"

namespace stampede::agent {

struct ConnectionStats {
  uint64_t opened = 0;
  uint64_t tls_handshakes = 0;
  uint64_t tls_resumed = 0;
  LatencyHistogram connect_us;
  LatencyHistogram tls_us;

  void record_connect(uint64_t us) {
    ++opened;
    connect_us.record_us(us);
  }
  void record_handshake(uint64_t us, bool resumed) {
    ++tls_handshakes;
    if (resumed) ++tls_resumed;
    tls_us.record_us(us);
  }
  void merge(const ConnectionStats& other) {
    opened += other.opened;
    tls_handshakes += other.tls_handshakes;
    tls_resumed += other.tls_resumed;
    connect_us.merge(other.connect_us);
    tls_us.merge(other.tls_us);
  }
};

}  // namespace stampede::agent
