// parse_stock_body: the stock route's JSON, every figure checked as a whole number.
#include "coordinator/daemon/stock_body.hpp"

#include <boost/json.hpp>

#include "common/json_number.hpp"

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

Expected<int64_t> int_field(const json::object& o, const std::string& field,
                            const std::string& url) {
  auto n = int64_field(o, field);
  if (!n) return unexpected(url + ": " + n.error());
  return *n;
}

// The lab's reservation figures beside its stock ("held", "holds": {...}); none when the
// target reports no holds.
Expected<std::optional<HoldFigures>> hold_figures(const json::object& o, const std::string& url) {
  const auto* holds = o.if_contains("holds");
  if (!o.contains("held") && holds == nullptr) return std::optional<HoldFigures>();
  if (holds == nullptr || !holds->is_object()) {
    return unexpected(url + ": 'holds' is not an object");
  }
  HoldFigures f;
  auto held = int_field(o, "held", url);
  if (!held) return unexpected(held.error());
  f.held = *held;
  for (auto [name, into] : {std::pair{"placed", &f.placed},
                            {"confirmed", &f.confirmed},
                            {"expired", &f.expired},
                            {"open", &f.open}}) {
    auto n = int_field(holds->get_object(), name, url + " holds");
    if (!n) return unexpected(n.error());
    *into = *n;
  }
  return std::optional<HoldFigures>(f);
}

}  // namespace

Expected<StockBody> parse_stock_body(std::string_view text, const std::string& field,
                                     const std::string& url) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return unexpected("GET " + url + " did not return a JSON object");
  const json::object& o = v.get_object();
  StockBody body;
  if (const auto* pending = o.if_contains("pending_writes")) {
    body.pending_writes = json_int64(*pending);
    if (!body.pending_writes) {
      return unexpected(url + ": 'pending_writes' is not a whole number");
    }
  }
  auto stock = int_field(o, field, url);
  if (!stock) return unexpected(stock.error());
  body.stock = *stock;
  auto holds = hold_figures(o, url);
  if (!holds) return unexpected(holds.error());
  body.holds = *holds;
  // The ledger's length at the same instant, when the route gives it beside the holds.
  if (body.holds && o.contains("orders")) {
    auto sold = int_field(o, "orders", url);
    if (!sold) return unexpected(sold.error());
    body.sold = *sold;
  }
  return body;
}

}  // namespace stampede::coordinator
