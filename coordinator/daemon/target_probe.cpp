// Target reads and resets for reconciliation, with a deadline on every call.
#include "coordinator/daemon/target_probe.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "common/http_client.hpp"
#include "common/json_number.hpp"
#include "coordinator/daemon/run_host.hpp"

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

// Every call to the target meets its https:// URLs as the run said (CA, client certificate).
HttpCallOptions call_options(const TargetProbe& p) {
  HttpCallOptions options;
  options.tls = p.tls;
  return options;
}

Expected<json::object> get_json(const std::string& url_text, HttpCallOptions options) {
  auto url = HttpUrl::parse(url_text);
  if (!url) return unexpected(url.error());
  auto reply = http_call("GET", *url, options);
  if (!reply) return unexpected(reply.error());
  if (reply->status != 200) {
    return unexpected("GET " + url_text + " answered " + std::to_string(reply->status));
  }
  boost::system::error_code ec;
  auto v = json::parse(reply->body, ec);
  if (ec || !v.is_object()) return unexpected("GET " + url_text + " did not return a JSON object");
  return v.get_object();
}

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
  if (holds == nullptr || !holds->is_object())
    return unexpected(url + ": 'holds' is not an object");
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

Expected<std::optional<int64_t>> prepare_phase(const TargetProbe& p) {
  if (auto target = HttpUrl::parse(p.target_url); target && target->tls) {
    // Any answer will do, whatever its status: only the handshake is in question.
    HttpCallOptions opt = call_options(p);
    opt.timeout = std::chrono::seconds(10);
    opt.body_limit = 64 * 1024;
    if (auto reply = http_call("HEAD", *target, opt); !reply) return unexpected(reply.error());
  }
  if (p.reset_stock >= 0 && !p.admin_url.empty()) {
    auto base = HttpUrl::parse(p.admin_url);
    if (!base) return unexpected(base.error());
    HttpUrl url = *base;
    url.target = "/admin/reset";
    HttpCallOptions opt = call_options(p);
    opt.body =
        json::serialize(json::object{{"product_id", p.product_id}, {"stock", p.reset_stock}});
    opt.headers.emplace_back("Authorization", "Bearer " + p.admin_token);
    auto reply = http_call("POST", url, opt);
    if (!reply) return unexpected("target admin: " + reply.error());
    if (reply->status != 200) {
      return unexpected("target admin reset answered " + std::to_string(reply->status) + ": " +
                        reply->body);
    }
  }
  if (!p.stock_url.empty()) {
    auto obj = get_json(p.stock_url, call_options(p));
    if (!obj) return unexpected("target: " + obj.error());
    auto stock = int_field(*obj, p.stock_field, p.stock_url);
    if (!stock) return unexpected(stock.error());
    if (p.reset_stock >= 0 && *stock != p.reset_stock) {
      return unexpected("target reports stock " + std::to_string(*stock) +
                        " right after a reset to " + std::to_string(p.reset_stock));
    }
    return std::optional<int64_t>(*stock);
  }
  if (p.reset_stock >= 0) return std::optional<int64_t>(p.reset_stock);
  return std::optional<int64_t>();
}

Expected<StockReading> read_stock(const TargetProbe& p) {
  if (p.stock_url.empty()) return unexpected("no stock URL");
  HttpCallOptions opt = call_options(p);
  opt.timeout = std::chrono::seconds(2);
  auto obj = get_json(p.stock_url, opt);
  if (!obj) return unexpected(obj.error());
  auto stock = int_field(*obj, p.stock_field, p.stock_url);
  if (!stock) return unexpected(stock.error());
  StockReading reading{*stock};
  // The lab's product route says what is held and sold at the same instant; other routes need
  // not, and then the reading is only the stock.
  if (obj->contains("held") && obj->contains("orders")) {
    auto held = int_field(*obj, "held", p.stock_url);
    auto sold = int_field(*obj, "orders", p.stock_url);
    if (!held || !sold) return unexpected(held ? sold.error() : held.error());
    reading.held = *held;
    reading.sold = *sold;
  }
  return reading;
}

Expected<PhaseEnd> read_phase_end(const TargetProbe& p) {
  PhaseEnd end;
  if (!p.stock_url.empty()) {
    // A write-behind target reports orders still queued; the ledger is whole only at zero.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      auto obj = get_json(p.stock_url, call_options(p));
      if (!obj) return unexpected("target after the run: " + obj.error());
      const auto* field = obj->if_contains("pending_writes");
      const auto pending = field ? json_int64(*field) : std::optional<int64_t>{};
      if (field && !pending) {
        return unexpected(p.stock_url + ": 'pending_writes' is not a whole number");
      }
      if (pending && *pending > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          return unexpected("target still has " + std::to_string(*pending) +
                            " pending writes after 60 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling an HTTP peer
        continue;
      }
      auto stock = int_field(*obj, p.stock_field, p.stock_url);
      if (!stock) return unexpected(stock.error());
      end.final_stock = *stock;
      auto holds = hold_figures(*obj, p.stock_url);
      if (!holds) return unexpected(holds.error());
      end.holds = *holds;
      break;
    }
  }
  if (!p.ledger_url.empty()) {
    auto url = HttpUrl::parse(p.ledger_url);
    if (!url) return unexpected(url.error());
    HttpCallOptions opt = call_options(p);
    opt.timeout = std::chrono::seconds(120);
    auto reply = http_call("GET", *url, opt);
    if (!reply) return unexpected("ledger: " + reply.error());
    if (reply->status != 200) {
      return unexpected("ledger " + p.ledger_url + " answered " + std::to_string(reply->status));
    }
    auto orders = parse_ledger_ndjson(reply->body);
    if (!orders) return unexpected("ledger " + p.ledger_url + ": " + orders.error());
    end.ledger = std::move(*orders);
  }
  return end;
}

TargetAnswer perform_target_call(const TargetCall& call) {
  TargetAnswer answer;
  answer.call_id = call.id;
  switch (call.kind) {
    case TargetCall::Kind::prepare: {
      auto stock = prepare_phase(call.probe);
      if (stock) answer.stock = *stock;
      if (!stock) answer.error = stock.error();
      break;
    }
    case TargetCall::Kind::read_stock: {
      auto reading = read_stock(call.probe);
      if (reading) {
        answer.stock = reading->stock;
        answer.held = reading->held;
        answer.sold = reading->sold;
      }
      if (!reading) answer.error = reading.error();
      break;
    }
    case TargetCall::Kind::read_phase_end: {
      auto end = read_phase_end(call.probe);
      if (end) answer.phase_end = std::move(*end);
      if (!end) answer.error = end.error();
      break;
    }
  }
  return answer;
}

}  // namespace stampede::coordinator
