// The status line and header block of a response with a known body length, written into one
// reused string: Beast's serializer walks a chain of buffer views per write, which cost the
// checkout path more than its whole purchase did.
//
//   format_response_head(reply.message, version, keep_alive, head);
//   asio::async_write(socket, std::array{asio::buffer(head), asio::buffer(reply.message.body())},
//   ...);
#pragma once

#include <string>

#include "common/http_server/reply.hpp"

namespace stampede::http_server {

// Replaces out with "HTTP/1.x CODE REASON\r\n", the response's fields, a Content-Length for its
// body (none for 1xx, 204 and 304), a Connection header when the version's default is not what
// keep_alive says, and the blank line. Content-Length, Connection and Transfer-Encoding fields
// already on the response are left out: the framing is decided here, from the body.
void format_response_head(const Response& response, unsigned version, bool keep_alive,
                          std::string& out);

}  // namespace stampede::http_server
