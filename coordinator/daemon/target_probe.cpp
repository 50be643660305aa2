// Target reads and resets for reconciliation, with a deadline on every call.
#include "coordinator/daemon/target_probe.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "common/http_client.hpp"
#include "coordinator/daemon/run_host.hpp"
#include "coordinator/daemon/stock_body.hpp"

namespace stampede::coordinator {
namespace json = boost::json;

namespace {

// Every call to the target meets its https:// URLs as the run said (CA, client certificate).
HttpCallOptions call_options(const TargetProbe& p) {
  HttpCallOptions options;
  options.tls = p.tls;
  return options;
}

// The stock route's body, read as parse_stock_body reads it.
Expected<StockBody> get_stock(const TargetProbe& p, HttpCallOptions options) {
  auto url = HttpUrl::parse(p.stock_url);
  if (!url) return unexpected(url.error());
  auto reply = http_call("GET", *url, options);
  if (!reply) return unexpected(reply.error());
  if (reply->status != 200) {
    return unexpected("GET " + p.stock_url + " answered " + std::to_string(reply->status));
  }
  return parse_stock_body(reply->body, p.stock_field, p.stock_url);
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
    auto body = get_stock(p, call_options(p));
    if (!body) return unexpected("target: " + body.error());
    if (p.reset_stock >= 0 && body->stock != p.reset_stock) {
      return unexpected("target reports stock " + std::to_string(body->stock) +
                        " right after a reset to " + std::to_string(p.reset_stock));
    }
    return std::optional<int64_t>(body->stock);
  }
  if (p.reset_stock >= 0) return std::optional<int64_t>(p.reset_stock);
  return std::optional<int64_t>();
}

Expected<StockBody> read_stock(const TargetProbe& p) {
  if (p.stock_url.empty()) return unexpected("no stock URL");
  HttpCallOptions opt = call_options(p);
  opt.timeout = std::chrono::seconds(2);
  return get_stock(p, opt);
}

Expected<PhaseEnd> read_phase_end(const TargetProbe& p) {
  PhaseEnd end;
  if (!p.stock_url.empty()) {
    // A write-behind target reports orders still queued; the ledger is whole only at zero.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      auto body = get_stock(p, call_options(p));
      if (!body) return unexpected("target after the run: " + body.error());
      if (body->pending_writes && *body->pending_writes > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          return unexpected("target still has " + std::to_string(*body->pending_writes) +
                            " pending writes after 60 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling an HTTP peer
        continue;
      }
      end.final_stock = body->stock;
      end.holds = body->holds;
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
        if (reading->holds) answer.held = reading->holds->held;
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
