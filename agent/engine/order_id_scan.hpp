// A fast path for reading the order id out of a checkout answer without building a JSON tree.
// It only answers for documents it has checked whole: plain ASCII JSON without escapes,
// nested at most kMaxOrderIdScanDepth deep, the field named once. Anything else is `unsure`, and
// the caller asks parse_order_id() (boost::json), whose answer is the reference this one must
// equal (tests/unit/agent/test_order_id_scan.cpp and the order_id_scan fuzz target compare them).
//
//   std::string id;
//   switch (scan_order_id(R"({"order_id":"o-1"})", "order_id", id)) {
//     case OrderIdScan::found: ...   // id == "o-1"
//     case OrderIdScan::absent: ...  // valid JSON, but no usable id at the top level
//     case OrderIdScan::unsure: ...  // parse_order_id(body, "order_id", id)
//   }
#pragma once

#include <string>
#include <string_view>

namespace stampede::agent {

enum class OrderIdScan {
  found,   // a top-level object whose field is a non-empty string or a non-negative integer
  absent,  // a valid document without such an id (not an object, field missing, other value)
  unsure,  // outside the fast path's subset, or not valid JSON: the full parser decides
};

inline constexpr int kMaxOrderIdScanDepth = 16;

// On `found`, `id` holds the id as boost::json would render it (a string's text, an integer's
// digits), assigned into its existing capacity; otherwise `id` is left as it was.
OrderIdScan scan_order_id(std::string_view body, std::string_view field, std::string& id);

// The same with boost::json's full parser, for any body: true when it is a JSON object whose
// top-level `field` is a non-empty string (its decoded text) or a number (as boost::json renders
// it), with the id in `id`; false otherwise, `id` then unspecified.
bool parse_order_id(std::string_view body, std::string_view field, std::string& id);

}  // namespace stampede::agent
