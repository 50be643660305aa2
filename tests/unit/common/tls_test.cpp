// HTTPS between Stampede's control-plane client and its server session, with a CA and
// certificates the test makes with the openssl command in a temporary folder: a trusted peer is
// answered; an unknown CA and a name mismatch are refused with the reason; --insecure connects
// and a plain-HTTP client meets a closed connection, not a crash.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/http_client.hpp"
#include "common/http_server/io_pool.hpp"
#include "common/http_server/json_reply.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"
#include "common/http_server/tls_context.hpp"

using namespace stampede;
using namespace stampede::http_server;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CA, a certificate it signed for localhost and 127.0.0.1, one it signed for another name,
// and a second CA that signed nothing here. Removed with the object.
struct TestPki {
  fs::path dir = fs::temp_directory_path() / ("stampede-tls-" + std::to_string(::getpid()));
  TestPki() {
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    const std::string script =
        "(cd " + d + " && openssl req -x509" + ec +
        "-days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem" + " && openssl req -x509" + ec +
        "-days 2 -subj /CN=other-ca -keyout other.key -out other.pem" +
        " && for n in good:DNS:localhost,IP:127.0.0.1 wrong:DNS:elsewhere.test; do" +
        "   name=${n%%:*}; san=${n#*:};" + "   openssl req" + ec +
        "-subj /CN=$name -keyout $name.key -out $name.csr &&" +
        "   printf 'subjectAltName=%s\\n' \"$san\" > $name.ext &&" +
        "   openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2" +
        "     -extfile $name.ext -out $name.pem || exit 1; done) >/dev/null 2>&1";
    REQUIRE(std::system(script.c_str()) == 0);
  }
  ~TestPki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

// A TLS server on 127.0.0.1:0 answering {"stock":7}, with the named certificate.
struct TlsServer {
  RequestHandler handler = [](Request&&, const Executor&, ReplyFn done) {
    done(Reply{json_response(http::status::ok, R"({"stock":7})"), nullptr, false});
  };
  SessionRegistry registry;
  IoPool pool{1, "tls test server"};
  std::shared_ptr<asio::ssl::context> tls;
  std::shared_ptr<Listener> listener;

  TlsServer(const TestPki& pki, const std::string& cert) {
    auto ctx = server_tls_context(pki.file(cert + ".pem"), pki.file(cert + ".key"));
    REQUIRE(ctx);
    tls = *ctx;
    auto l = Listener::open(pool, {asio::ip::make_address("127.0.0.1"), 0}, handler, registry, {},
                            tls.get());
    REQUIRE(l);
    listener = *l;
    listener->start();
    pool.start();
  }
  ~TlsServer() {
    listener->stop();
    pool.stop();
    pool.join();
  }
  HttpUrl url(const std::string& scheme) const {
    return *HttpUrl::parse(
        scheme + "://127.0.0.1:" + std::to_string(listener->local_endpoint().port()) + "/stock");
  }
};

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
