// A virtual user's TLS, driven straight on its non-blocking socket: OpenSSL reads and writes the
// descriptor itself, so a record is not copied through a BIO pair and asio's ssl::stream
// buffers on its way, and one SSL object serves all of the user's connections, cleared between
// them rather than made anew (as wrk does). The caller waits for readiness when told to.
//
//   TlsChannel tls(ctx);
//   tls.begin(fd, "shop.example", /*insecure=*/false, last_session);  // after each connect
//   switch (tls.handshake()) { case TlsIo::want_read: wait readable, call again; ... }
//   tls.write(data, size, written);  tls.read(buffer, size, got);
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

#include "common/tls_io.hpp"

namespace stampede::agent {

class TlsChannel {
 public:
  explicit TlsChannel(SSL_CTX* ctx) : ctx_(ctx) {}
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // A new connection on fd (which stays the caller's to close): the last connection's state
  // cleared, SNI and the certificate's name check set, and `resume` offered when not null.
  // False when OpenSSL could not make its object.
  bool begin(int fd, const std::string& host, bool insecure, SSL_SESSION* resume);
  TlsIo handshake();
  TlsIo write(const void* data, size_t size, size_t& written);
  TlsIo read(void* data, size_t size, size_t& got);
  // After a whole answer: the end counts as clean, so the session stays resumable.
  void end_cleanly() { SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN); }
  bool session_reused() const { return SSL_session_reused(ssl_) == 1; }
  // The connection's session for the next one, or null; the caller frees it.
  SSL_SESSION* take_session() const;

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
};

}  // namespace stampede::agent
