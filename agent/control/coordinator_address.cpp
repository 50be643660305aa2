// CoordinatorAddress: lookups on detached threads that report into shared state; a stalled one
// only ever costs its thread, never the control loop or a newer lookup.
#include "agent/control/coordinator_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include "common/url.hpp"

namespace stampede::agent {

namespace {
constexpr size_t kMaxStalledLookups = 8;

// The first IPv4 address of host, else its first IPv6 one.
std::optional<CoordinatorAddress::Found> look_up_now(const std::string& host,
                                                     const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return std::nullopt;
  std::optional<CoordinatorAddress::Found> v4, v6;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET && !v4) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text,
                  sizeof text);
      v4 = CoordinatorAddress::Found{"tcp://" + std::string(text) + ":" + port, false};
    } else if (a->ai_family == AF_INET6 && !v6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text,
                  sizeof text);
      v6 = CoordinatorAddress::Found{"tcp://[" + std::string(text) + "]:" + port, true};
    }
  }
  ::freeaddrinfo(found);
  return v4 ? v4 : v6;
}

bool is_numeric(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}
}  // namespace

struct CoordinatorAddress::Shared {
  std::mutex mutex;
  size_t in_flight = 0;
  uint64_t started = 0;          // lookups started, numbering them
  uint64_t newest_finished = 0;  // the number of the newest one that finished
  std::optional<Found> result;   // its answer, until taken
};

CoordinatorAddress::CoordinatorAddress(std::string endpoint)
    : endpoint_(std::move(endpoint)), shared_(std::make_shared<Shared>()) {
  if (auto tcp = TcpEndpoint::parse(endpoint_)) {
    host_ = std::move(tcp->host);
    port_ = std::move(tcp->port);
    needs_lookup_ = !host_.empty() && host_ != "*" && !is_numeric(host_);
  }
}

bool CoordinatorAddress::looking_up() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->in_flight > 0;
}

void CoordinatorAddress::look_up() {
  if (!needs_lookup_) return;
  uint64_t number = 0;
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->in_flight >= kMaxStalledLookups) return;
    ++shared_->in_flight;
    number = ++shared_->started;
  }
  std::thread([shared = shared_, host = host_, port = port_, number] {
    auto found = look_up_now(host, port);
    std::lock_guard lock(shared->mutex);
    --shared->in_flight;
    // An older lookup that stalled must not overwrite what a newer one already said.
    if (number > shared->newest_finished) {
      shared->newest_finished = number;
      shared->result = std::move(found);
    }
  }).detach();
}

std::optional<CoordinatorAddress::Found> CoordinatorAddress::take() {
  if (!needs_lookup_) {
    if (given_taken_) return std::nullopt;
    given_taken_ = true;
    return Found{endpoint_, false};
  }
  std::lock_guard lock(shared_->mutex);
  return std::exchange(shared_->result, std::nullopt);
}

}  // namespace stampede::agent
