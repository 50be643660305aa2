// A journey's steps as the engine runs them: each step's request split once into a template
// whose slots are the user id, the step's key, the data's columns and the captures, so a
// virtual user fills every step into buffers it reuses (no allocation per step in the steady
// state).
//
//   auto journey = Journey::create(job.request(), url, columns);  // empty() without a flow
//   const JourneyStep& s = journey->steps()[i];
//   s.request.fill(wire, values);   // values: user id, key, columns..., captures...
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/engine/request_template.hpp"
#include "common/expected.hpp"
#include "common/url.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

struct JourneyStep {
  std::string name;
  RequestTemplate request;
  std::vector<unsigned> accept;  // empty: any 2xx
  // (index into the user's captured values, top-level field of this step's answer)
  std::vector<std::pair<size_t, std::string>> captures;
  std::chrono::milliseconds think{0};
  bool purchase = false;     // the last step: its answer is the sale
  bool takes_stock = false;  // from its success on, a journey that ends may hold stock

  bool accepts(unsigned status) const;
};

class Journey {
 public:
  // The flow of spec (none: an empty journey) against url, with the data's column names.
  static Expected<Journey> create(const v1::HttpRequestSpec& spec, const HttpUrl& url,
                                  const std::vector<std::string>& columns);

  bool empty() const { return steps_.empty(); }
  const std::vector<JourneyStep>& steps() const { return steps_; }
  size_t capture_count() const { return capture_names_.size(); }
  // The slot of capture i among a fill()'s values.
  size_t capture_value(size_t i) const { return RequestTemplate::kFirstColumnValue + columns_ + i; }

 private:
  std::vector<JourneyStep> steps_;
  std::vector<std::string> capture_names_;
  size_t columns_ = 0;
};

}  // namespace stampede::agent
