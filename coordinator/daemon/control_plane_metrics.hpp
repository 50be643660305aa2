// Counters for what the coordinator's control plane turns away: frames it dropped (by socket
// and reason: malformed, unknown_type, unregistered) and connections ZAP refused (by socket).
// The metric families are registered on the coordinator's registry when there is one; the
// counts are kept either way so the log can say how many.
//
// Not thread-safe: the coordinator's loop thread is the only caller (prometheus-cpp's own
// counters are safe to scrape meanwhile).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace stampede::coordinator {

class ControlPlaneMetrics {
 public:
  // registry may be null (no /metrics); it must outlive this object.
  explicit ControlPlaneMetrics(prometheus::Registry* registry);

  // Returns how many frames this socket has dropped for this reason, this one included.
  uint64_t frame_dropped(const std::string& socket, const std::string& reason);
  uint64_t auth_refused(const std::string& socket);

 private:
  prometheus::Family<prometheus::Counter>* dropped_ = nullptr;
  prometheus::Family<prometheus::Counter>* refused_ = nullptr;
  std::map<std::pair<std::string, std::string>, uint64_t> dropped_counts_;
  std::map<std::string, uint64_t> refused_counts_;
};

}  // namespace stampede::coordinator
