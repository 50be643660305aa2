// Fuzzes the target's request handling up to the store: raw bytes are parsed as an HTTP request
// with Beast (body capped as the server caps it), then validated by parse_checkout_request().
// Every input must end in a request or a 4xx problem, never a crash.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "target/api/checkout_request.hpp"
#include "target/api/json_util.hpp"

namespace http = boost::beast::http;
using stampede::target::Endpoint;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(stampede::target::kMaxBodyBytes + 1);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto request = parser.release();
  for (Endpoint endpoint : {Endpoint::buggy, Endpoint::unstable, Endpoint::safe}) {
    stampede::target::CheckoutRequest out;
    const auto problem = stampede::target::parse_checkout_request(request, endpoint, out);
    if (problem) {
      const auto code = static_cast<unsigned>(problem->status);
      if (code < 400 || code > 499 || problem->error.empty()) std::abort();
    } else if (out.quantity == 0 || out.quantity > stampede::target::kMaxQuantity ||
               (!out.idempotency_key.empty() &&
                !stampede::target::valid_idempotency_key(out.idempotency_key))) {
      std::abort();  // accepted something the API promises to refuse
    }
  }
  return 0;
}
