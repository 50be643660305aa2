// Bearer token checks for the admin routes.
#include "target/admin/bearer_auth.hpp"

#include "target/api/json_util.hpp"

namespace stampede::target {

AuthVerdict check_bearer(std::string_view configured_token, const Request& request) {
  if (configured_token.empty()) return AuthVerdict::disabled;
  const auto header = request.find(http::field::authorization);
  if (header == request.end()) return AuthVerdict::missing;
  std::string_view value(header->value().data(), header->value().size());
  constexpr std::string_view kScheme = "bearer ";  // the scheme name is case-insensitive
  if (value.size() <= kScheme.size()) return AuthVerdict::missing;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = value[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kScheme[i]) {
      return AuthVerdict::missing;
    }
  }
  value.remove_prefix(kScheme.size());
  return constant_time_equal(configured_token, value) ? AuthVerdict::allowed : AuthVerdict::invalid;
}

Reply auth_failure_reply(AuthVerdict verdict) {
  switch (verdict) {
    case AuthVerdict::disabled:
      return error_reply(
          http::status::forbidden, "admin_disabled",
          "no admin token is configured (--admin-token-file or STAMPEDE_ADMIN_TOKEN)");
    case AuthVerdict::missing: {
      Reply reply = error_reply(http::status::unauthorized, "unauthorized",
                                "send Authorization: Bearer <token>");
      reply.message.set(http::field::www_authenticate, "Bearer");
      return reply;
    }
    case AuthVerdict::invalid:
    case AuthVerdict::allowed:
      break;
  }
  return error_reply(http::status::forbidden, "forbidden", "the bearer token is not valid");
}

}  // namespace stampede::target
