// client_tls_context and the handshake's failure in words, on OpenSSL through Asio.
#include "common/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fstream>
#include <sstream>

#include "common/sigpipe.hpp"
#include "stampede.pb.h"

namespace stampede {

namespace ssl = boost::asio::ssl;

TlsClientSettings tls_client_settings(const v1::TlsSpec& spec) {
  TlsClientSettings s;
  s.ca_pem = spec.ca_pem();
  s.insecure = spec.insecure();
  s.cert_pem = spec.cert_pem();
  s.key_pem = spec.key_pem();
  s.fresh_sessions = spec.fresh_sessions();
  return s;
}

Expected<std::shared_ptr<ssl::context>> client_tls_context(const TlsClientSettings& s) {
  ignore_sigpipe();  // agents let OpenSSL write their sockets (agent/engine/tls_channel.hpp)
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (s.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (s.ca_pem.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) return unexpected("the system's CA store: " + ec.message());
    } else {
      ctx->add_certificate_authority(boost::asio::buffer(s.ca_pem), ec);
      if (ec) return unexpected("--ca-file: no usable CA certificate (" + ec.message() + ")");
    }
  }
  if (!s.cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(s.cert_pem), ec);
    if (ec) return unexpected("--client-cert: " + ec.message());
    ctx->use_private_key(boost::asio::buffer(s.key_pem), ssl::context::pem, ec);
    if (ec) return unexpected("--client-key: " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      ERR_clear_error();
      return unexpected("--client-key is not the key of --client-cert");
    }
  }
  // Each connection's owner keeps its own session to resume (SSL_get1_session), so OpenSSL's
  // shared store would only cost: a locked insert per ticket and, every 255 connections, a scan
  // of up to 20,000 stored sessions.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(),
                                 s.fresh_sessions
                                     ? SSL_SESS_CACHE_OFF
                                     : SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  return ctx;
}

void prepare_client_stream(SSL* ssl, const std::string& host, bool insecure) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_ip = !ec;  // SNI carries names only
  if (!is_ip) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (insecure) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
}

std::string handshake_failure(SSL* ssl, const boost::system::error_code& ec) {
  const long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    return "TLS handshake failed: " + ec.message();
  }
  return ec.message();
}

Expected<std::string> read_pem_file(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(flag + " " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  if (pem.size() > 1024 * 1024) return unexpected(flag + " " + path + ": over 1 MiB");
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return unexpected(flag + " " + path + ": no PEM block in it");
  }
  return pem;
}

}  // namespace stampede
