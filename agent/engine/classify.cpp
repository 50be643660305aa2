// The integrity oracle's per-attempt rules (design.md): which endings are ok, fail or info.
#include "agent/engine/classify.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "agent/engine/order_id_scan.hpp"
#include "common/json_number.hpp"

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

bool is_success(unsigned status, const ClassifyRules& rules) {
  if (rules.success_statuses.empty()) return status >= 200 && status < 300;
  const auto& s = rules.success_statuses;
  return std::find(s.begin(), s.end(), status) != s.end();
}

bool is_sold_out(unsigned status, std::string_view body, const ClassifyRules& rules) {
  const auto& sold_out = rules.sold_out_statuses;
  if (std::find(sold_out.begin(), sold_out.end(), status) == sold_out.end()) return false;
  if (rules.sold_out_match.empty()) return true;
  return std::any_of(rules.sold_out_match.begin(), rules.sold_out_match.end(),
                     [&](const std::string& text) { return body.find(text) != body.npos; });
}

// Only sales are parsed for it, and sales are few beside refusals: the full parser is cheap here.
int64_t read_remaining(std::string_view body, const std::string& field) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return kNoRemaining;
  const auto* value = doc.get_object().if_contains(field);
  if (!value) return kNoRemaining;
  return json_int64(*value).value_or(kNoRemaining);
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
  out.remaining = kNoRemaining;
  const bool success = is_success(status, rules);
  // An order id means something was bought, whatever else the rules say about this status.
  if (success &&
      (rules.order_id_field.empty() || read_order_id(body, rules.order_id_field, out.order_id))) {
    if (rules.order_id_field.empty()) out.order_id.clear();
    if (!rules.remaining_field.empty()) out.remaining = read_remaining(body, rules.remaining_field);
    out.outcome = Outcome::ok;
    return;
  }
  out.order_id.clear();
  if (is_sold_out(status, body, rules)) {
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
