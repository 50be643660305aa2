// Numbers read out of JSON that a peer sent (a stock route, a ledger, a report), checked against
// the type they land in: boost::json's to_number throws on a value that does not fit, and a cast
// would silently wrap 18446744073709551615 into -1.
//
//   if (auto n = json_int64(*obj.if_contains("stock"))) use(*n);
//   auto stock = int64_field(obj, "stock");   // Expected: the error names the field
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/expected.hpp"

namespace stampede {

// An integer that fits int64_t; nullopt for anything else (1.0, "1", 2^63 and up included).
std::optional<int64_t> json_int64(const boost::json::value& v);
// An integer from 0 to UINT64_MAX; nullopt for anything else.
std::optional<uint64_t> json_uint64(const boost::json::value& v);
// A finite number of any JSON kind, as a double; nullopt for anything else.
std::optional<double> json_double(const boost::json::value& v);

// obj[field] by json_int64, or an error naming the field ("has no whole number 'stock'").
Expected<int64_t> int64_field(const boost::json::object& obj, std::string_view field);

}  // namespace stampede
