// The hand-written response head: what Beast's serializer wrote before, byte for byte where it
// matters (status line, fields, framing), and readable by Beast's own parser.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <catch2/catch.hpp>

#include "common/http_server/response_head.hpp"
#include "target/api/json_util.hpp"

using namespace stampede::target;
using stampede::http_server::format_response_head;

TEST_CASE("a JSON reply's head has its status, fields, length and no Connection on 1.1",
          "[target]") {
  Reply reply = json_reply(http::status::created, R"({"order_id":"o-1"})");
  std::string head;
  format_response_head(reply.message, 11, true, head);
  CHECK(head ==
        "HTTP/1.1 201 Created\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 18\r\n\r\n");

  // Beast reads the head and body back as the same response.
  http::response_parser<http::string_body> parser;
  boost::beast::error_code ec;
  const std::string wire = head + reply.message.body();
  size_t used = 0;
  while (!parser.is_done() && !ec && used < wire.size()) {
    used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
  }
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_done());
  CHECK(parser.get().result() == http::status::created);
  CHECK(parser.get().body() == reply.message.body());
  CHECK(parser.get().keep_alive());
}

TEST_CASE("the head says close or keep-alive only where the version's default differs",
          "[target]") {
  Reply reply = json_reply(http::status::ok, "{}");
  std::string head;
  format_response_head(reply.message, 11, false, head);
  CHECK(head.find("Connection: close\r\n") != std::string::npos);
  format_response_head(reply.message, 10, true, head);
  CHECK(head.starts_with("HTTP/1.0 200 OK\r\n"));
  CHECK(head.find("Connection: keep-alive\r\n") != std::string::npos);
  format_response_head(reply.message, 10, false, head);
  CHECK(head.find("Connection") == std::string::npos);
}

TEST_CASE("framing fields set on a reply are replaced by the body's own", "[target]") {
  Reply reply = json_reply(http::status::method_not_allowed, "{}");
  reply.message.set(http::field::allow, "POST");
  reply.message.set(http::field::content_length, "999");
  reply.message.set(http::field::transfer_encoding, "chunked");
  reply.message.set(http::field::connection, "upgrade");
  std::string head;
  format_response_head(reply.message, 11, true, head);
  CHECK(head ==
        "HTTP/1.1 405 Method Not Allowed\r\n"
        "Content-Type: application/json\r\n"
        "Allow: POST\r\n"
        "Content-Length: 2\r\n\r\n");
}

TEST_CASE("a 204 head carries no Content-Length", "[target]") {
  Response response;
  response.result(http::status::no_content);
  std::string head;
  format_response_head(response, 11, true, head);
  CHECK(head == "HTTP/1.1 204 No Content\r\n\r\n");
}
