// The report's figures in a registry of their own, in Prometheus's text format, PUT to the
// gateway by the control HTTP client: a deadline that holds (prometheus-cpp's Gateway has none,
// so a silent gateway held the CLI at the end of its run).
#include "coordinator/metrics/pushgateway.hpp"

#include <prometheus/text_serializer.h>

#include "common/http_client.hpp"
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

std::optional<std::string> push_run_metrics(const std::string& gateway_url, const RunReport& report,
                                            const std::string& verdict) {
  auto url = parse_gateway_url(gateway_url);
  if (!url) return url.error();
  // Run ids are letters, digits, '-' and '_' (run_spec), safe in a path as they are.
  const std::string run_id = report.run_id.empty() ? "unknown" : report.run_id;
  CoordinatorMetrics metrics;
  metrics.record_report(report, verdict);
  HttpCallOptions options;
  options.body = prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
  options.content_type = "text/plain; version=0.0.4";
  options.timeout = std::chrono::seconds(10);
  url->target = "/metrics/job/stampede/run_id/" + run_id;
  // PUT replaces the group's metrics, so a rerun under the same id leaves no stale series.
  auto reply = http_call("PUT", *url, options);
  if (!reply) return "could not reach the Pushgateway at " + gateway_url + ": " + reply.error();
  if (reply->status < 200 || reply->status >= 300) {
    return "the Pushgateway at " + gateway_url + " answered HTTP " + std::to_string(reply->status);
  }
  return std::nullopt;
}

}  // namespace stampede::coordinator
