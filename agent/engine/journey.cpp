// Journey::create: each step's request through RequestTemplate's own checks, and the captures
// numbered in the order the steps make them.
#include "agent/engine/journey.hpp"

#include <algorithm>

namespace stampede::agent {

bool JourneyStep::accepts(unsigned status) const {
  if (accept.empty()) return status >= 200 && status < 300;
  return std::find(accept.begin(), accept.end(), status) != accept.end();
}

Expected<Journey> Journey::create(const v1::HttpRequestSpec& spec, const HttpUrl& url,
                                  const std::vector<std::string>& columns) {
  Journey journey;
  journey.columns_ = columns.size();
  if (spec.flow_size() == 0) return journey;
  if (!spec.flow(spec.flow_size() - 1).purchase()) {
    return unexpected(std::string("flow: the last step must be the purchase"));
  }
  // The slots after the columns are the captures, all of them known to every step: a step
  // that names a capture made later sends it empty, which the coordinator refuses beforehand.
  std::vector<std::string> names = columns;
  for (const auto& step : spec.flow()) {
    for (const auto& c : step.captures()) {
      journey.capture_names_.push_back(c.name());
      names.push_back(c.name());
    }
  }
  size_t captured = 0;
  for (const auto& step : spec.flow()) {
    v1::HttpRequestSpec one;
    one.set_target_url(spec.target_url());
    one.set_method(step.method());
    one.set_path(step.path());
    *one.mutable_headers() = step.headers();
    one.set_body_template(step.body_template());
    one.set_connection_per_attempt(spec.connection_per_attempt());
    auto request = RequestTemplate::create(one, url, names);
    if (!request) return unexpected("flow step " + step.name() + ": " + request.error());
    JourneyStep s{
        step.name(),     std::move(*request), {}, {}, std::chrono::milliseconds(step.think_ms()),
        step.purchase(), step.takes_stock()};
    s.accept.assign(step.accept_statuses().begin(), step.accept_statuses().end());
    for (const auto& c : step.captures()) s.captures.emplace_back(captured++, c.field());
    journey.steps_.push_back(std::move(s));
  }
  return journey;
}

}  // namespace stampede::agent
