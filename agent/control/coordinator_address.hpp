// The coordinator's tcp:// endpoint with its host name looked up off the control loop, so that
// the agent connects by address and follows a coordinator that came back at a new one (a
// container restarted on its network gets a new IP; ZeroMQ keeps retrying the old one).
//
//   CoordinatorAddress address("tcp://coordinator:5555");
//   address.look_up();                                   // in the background
//   if (auto at = address.take()) ...connect to *at (tcp://10.88.0.7:5555)...
//
// Not thread-safe; the lookups it starts are. getaddrinfo cannot be bounded, and a name whose
// container is down can take tens of seconds to fail while resolvers upstream time out, so each
// lookup runs on a thread of its own and a newer one is never queued behind a stalled one.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace stampede::agent {

class CoordinatorAddress {
 public:
  explicit CoordinatorAddress(std::string endpoint);

  // Starts a lookup unless too many are still stalled; a numeric host or another transport
  // needs none, and take() returns the endpoint as given.
  void look_up();
  // The endpoint by address from the newest lookup that finished since the last take(); a
  // lookup that failed gives nothing. The bool says whether IPv6 must be on for it.
  struct Found {
    std::string endpoint;
    bool ipv6 = false;
  };
  std::optional<Found> take();

  const std::string& endpoint() const { return endpoint_; }
  // Whether a lookup started has not answered yet.
  bool looking_up() const;

 private:
  struct Shared;
  const std::string endpoint_;
  std::string host_, port_;
  bool needs_lookup_ = false;
  bool given_taken_ = false;
  std::shared_ptr<Shared> shared_;
};

}  // namespace stampede::agent
