// StockWatcher: one GET a second with a short deadline, so a target stalled under load costs a
// missed reading, never a stuck thread.
#include "coordinator/ui/stock_watcher.hpp"

#include <boost/json.hpp>

#include "common/http_client.hpp"
#include "common/json_number.hpp"
#include "common/url.hpp"

namespace stampede::coordinator::ui {
using namespace std::chrono_literals;

Expected<int64_t> stock_from_body(const std::string& body, const std::string& field) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return unexpected("the product route's answer is not a JSON object");
  auto n = int64_field(v.get_object(), field);
  if (!n) return unexpected("the product route's answer " + n.error());
  return *n;
}

StockWatcher::StockWatcher(ConsoleState& state)
    : state_(state), thread_([this](std::stop_token stop) { run(stop); }) {}

StockWatcher::~StockWatcher() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void StockWatcher::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const auto started = std::chrono::steady_clock::now();
    if (auto source = state_.stock_source()) {
      auto url = HttpUrl::parse(source->url);
      if (!url) {
        state_.set_stock(std::nullopt, url.error());
      } else {
        HttpCallOptions options;
        options.timeout = 800ms;
        options.body_limit = 64 * 1024;
        auto reply = http_call("GET", *url, options);
        if (!reply) {
          state_.set_stock(std::nullopt, reply.error());
        } else if (reply->status != 200) {
          state_.set_stock(std::nullopt,
                           "GET " + source->url + " answered " + std::to_string(reply->status));
        } else if (auto stock = stock_from_body(reply->body, source->field)) {
          state_.set_stock(*stock, "");
        } else {
          state_.set_stock(std::nullopt, stock.error());
        }
      }
    }
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, stop, started + 1s, [] { return false; });
  }
}

}  // namespace stampede::coordinator::ui
