// Knows every open connection, so a SIGTERM can let in-flight requests finish, close idle
// keep-alive connections, and report when the last one is gone.
//
//   registry.drain([&] { shutdown_timer.cancel(); });  // from the shutdown path
//
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace stampede::http_server {

class HttpSession;

class SessionRegistry {
 public:
  // False once draining has begun: the caller drops the new connection.
  bool add(const std::shared_ptr<HttpSession>& session);
  // Called from the session's destructor.
  void remove(const HttpSession* session);
  // Asks every session to finish its current request and close; on_drained runs once (on
  // whichever thread removes the last session, or inline when none is left).
  void drain(std::function<void()> on_drained);
  size_t size() const;

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions_;
  bool draining_ = false;
  std::function<void()> on_drained_;
};

}  // namespace stampede::http_server
