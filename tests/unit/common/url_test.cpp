// Pins URL and host:port parsing, and placeholder substitution.
#include <catch2/catch.hpp>

#include "common/url.hpp"

using stampede::HostPort;
using stampede::HttpUrl;

TEST_CASE("http URLs split into host, port and target", "[common][url]") {
  auto u = HttpUrl::parse("http://127.0.0.1:8080/api/v1/products/1?x=1");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8080);
  CHECK(u->target == "/api/v1/products/1?x=1");
  auto plain = HttpUrl::parse("http://localhost");
  REQUIRE(plain);
  CHECK(plain->port == 80);
  CHECK(plain->target == "/");
  auto v6 = HttpUrl::parse("http://[::1]:9000/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->host_header() == "[::1]:9000");
}

TEST_CASE("https URLs default to port 443 and keep their scheme", "[common][url]") {
  auto u = HttpUrl::parse("https://shop.test/stock?x=1");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->port == 443);
  CHECK(u->target == "/stock?x=1");
  CHECK(u->origin() == "https://shop.test:443");
  CHECK_FALSE(HttpUrl::parse("http://shop.test/")->tls);
}

TEST_CASE("bad URLs are errors that name the problem", "[common][url]") {
  CHECK_FALSE(HttpUrl::parse("httpx://example.test/"));
  CHECK_FALSE(HttpUrl::parse("http://:80/"));
  CHECK_FALSE(HttpUrl::parse("http://h:99999/"));
  CHECK_FALSE(HttpUrl::parse("http://h:8x/"));
  CHECK(HttpUrl::parse("ftp://x").error().find("http://") != std::string::npos);
}

TEST_CASE("listen addresses need a port", "[common][url]") {
  auto hp = HostPort::parse("0.0.0.0:0");
  REQUIRE(hp);
  CHECK(hp->port == 0);
  CHECK_FALSE(HostPort::parse("127.0.0.1"));
  CHECK(HostPort::parse("[::1]:80")->host == "::1");
}

TEST_CASE("a ZeroMQ tcp endpoint splits into host and port", "[common][url]") {
  auto named = stampede::TcpEndpoint::parse("tcp://coordinator:5555");
  REQUIRE(named);
  CHECK(named->host == "coordinator");
  CHECK(named->port == "5555");
  auto v6 = stampede::TcpEndpoint::parse("tcp://[::1]:*");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "*");
  CHECK_FALSE(stampede::TcpEndpoint::parse("ipc:///tmp/x"));
  CHECK_FALSE(stampede::TcpEndpoint::parse("tcp://nohost"));
  CHECK_FALSE(stampede::TcpEndpoint::parse("tcp://host:"));
}

TEST_CASE("substitute fills every placeholder and leaves others", "[common][url]") {
  CHECK(stampede::substitute("/a/${x}/${x}/${y}", "x", "1") == "/a/1/1/${y}");
  CHECK(stampede::substitute("none", "x", "1") == "none");
}
