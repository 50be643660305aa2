// TLS for Stampede's clients (the coordinator's control calls, the agents' load): a context
// that verifies the peer against the system's CA store or a given PEM bundle, optionally with a
// client certificate, and the one-line reason a handshake failed.
//
//   TlsClientSettings t;                 // t.ca_pem = file contents; t.insecure = true; ...
//   auto ctx = client_tls_context(t);    // Expected<shared_ptr<ssl::context>>
//   prepare_client_stream(stream, "shop.example", t.insecure);   // SNI and the name check
//   ... on a failed handshake: handshake_failure(stream.native_handle(), ec)
#pragma once

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "common/expected.hpp"

namespace stampede {

namespace v1 {
class TlsSpec;
}

struct TlsClientSettings {
  std::string ca_pem;     // PEM bundle of trusted CAs; empty: the system's store
  bool insecure = false;  // no verification at all (reports then say "tls_verified": false)
  std::string cert_pem;   // mutual TLS: the client's certificate chain and key, PEM
  std::string key_pem;
  bool fresh_sessions = false;  // never resume a TLS session (--tls-sessions fresh)
};

// The run spec's TLS settings (proto/stampede.proto's TlsSpec), as every client takes them.
TlsClientSettings tls_client_settings(const v1::TlsSpec& spec);

Expected<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(
    const TlsClientSettings& settings);

// SNI from host (unless it is an IP literal) and, unless insecure, the check that the
// certificate names host. Before the handshake.
void prepare_client_stream(SSL* ssl, const std::string& host, bool insecure);

// "certificate verify failed: certificate has expired", "...: Hostname mismatch", or the
// transport's own words when it was not a certificate problem.
std::string handshake_failure(SSL* ssl, const boost::system::error_code& ec);

// A PEM file's contents for TlsClientSettings, or why it cannot be read ("--ca-file X: ...").
Expected<std::string> read_pem_file(const std::string& flag, const std::string& path);

}  // namespace stampede
