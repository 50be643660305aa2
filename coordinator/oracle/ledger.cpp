// NDJSON ledger parsing with Boost.JSON, line by line.
#include "coordinator/oracle/ledger.hpp"

#include <boost/json.hpp>

namespace stampede::coordinator {
namespace json = boost::json;

namespace {
std::string string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  if (it->value().is_uint64()) return std::to_string(it->value().get_uint64());
  return {};
}

int64_t integer_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().get_uint64());
  return 0;
}
}  // namespace

Expected<std::vector<LedgerOrder>> parse_ledger_ndjson(std::string_view body) {
  std::vector<LedgerOrder> out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    auto line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      return unexpected("ledger line " + std::to_string(line_no) + " is not a JSON object");
    }
    const auto& o = v.get_object();
    LedgerOrder order{string_field(o, "order_id"),        string_field(o, "idempotency_key"),
                      string_field(o, "endpoint"),        string_field(o, "user_id"),
                      string_field(o, "reservation_id"),  integer_field(o, "expires_at_ms"),
                      integer_field(o, "confirmed_at_ms")};
    if (order.order_id.empty()) {
      return unexpected("ledger line " + std::to_string(line_no) + " has no order_id");
    }
    out.push_back(std::move(order));
  }
  return out;
}

}  // namespace stampede::coordinator
