// The coordinator's control HTTP client (stock, ledger, admin and Pushgateway calls) against a
// loopback peer that answers each call with the fuzzer's bytes: every call ends, by its
// deadline at worst, with a reply or an error value, never an exception or a crash.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "common/http_client.hpp"

namespace {

// Accepts one connection per call, reads the request head, writes the current answer, closes.
class Peer {
 public:
  Peer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listener_, 16);
    std::thread([this] { serve(); }).detach();  // lives as long as the fuzzer
  }
  uint16_t port() const { return port_; }
  void set_answer(std::string answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }

 private:
  void serve() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval tv{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      std::string answer;
      {
        std::lock_guard lock(mutex_);
        answer = answer_;
      }
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::string answer_;
};

Peer& peer() {
  static Peer* p = new Peer;
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Peer& p = peer();
  p.set_answer(std::string(reinterpret_cast<const char*>(data), size));
  const auto url = stampede::HttpUrl::parse("http://127.0.0.1:" + std::to_string(p.port()) + "/s");
  stampede::HttpCallOptions options;
  options.timeout = std::chrono::milliseconds(500);
  options.body_limit = 64 * 1024;
  auto reply = stampede::http_call("GET", *url, options);
  if (reply && reply->body.size() > options.body_limit) std::abort();
  return 0;
}
