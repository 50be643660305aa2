// HTTPS between Stampede's control-plane client and its server session, with a CA and
// certificates the test makes with the openssl command in a temporary folder: a trusted peer is
// answered; an unknown CA and a name mismatch are refused with the reason; --insecure connects
// and a plain-HTTP client meets a closed connection, not a crash.
#include <catch2/catch.hpp>

#include "common/http_client.hpp"
#include "tests/unit/common/tls_test_support.hpp"

using namespace stampede;
using namespace stampede::http_server;
using stampede::test::slurp;
using stampede::test::TestPki;
using stampede::test::TlsServer;

namespace {

HttpCallOptions trusting(const TestPki& pki, const std::string& ca) {
  HttpCallOptions o;
  o.timeout = std::chrono::seconds(5);
  o.tls.ca_pem = slurp(pki.file(ca + ".pem"));
  return o;
}

}  // namespace

TEST_CASE("https to a peer whose CA is trusted is answered", "[common][tls]") {
  TestPki pki;
  TlsServer server(pki, "good");
  auto r = http_call("GET", server.url("https"), trusting(pki, "ca"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == R"({"stock":7})");
}

TEST_CASE("an unknown CA and a name mismatch are refused with their reason", "[common][tls]") {
  TestPki pki;
  {
    TlsServer server(pki, "good");
    auto r = http_call("GET", server.url("https"), trusting(pki, "other"));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error(),
               Catch::Contains("certificate verify failed") && Catch::Contains("local issuer"));
    CHECK_THAT(r.error(), Catch::Contains("https://127.0.0.1:"));
  }
  {
    TlsServer server(pki, "wrong");
    auto r = http_call("GET", server.url("https"), trusting(pki, "ca"));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error(),
               Catch::Contains("certificate verify failed") && Catch::Contains("mismatch"));
  }
}

TEST_CASE("insecure connects to any certificate; plain HTTP to a TLS port fails cleanly",
          "[common][tls]") {
  TestPki pki;
  TlsServer server(pki, "wrong");
  auto o = trusting(pki, "other");
  o.tls.insecure = true;
  auto r = http_call("GET", server.url("https"), o);
  REQUIRE(r);
  CHECK(r->status == 200);
  o.timeout = std::chrono::seconds(2);
  CHECK_FALSE(http_call("GET", server.url("http"), o));
  // Still serving after it.
  CHECK(http_call("GET", server.url("https"), o));
}

TEST_CASE("a key that is not the certificate's is refused at start-up", "[common][tls]") {
  TestPki pki;
  auto ctx = server_tls_context(pki.file("good.pem"), pki.file("wrong.key"));
  REQUIRE_FALSE(ctx);
  CHECK_THAT(ctx.error(), Catch::Contains("--tls-key"));
  CHECK_FALSE(server_tls_context(pki.file("nothing.pem"), pki.file("good.key")));
}

TEST_CASE("a reply larger than a TLS record arrives whole, again and again", "[common][tls]") {
  // Over 16 KiB the server writes the reply buffer by buffer instead of gathering it into one
  // record (common/http_server/fd_tls_stream.hpp): the head, then the body, which fills the
  // socket's buffer and so waits for it to drain on the way.
  TestPki pki;
  std::string big = "{\"pad\":\"" + std::string(200 * 1024, 'x') + "\"}";
  TlsServer server(pki, "good", big);
  for (int i = 0; i < 3; ++i) {
    auto r = http_call("GET", server.url("https"), trusting(pki, "ca"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == big);
  }
}
