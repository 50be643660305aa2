// stampede-target's flags (design.md), each also read from STAMPEDE_<FLAG>, turned into a
// validated TargetOptions.
//
//   auto parsed = parse_target_options(argc, argv, std::cout, std::cerr);
//   if (!parsed.options) return parsed.exit_code;  // 0 after --help, 2 on a bad flag
#pragma once

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "common/http_server/http_session.hpp"
#include "common/url.hpp"
#include "target/store/memory_store.hpp"
#include "target/store/store_factory.hpp"

namespace stampede::target {

struct TargetOptions {
  HostPort listen{"127.0.0.1", 8080};
  HostPort admin_listen{"127.0.0.1", 8081};
  std::string admin_token;  // empty: admin routes answer 403 admin_disabled
  MemoryStrategy strategy = MemoryStrategy::atomic_cas;  // with --store memory
  StoreSettings store;  // which store and strategy (store.memory mirrors `strategy`)
  int64_t stock = 100;  // initial stock of product 1
  std::chrono::milliseconds race_window{2};
  uint32_t per_user_limit = 0;  // 0: none
  std::chrono::milliseconds hold_ttl{std::chrono::minutes(10)};
  double fault_rate = 0.05;
  std::chrono::milliseconds idempotency_retention{std::chrono::hours(24)};
  unsigned threads = 1;
  http_server::SessionLimits limits;
  // --tls-cert/--tls-key: the public routes over TLS (the admin listener stays plain HTTP).
  std::shared_ptr<boost::asio::ssl::context> tls;
};

struct ParsedOptions {
  std::optional<TargetOptions> options;  // set when the server should start
  int exit_code = 0;                     // otherwise: 0 (help printed) or 2 (usage error)
};

// Prints help to out, a one-line error to err.
ParsedOptions parse_target_options(int argc, const char* const* argv, std::ostream& out,
                                   std::ostream& err);

}  // namespace stampede::target
