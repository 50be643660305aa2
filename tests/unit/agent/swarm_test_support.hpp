// What the swarm tests share: a job aimed at the loopback test server, and waiting on state
// (never on time alone) with a deadline.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "agent/engine/swarm.hpp"
#include "tests/unit/agent/checkout_test_server.hpp"

namespace stampede::agent::testing {

inline constexpr std::string_view kKeyPrefix = "run-1";

// users virtual users, user ids from u-100, keys "run-1.<seq>", X-User carries the user id.
inline v1::JobSpec job_for(const std::string& url, uint32_t users, uint64_t max_attempts) {
  v1::JobSpec job;
  job.set_job_id("job-1");
  job.set_endpoint("safe");
  auto* request = job.mutable_request();
  request->set_target_url(url);
  request->set_method("POST");
  request->set_order_id_field("order_id");  // empty would mean sales without ids
  request->set_path("/api/v1/checkout/safe?u=${user_id}");
  auto* key = request->add_headers();
  key->set_name("Idempotency-Key");
  key->set_value("${key}");
  auto* user = request->add_headers();
  user->set_name("X-User");
  user->set_value("${user_id}");
  request->set_body_template(R"({"product_id": 1, "user_id": "${user_id}", "quantity": 1})");
  job.set_users(users);
  job.set_max_attempts(max_attempts);
  job.set_key_prefix(std::string(kKeyPrefix));
  job.set_user_offset(100);
  return job;
}

inline std::unique_ptr<Swarm> make_swarm(const v1::JobSpec& job, unsigned threads = 2) {
  auto swarm = Swarm::create(job, threads);
  INFO("create: " << (swarm ? "" : swarm.error()));
  REQUIRE(swarm);
  return std::move(*swarm);
}

// Polls a condition until it holds or the deadline passes: synchronisation by state, not time.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds within = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline SwarmResult run_to_end(Swarm& swarm) {
  swarm.start(std::chrono::system_clock::now());
  REQUIRE(wait_until([&] { return swarm.finished(); }));
  return swarm.take_result();
}

// The attempt seq a request's idempotency key carries ("run-1.17" -> 17).
inline uint64_t seq_of(const SeenRequest& request) {
  return std::stoull(request.idempotency_key.substr(request.idempotency_key.rfind('.') + 1));
}

inline std::set<uint64_t> seqs_up_to(uint64_t n) {
  std::set<uint64_t> out;
  for (uint64_t i = 0; i < n; ++i) out.insert(i);
  return out;
}

inline uint64_t ms_to_ns(std::chrono::milliseconds ms) {
  return static_cast<uint64_t>(std::chrono::nanoseconds(ms).count());
}

}  // namespace stampede::agent::testing
