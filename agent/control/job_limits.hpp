// The agent's own limits, set on its command line and checked against every job, whatever a
// coordinator sends: an agent is a machine that sends as many requests as it is told wherever
// it is told, so it decides locally where it may aim and how hard.
//
//   JobLimits limits;                                      // default: loopback targets only
//   limits.allow.push_back(*parse_allowed_target("10.0.0.0/8"));
//   limits.max_rate_per_s = 5000;
//   if (auto why = job_refusal(spec, limits, resolved_addresses)) reject(*why);
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

// One --allow-target entry: a network (an address is a /32 or /128) or a host name, each
// optionally with a port ("10.0.0.0/8", "::1", "[fd00::/8]:8080", "target:8080").
struct AllowedTarget {
  std::optional<boost::asio::ip::address> network;  // unset: a host name entry
  unsigned prefix_len = 0;
  std::string host_name;  // lower case; matched against the URL's host as written
  uint16_t port = 0;      // 0: any port
  std::string text;       // as given, for messages
};

Expected<AllowedTarget> parse_allowed_target(std::string_view text);

// What an agent runs without --allow-target: 127.0.0.0/8 and ::1, so an agent out of the box
// cannot be aimed at anyone else's machine.
std::vector<AllowedTarget> loopback_only();

// What any job must stay within whatever the agent's flags say: past these a job is a mistake or
// an attack (a thread per request, a rate that is not a number).
inline constexpr uint32_t kMaxJobThreads = 1024;
inline constexpr double kMaxJobRate = 1e8;

struct JobLimits {
  std::vector<AllowedTarget> allow = loopback_only();
  double max_rate_per_s = 0;  // 0: no cap; else open-loop jobs up to this rate only
  // A job's users (its connections) up to this; 0: unchecked (unit tests). stampede-agent sets it
  // to --max-connections, by default to what its ulimit -n leaves (descriptor_budget.hpp), and
  // then sets descriptor_limit to that ulimit, for the refusal to name.
  uint64_t max_connections = 0;
  uint64_t descriptor_limit = 0;
  uint32_t max_duration_ms = 0;  // 0: no cap; else jobs no longer, and any job is stopped then

  // Any target: for agents inside the CLI's own process (`stampede run --embedded`), whose only
  // coordinator is in-process and aimed by the user at that terminal.
  static JobLimits anywhere();
};

// The reason a job is refused, or nullopt when it is within the limits. target_addresses are
// what the job's target host resolves to (every one must be allowed: a name is only as safe as
// all its addresses); for a literal IP it is that IP. Pure: no DNS, no clock.
std::optional<std::string> job_refusal(
    const v1::JobSpec& job, const JobLimits& limits,
    const std::vector<boost::asio::ip::address>& target_addresses);

// Resolves the job's target host, then job_refusal(). Blocking DNS: called on the control loop
// once per job, before the swarm resolves the same name for its own connections.
std::optional<std::string> check_job(const v1::JobSpec& job, const JobLimits& limits);

// "90s", "500ms", "10m", "1h" (a bare number is seconds) as milliseconds, for --max-duration.
Expected<uint32_t> parse_limit_duration(std::string_view text);

// "127.0.0.0/8, ::1": the allowlist as a refusal message shows it.
std::string describe(const std::vector<AllowedTarget>& allow);

}  // namespace stampede::agent
