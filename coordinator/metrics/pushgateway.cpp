// The report's figures in a registry of their own, sent with prometheus-cpp's Gateway.
#include "coordinator/metrics/pushgateway.hpp"

#include <prometheus/gateway.h>

#include "common/url.hpp"
#include "coordinator/metrics/coordinator_metrics.hpp"

namespace stampede::coordinator {

namespace {
Expected<HttpUrl> parse_gateway_url(const std::string& gateway_url) {
  auto url = HttpUrl::parse(gateway_url);
  if (!url) return unexpected("--pushgateway: " + url.error());
  if (url->target != "/")
    return unexpected("--pushgateway: give the gateway's origin, without a path");
  return url;
}
}  // namespace

std::optional<std::string> check_pushgateway_url(const std::string& gateway_url) {
  auto url = parse_gateway_url(gateway_url);
  if (!url) return url.error();
  return std::nullopt;
}

std::optional<std::string> push_run_metrics(const std::string& gateway_url,
                                            const boost::json::object& report,
                                            const std::string& verdict) {
  auto url = parse_gateway_url(gateway_url);
  if (!url) return url.error();
  std::string run_id = "unknown";
  if (const auto* id = report.if_contains("run_id");
      id && id->is_string() && !id->as_string().empty()) {
    run_id = std::string(id->as_string());
  }
  CoordinatorMetrics metrics;
  metrics.record_report(report, verdict);
  const std::string host =
      url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  prometheus::Gateway gateway("http://" + host, std::to_string(url->port), "stampede",
                              {{"run_id", run_id}});
  gateway.RegisterCollectable(metrics.registry());
  const int status = gateway.Push();
  if (status < 0) return "could not reach the Pushgateway at " + gateway_url;
  if (status < 200 || status >= 300) {
    return "the Pushgateway at " + gateway_url + " answered HTTP " + std::to_string(status);
  }
  return std::nullopt;
}

}  // namespace stampede::coordinator
