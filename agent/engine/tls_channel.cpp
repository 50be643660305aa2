// TlsChannel: one SSL object per virtual user over its socket's descriptor, and OpenSSL's
// answers turned into what the user's loop does next.
#include "agent/engine/tls_channel.hpp"

#include "common/tls_client.hpp"

namespace stampede::agent {

TlsChannel::~TlsChannel() {
  if (ssl_) SSL_free(ssl_);
}

bool TlsChannel::begin(int fd, const std::string& host, bool insecure, SSL_SESSION* resume) {
  // SSL_clear keeps the context's settings and drops the connection's: the documented way to
  // use one object for another connection to the same peer. Should it refuse, a new one.
  if (ssl_ && SSL_clear(ssl_) != 1) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (!ssl_ && !(ssl_ = SSL_new(ctx_))) return false;
  // A socket BIO that leaves the descriptor open: the user's socket owns it.
  if (SSL_set_fd(ssl_, fd) != 1) return false;
  SSL_set_connect_state(ssl_);
  // Read what the socket holds at once, not a record's header and then its body: the
  // handshake's records and an answer's arrive together, and each recv is a syscall.
  SSL_set_read_ahead(ssl_, 1);
  prepare_client_stream(ssl_, host, insecure);
  // Always set, null included: SSL_clear keeps a cleanly ended connection's session, which
  // would resume where the caller asked for a fresh one.
  SSL_set_session(ssl_, resume);
  return true;
}

TlsIo TlsChannel::handshake() {
  return tls_outcome(ssl_, SSL_do_handshake(ssl_));
}

TlsIo TlsChannel::write(const void* data, size_t size, size_t& written) {
  written = 0;
  return tls_outcome(ssl_, SSL_write_ex(ssl_, data, size, &written));
}

TlsIo TlsChannel::read(void* data, size_t size, size_t& got) {
  got = 0;
  return tls_outcome(ssl_, SSL_read_ex(ssl_, data, size, &got));
}

SSL_SESSION* TlsChannel::take_session() const {
  // TLS 1.3 hands out its session after the handshake, with the first answer: hence at close.
  SSL_SESSION* session = SSL_get1_session(ssl_);
  if (session && !SSL_SESSION_is_resumable(session)) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

}  // namespace stampede::agent
