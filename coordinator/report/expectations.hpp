// What a run must show for the CLI to exit 0: by default every endpoint's integrity holds;
// an endpoint named in expect_violated (the buggy lab endpoint) must instead be caught.
#pragma once

#include <boost/json/object.hpp>
#include <set>
#include <string>
#include <vector>

namespace stampede::coordinator {

struct Expectations {
  std::set<std::string> expect_violated;  // endpoint labels
};

// One plain-words line per unmet expectation; empty when the run passes.
std::vector<std::string> unmet_expectations(const boost::json::object& report,
                                            const Expectations& expectations);

}  // namespace stampede::coordinator
