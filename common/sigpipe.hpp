// OpenSSL writes a socket with write(2), which raises SIGPIPE, and so ends the process, when the
// peer has gone. Whoever lets OpenSSL write descriptors itself (the target's TLS sessions, the
// agents' TLS channels) calls this first; the write then fails with EPIPE and is handled.
#pragma once

#include <csignal>
#include <mutex>

namespace stampede {

inline void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace stampede
