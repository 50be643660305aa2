// Test-made TLS for unit tests: a CA and certificates made with the openssl command in a
// temporary folder (no key is checked in), and a TLS server on 127.0.0.1:0 answering {"stock":7}
// (or a body of the test's choosing).
#pragma once

#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/http_server/io_pool.hpp"
#include "common/http_server/json_reply.hpp"
#include "common/http_server/listener.hpp"
#include "common/http_server/session_registry.hpp"
#include "common/http_server/tls_context.hpp"
#include "common/url.hpp"

namespace stampede::test {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace stampede::http_server;

inline std::string slurp(const fs::path& p) {
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
  std::string body = R"({"stock":7})";  // what every request gets
  RequestHandler handler = [this](Request&&, const Executor&, ReplyFn done) {
    done(Reply{json_response(http::status::ok, body), nullptr, false});
  };
  SessionRegistry registry;
  IoPool pool{1, "tls test server"};
  std::shared_ptr<asio::ssl::context> tls;
  std::shared_ptr<Listener> listener;

  TlsServer(const TestPki& pki, const std::string& cert, std::string answer = R"({"stock":7})")
      : body(std::move(answer)) {
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

}  // namespace stampede::test
