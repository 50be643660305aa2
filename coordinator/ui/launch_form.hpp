// The console's launch form (a JSON object from the page) as a RunRequest. Its fields are
// run_spec's settings of the same names, checked by the same resolve() and build_run_request as
// `stampede run`'s flags, so the web form and the CLI accept and refuse the same runs with the
// same words.
//
//   auto request = run_request_from_form(form, defaults, state.live_agents(), "ui-3f2a");
//   if (!request) reply 400 request.error();
//
// Form keys (anything else is refused, so a typo is not silently ignored):
//   target     http://host:port; default: the console's --ui-target (the bundled target)
//   endpoint   buggy | unstable | safe | another label (required)
//   strategy   a label for the run (the target's --strategy is fixed when it starts)
//   stock      reset the stock to N first: only for the bundled target, whose admin listener
//              and token the console was started with; empty: read the stock before instead
//   users, requests | duration ("30s"), rate (0: closed loop), expect_agents (default: those
//   live)
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator::ui {

// What the console was started with (--ui-target, --ui-admin-url, --ui-admin-token-file).
struct LaunchDefaults {
  std::string target;
  std::string admin_url;
  std::string admin_token_file;
};

struct LaunchPlan {
  v1::RunRequest request;
  std::string label;   // "buggy", or "safe · memory-mutex" with a strategy
  std::string target;  // the origin the run goes to
};

Expected<LaunchPlan> run_request_from_form(const boost::json::object& form,
                                           const LaunchDefaults& defaults, unsigned live_agents,
                                           const std::string& run_id);

}  // namespace stampede::coordinator::ui
