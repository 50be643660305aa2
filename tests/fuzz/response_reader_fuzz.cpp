// The agent's response reader fed arbitrary bytes as a server's answer, in pieces as they come
// off the socket, through a read buffer bounded as the virtual user's is: whatever a server
// sends, the reader ends with an answer, an error or a need for more, never a crash, a body
// over its limit or a buffer that grows past its bound. A finished answer is then classified.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "agent/engine/classify.hpp"
#include "agent/engine/response_reader.hpp"

namespace beast = boost::beast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte sets how much each read brings: 1 to 256 bytes, as a slow server sends them.
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  size_t left = size - 1;
  constexpr size_t kBodyLimit = 64 * 1024;
  constexpr size_t kBufferLimit = 80 * 1024;  // VirtualUser::kReadBufferLimit
  std::string body;
  stampede::agent::ResponseReader reader(body, kBodyLimit);
  reader.eager(true);
  beast::flat_buffer buffer(kBufferLimit);
  while (!reader.is_done()) {
    const size_t room = beast::read_size(buffer, 64 * 1024);
    if (room == 0 || left == 0) break;  // a line that never ends, or the server stopped
    const size_t n = std::min({piece, left, room});
    auto dest = buffer.prepare(n);
    std::memcpy(dest.data(), bytes, n);
    buffer.commit(n);
    bytes += n;
    left -= n;
    beast::error_code ec;
    while (buffer.size() > 0 && !reader.is_done()) {
      const size_t used = reader.put(buffer.data(), ec);
      if (used > buffer.size()) std::abort();
      buffer.consume(used);
      if (ec) break;
    }
    if (ec && ec != beast::http::error::need_more) return 0;
    if (buffer.size() > kBufferLimit) std::abort();
  }
  if (body.size() > kBodyLimit) std::abort();
  if (reader.is_done()) {
    stampede::agent::ClassifyRules rules;
    const auto c = stampede::agent::classify_response(reader.status(), body, rules);
    if (c.outcome == stampede::agent::Outcome::ok && c.order_id.empty()) std::abort();
  }
  return 0;
}
