// A run's checked settings as the RunRequest the coordinator runs, what the CLI must then see
// to exit 0, and the coordinator's own check of a RunRequest that arrives over the wire (from
// any control client, not only this CLI) against the same bounds.
//
//   auto settings = resolve(input);
//   auto request = build_run_request(*settings);   // cross-setting rules: "--stock needs ..."
//   Expectations e = expectations_for(*settings);
//   // coordinator, on a RunRequest frame:
//   if (auto problem = check_run_request(frame.run_request())) refuse(exit 2, *problem);
#pragma once

#include <optional>
#include <string>

#include "common/expected.hpp"
#include "coordinator/report/expectations.hpp"
#include "coordinator/spec/run_spec.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

Expected<v1::RunRequest> build_run_request(const RunSettings& settings);
Expectations expectations_for(const RunSettings& settings);
// The first reason the request cannot run as sent, or nullopt.
std::optional<std::string> check_run_request(const v1::RunRequest& request);

}  // namespace stampede::coordinator
