// The stock route's reader on arbitrary bytes, as a target could answer GET .../products/1:
// never a crash, an error that names the route, and sold read only beside the holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "coordinator/daemon/stock_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto body = stampede::coordinator::parse_stock_body(text, "stock", "http://t/p");
  if (!body) {
    if (body.error().find("http://t/p") == std::string::npos) abort();
    return 0;
  }
  if (body->sold && !body->holds) abort();  // sold is read only beside the holds
  return 0;
}
