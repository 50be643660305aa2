// stampede_control_frames_dropped_total{socket,reason} and
// stampede_control_auth_refused_total{socket}.
#include "coordinator/daemon/control_plane_metrics.hpp"

namespace stampede::coordinator {

ControlPlaneMetrics::ControlPlaneMetrics(prometheus::Registry* registry) {
  if (!registry) return;
  dropped_ = &prometheus::BuildCounter()
                  .Name("stampede_control_frames_dropped_total")
                  .Help("Control-plane frames dropped unread, by socket and reason")
                  .Register(*registry);
  refused_ = &prometheus::BuildCounter()
                  .Name("stampede_control_auth_refused_total")
                  .Help("Control-plane connections refused by CURVE authentication, by socket")
                  .Register(*registry);
}

uint64_t ControlPlaneMetrics::frame_dropped(const std::string& socket, const std::string& reason) {
  if (dropped_) dropped_->Add({{"socket", socket}, {"reason", reason}}).Increment();
  return ++dropped_counts_[{socket, reason}];
}

uint64_t ControlPlaneMetrics::auth_refused(const std::string& socket) {
  if (refused_) refused_->Add({{"socket", socket}}).Increment();
  return ++refused_counts_[socket];
}

}  // namespace stampede::coordinator
