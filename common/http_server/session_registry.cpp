// SessionRegistry: the drain callback always runs outside the lock, because it may touch
// timers and other sessions.
#include "common/http_server/session_registry.hpp"

#include <vector>

#include "common/http_server/http_session.hpp"

namespace stampede::http_server {

bool SessionRegistry::add(const std::shared_ptr<HttpSession>& session) {
  std::lock_guard lock(mutex_);
  if (draining_) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionRegistry::remove(const HttpSession* session) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.erase(session) == 0) return;
    if (draining_ && sessions_.empty()) drained = std::move(on_drained_);
  }
  if (drained) drained();
}

void SessionRegistry::drain(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<HttpSession>> live;
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
    if (sessions_.empty()) {
      drained = std::move(on_drained);
    } else {
      on_drained_ = std::move(on_drained);
      for (const auto& [ptr, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
  }
  for (const auto& s : live) s->shutdown_gracefully();
  if (drained) drained();
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace stampede::http_server
