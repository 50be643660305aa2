// The integrity oracle's per-attempt rules (design.md): which endings are ok, fail or info.
#include "agent/engine/classify.hpp"

#include <algorithm>

#include "agent/engine/order_id_scan.hpp"

namespace stampede::agent {
namespace {

// Into `id` the order id as text; false when the body is not a JSON object carrying one at top
// level. The scanner answers the usual plain answers; boost::json the rest (escapes, UTF-8).
bool read_order_id(std::string_view body, const std::string& field, std::string& id) {
  switch (scan_order_id(body, field, id)) {
    case OrderIdScan::found:
      return true;
    case OrderIdScan::absent:
      return false;
    case OrderIdScan::unsure:
      break;
  }
  return parse_order_id(body, field, id);
}

}  // namespace

Classified classify_response(unsigned status, std::string_view body, const ClassifyRules& rules) {
  Classified out;
  classify_response(status, body, rules, out);
  return out;
}

void classify_response(unsigned status, std::string_view body, const ClassifyRules& rules,
                       Classified& out) {
  out.sold_out = false;
  const bool success = status >= 200 && status < 300;
  // An order id means something was bought, whatever else the rules say about this status.
  if (success && read_order_id(body, rules.order_id_field, out.order_id)) {
    out.outcome = Outcome::ok;
    return;
  }
  out.order_id.clear();
  const auto& sold_out = rules.sold_out_statuses;
  if (std::find(sold_out.begin(), sold_out.end(), status) != sold_out.end()) {
    out.outcome = Outcome::fail;
    out.sold_out = true;
  } else if (status >= 400 && status < 500) {
    out.outcome = Outcome::fail;
  } else {
    // 2xx without an id, 5xx, 1xx/3xx: the target may have committed an order we cannot name.
    out.outcome = Outcome::info;
  }
}

Classified classify_transport_failure(TransportFailure failure) {
  Classified out;
  out.outcome = failure == TransportFailure::connect_failed ? Outcome::fail : Outcome::info;
  return out;
}

}  // namespace stampede::agent
