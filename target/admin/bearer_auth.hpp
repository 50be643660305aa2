// The admin listener's gate: `Authorization: Bearer <token>` compared in constant time, so the
// answer's timing says nothing about how much of a guess was right.
//
//   switch (check_bearer(token, request)) { case AuthVerdict::allowed: ... }
#pragma once

#include <string_view>

#include "common/constant_time.hpp"
#include "target/http.hpp"

namespace stampede::target {

enum class AuthVerdict {
  allowed,
  disabled,  // no token configured: admin routes are off
  missing,   // no usable Authorization: Bearer header (401)
  invalid,   // a bearer token that is not ours (403)
};

AuthVerdict check_bearer(std::string_view configured_token, const Request& request);

using ::stampede::constant_time_equal;  // common/constant_time.hpp

// The JSON reply for every verdict except allowed.
Reply auth_failure_reply(AuthVerdict verdict);

}  // namespace stampede::target
