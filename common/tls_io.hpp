// What an OpenSSL call on a non-blocking socket's descriptor came to, for the two places that
// let OpenSSL read and write the socket itself: the agent's TlsChannel and the server's
// FdTlsStream. Each waits for readiness when told to and calls again.
//
//   switch (tls_outcome(ssl, SSL_read_ex(ssl, data, size, &got))) { case TlsIo::want_read: ... }
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdint>

namespace stampede {

enum class TlsIo : uint8_t {
  done,
  want_read,   // the socket had nothing more: call again once it is readable
  want_write,  // the socket's send buffer is full: call again once it is writable
  closed,      // the peer ended the stream cleanly (close_notify)
  failed,      // a certificate refused, a broken record, a reset, an end without close_notify
};

// ret: what the SSL_ call returned. On failure, reason (when given) gets OpenSSL's first error
// code, 0 when it gave none (a reset, an end without close_notify).
inline TlsIo tls_outcome(SSL* ssl, int ret, unsigned long* reason = nullptr) {
  if (ret == 1) return TlsIo::done;
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return TlsIo::want_read;
    case SSL_ERROR_WANT_WRITE:
      return TlsIo::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return TlsIo::closed;
    default:
      if (reason) *reason = ERR_get_error();
      // SSL_get_error reads this thread's error queue: it must be empty before the next call.
      ERR_clear_error();
      return TlsIo::failed;
  }
}

}  // namespace stampede
