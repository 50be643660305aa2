// The TLS server context a listener serves with: a certificate chain and its key from PEM files,
// TLS 1.2 or later. Loaded once at start-up, so a bad file is a one-line error before anything
// binds.
//
//   auto tls = server_tls_context("server.pem", "server.key");
//   if (!tls) fail(tls.error());   // "--tls-cert server.pem: no certificate in it"
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/expected.hpp"

namespace stampede::http_server {

Expected<std::shared_ptr<boost::asio::ssl::context>> server_tls_context(
    const std::string& cert_file, const std::string& key_file);

}  // namespace stampede::http_server
