// A small blocking HTTP/1.1 client for control work (reset stock, read a product, fetch a
// ledger), not for load: every call has a deadline and returns an error value, never throws.
//
//   auto r = stampede::http_call("GET", *HttpUrl::parse("http://127.0.0.1:8080/health"), {});
//   if (r && r->status == 200) ...
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "common/tls_client.hpp"
#include "common/url.hpp"

namespace stampede {

struct HttpCallOptions {
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
  size_t body_limit = 1ull << 30;  // ledgers can be large
  TlsClientSettings tls;           // for https:// URLs
};

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

Expected<HttpReply> http_call(const std::string& method, const HttpUrl& url,
                              const HttpCallOptions& options);

// Why a call ran out of time. The deadline covers the name lookup too, so when the lookup ate a
// tenth of it or more, the reason says so: a read that failed after a slow DNS answer is not a
// slow peer. lookup is zero when the host was an address.
std::string timeout_reason(std::chrono::milliseconds timeout, std::chrono::milliseconds lookup);

}  // namespace stampede
