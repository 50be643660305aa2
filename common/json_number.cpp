// Checked JSON numbers: see the header.
#include "common/json_number.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace stampede {

std::optional<int64_t> json_int64(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

std::optional<uint64_t> json_uint64(const boost::json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<uint64_t>(v.get_int64());
  return std::nullopt;
}

std::optional<double> json_double(const boost::json::value& v) {
  double d = 0;
  if (v.is_double()) {
    d = v.get_double();
  } else if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

Expected<int64_t> int64_field(const boost::json::object& obj, std::string_view field) {
  const auto* v = obj.if_contains(field);
  if (!v) return unexpected("has no field '" + std::string(field) + "'");
  if (auto n = json_int64(*v)) return *n;
  return unexpected(
      std::string("'").append(field).append("' is not a whole number from -2^63 to 2^63-1"));
}

}  // namespace stampede
