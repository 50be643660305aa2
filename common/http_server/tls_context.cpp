// server_tls_context: OpenSSL's errors turned into a sentence naming the file at fault.
#include "common/http_server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/sigpipe.hpp"

namespace stampede::http_server {

namespace ssl = boost::asio::ssl;

Expected<std::shared_ptr<ssl::context>> server_tls_context(const std::string& cert_file,
                                                           const std::string& key_file) {
  ignore_sigpipe();  // sessions let OpenSSL write their sockets (fd_tls_stream.hpp)
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return unexpected("--tls-cert " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return unexpected("--tls-key " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return unexpected("--tls-key " + key_file + " is not the key of --tls-cert " + cert_file);
  }
  // Buyers who come back resume their session instead of a full handshake, as at a real shop.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_SERVER);
  static const unsigned char kSessionContext[] = "stampede";
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
  return ctx;
}

}  // namespace stampede::http_server
