// The integrity oracle's per-attempt rules (design.md): which endings are ok, fail or info.
#include "agent/engine/classify.hpp"

#include <algorithm>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace stampede::agent {
namespace {

namespace json = boost::json;

// The order id as text, or empty when the body is not a JSON object carrying one at top level.
std::string order_id_of(std::string_view body, const std::string& field) {
  // Checkout answers are small: parse them on the stack so a success costs no heap tree.
  unsigned char arena[4096];
  json::monotonic_resource resource(arena, sizeof(arena));
  json::error_code ec;
  json::value doc = json::parse(body, ec, json::storage_ptr(&resource));
  if (ec || !doc.is_object()) return {};
  const json::value* id = doc.get_object().if_contains(field);
  if (id == nullptr) return {};
  if (id->is_string()) return std::string(id->get_string());
  if (id->is_number()) return json::serialize(*id);
  return {};
}

}  // namespace

Classified classify_response(unsigned status, std::string_view body, const ClassifyRules& rules) {
  Classified out;
  const bool success = status >= 200 && status < 300;
  if (success) {
    out.order_id = order_id_of(body, rules.order_id_field);
    // An order id means something was bought, whatever else the rules say about this status.
    if (!out.order_id.empty()) {
      out.outcome = Outcome::ok;
      return out;
    }
  }
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
  return out;
}

Classified classify_transport_failure(TransportFailure failure) {
  Classified out;
  out.outcome = failure == TransportFailure::connect_failed ? Outcome::fail : Outcome::info;
  return out;
}

}  // namespace stampede::agent
