// Pins the agent's own limits: the allowlist (networks, addresses, names, ports), the caps on
// rate, connections and duration, and the refusal reasons a run shows.
#include <catch2/catch.hpp>
#include <limits>

#include "agent/control/agent_flags.hpp"
#include "agent/control/job_limits.hpp"

using namespace stampede;
using namespace stampede::agent;
namespace ip = boost::asio::ip;

namespace {

v1::JobSpec job_for(const std::string& url) {
  v1::JobSpec job;
  job.set_job_id("j1");
  job.mutable_request()->set_target_url(url);
  job.set_users(10);
  return job;
}

std::vector<ip::address> addr(const std::string& a) {
  return {ip::make_address(a)};
}

JobLimits allowing(std::initializer_list<const char*> entries) {
  JobLimits limits;
  limits.allow.clear();
  for (const char* e : entries) limits.allow.push_back(*parse_allowed_target(e));
  return limits;
}

}  // namespace

TEST_CASE("out of the box an agent aims only at loopback", "[agent][limits]") {
  const JobLimits limits;
  CHECK_FALSE(job_refusal(job_for("http://127.0.0.1:8080"), limits, addr("127.0.0.1")));
  CHECK_FALSE(job_refusal(job_for("http://127.9.9.9:8080"), limits, addr("127.9.9.9")));
  CHECK_FALSE(job_refusal(job_for("http://[::1]:8080"), limits, addr("::1")));
  auto why = job_refusal(job_for("http://93.184.216.34"), limits, addr("93.184.216.34"));
  REQUIRE(why);
  CHECK(why->find("outside this agent's --allow-target (127.0.0.0/8, ::1)") != std::string::npos);
  CHECK(why->find("93.184.216.34") != std::string::npos);
}

TEST_CASE("a name is allowed by a network only when every address it resolves to is in it",
          "[agent][limits]") {
  const JobLimits limits;
  CHECK_FALSE(job_refusal(job_for("http://localhost:8080"), limits, addr("127.0.0.1")));
  std::vector<ip::address> mixed{ip::make_address("127.0.0.1"), ip::make_address("10.1.1.1")};
  CHECK(job_refusal(job_for("http://shop.test"), limits, mixed));
  CHECK(job_refusal(job_for("http://shop.test"), limits, {}));
}

TEST_CASE("networks, addresses, names and ports in --allow-target", "[agent][limits]") {
  auto limits = allowing({"10.203.77.0/24", "target:8080", "[fd00::/8]:443", "192.168.1.5"});
  CHECK_FALSE(job_refusal(job_for("http://10.203.77.4:1234"), limits, addr("10.203.77.4")));
  CHECK(job_refusal(job_for("http://10.203.78.4:1234"), limits, addr("10.203.78.4")));
  // A listed name is trusted as written, whatever it resolves to; its port must match.
  CHECK_FALSE(job_refusal(job_for("http://TARGET:8080"), limits, addr("172.18.0.3")));
  CHECK(job_refusal(job_for("http://target:9090"), limits, addr("172.18.0.3")));
  CHECK_FALSE(job_refusal(job_for("http://[fd12::1]:443"), limits, addr("fd12::1")));
  CHECK(job_refusal(job_for("http://[fd12::1]:80"), limits, addr("fd12::1")));
  CHECK_FALSE(job_refusal(job_for("http://192.168.1.5"), limits, addr("192.168.1.5")));
  CHECK(job_refusal(job_for("http://192.168.1.6"), limits, addr("192.168.1.6")));
  // An IPv4-mapped IPv6 address is the IPv4 address it carries.
  CHECK_FALSE(job_refusal(job_for("http://x.test"), limits, addr("::ffff:10.203.77.9")));
}

TEST_CASE("bad --allow-target entries are refused at start-up", "[agent][limits]") {
  CHECK_FALSE(parse_allowed_target(""));
  CHECK_FALSE(parse_allowed_target("10.0.0.0/33"));
  CHECK_FALSE(parse_allowed_target("::/129"));
  CHECK_FALSE(parse_allowed_target("host:0"));
  CHECK_FALSE(parse_allowed_target("host:99999"));
  CHECK_FALSE(parse_allowed_target("host:"));
  CHECK_FALSE(parse_allowed_target("shop.test/8"));
  CHECK_FALSE(parse_allowed_target("[::1"));
  CHECK_FALSE(parse_allowed_target("bad host"));
  auto v6 = parse_allowed_target("::1");
  REQUIRE(v6);
  CHECK(v6->prefix_len == 128);
  CHECK(v6->port == 0);
}

TEST_CASE("caps on rate, connections and duration refuse a job with the flag's name",
          "[agent][limits]") {
  JobLimits limits;
  limits.max_rate_per_s = 100;
  limits.max_connections = 50;
  limits.max_duration_ms = 60'000;
  auto job = job_for("http://127.0.0.1:8080");
  job.set_rate_per_s(100);
  job.set_users(50);
  job.set_duration_ms(60'000);
  CHECK_FALSE(job_refusal(job, limits, addr("127.0.0.1")));

  auto faster = job;
  faster.set_rate_per_s(101);
  CHECK(job_refusal(faster, limits, addr("127.0.0.1"))->find("--max-rate") != std::string::npos);
  auto closed = job;
  closed.set_rate_per_s(0);
  CHECK(job_refusal(closed, limits, addr("127.0.0.1"))->find("closed-loop") != std::string::npos);
  auto wider = job;
  wider.set_users(51);
  CHECK(job_refusal(wider, limits, addr("127.0.0.1"))->find("--max-connections") !=
        std::string::npos);
  auto longer = job;
  longer.set_duration_ms(60'001);
  CHECK(job_refusal(longer, limits, addr("127.0.0.1"))->find("--max-duration") !=
        std::string::npos);
  // Attempt-bounded jobs are accepted; the agent stops them at --max-duration itself.
  auto counted = job;
  counted.set_duration_ms(0);
  counted.set_max_attempts(1000);
  CHECK_FALSE(job_refusal(counted, limits, addr("127.0.0.1")));
}

TEST_CASE("agent flags: durations, key pairing and the allowlist replace the default",
          "[agent][limits]") {
  CHECK(*parse_limit_duration("90s") == 90'000);
  CHECK(*parse_limit_duration("10m") == 600'000);
  CHECK(*parse_limit_duration("250ms") == 250);
  CHECK(*parse_limit_duration("5") == 5'000);
  CHECK_FALSE(parse_limit_duration("0s"));
  CHECK_FALSE(parse_limit_duration("2d"));
  CHECK_FALSE(parse_limit_duration("25h"));

  AgentOptions options;
  CHECK_FALSE(apply_security_flags(options, {"10.0.0.0/8", "target"}, "10m", ""));
  CHECK(options.limits.allow.size() == 2);
  CHECK(options.limits.max_duration_ms == 600'000);
  CHECK(job_refusal(job_for("http://127.0.0.1"), options.limits, addr("127.0.0.1")));

  AgentOptions half;
  half.coordinator_public_key = "x";
  CHECK(apply_security_flags(half, {}, "", "")->find("go together") != std::string::npos);
  AgentOptions missing;
  missing.coordinator_public_key = "x";
  CHECK(apply_security_flags(missing, {}, "", "/nonexistent/agent.key"));
}

TEST_CASE("in-process agents may aim anywhere", "[agent][limits]") {
  const auto limits = JobLimits::anywhere();
  CHECK_FALSE(job_refusal(job_for("http://93.184.216.34"), limits, addr("93.184.216.34")));
  CHECK_FALSE(job_refusal(job_for("http://[2001:db8::1]"), limits, addr("2001:db8::1")));
}

TEST_CASE("by default an agent holds no more users than its descriptors allow", "[agent][limits]") {
  JobLimits limits;
  limits.max_connections = 19'744;
  limits.descriptor_limit = 20'000;
  auto job = job_for("http://127.0.0.1:8080");
  job.set_users(19'744);
  CHECK_FALSE(job_refusal(job, limits, addr("127.0.0.1")));
  job.set_users(4'000'000'000u);
  const auto why = job_refusal(job, limits, addr("127.0.0.1"));
  REQUIRE(why);
  CHECK(why->find("4000000000 users (connections) is over the 19744 connections this agent's "
                  "ulimit -n (20000) leaves") != std::string::npos);
}

TEST_CASE("a job with a rate that is no number, or thousands of threads, is refused",
          "[agent][limits]") {
  const JobLimits limits;
  auto job = job_for("http://127.0.0.1:8080");
  for (double rate : {std::numeric_limits<double>::quiet_NaN(),
                      std::numeric_limits<double>::infinity(), -1.0, 1e308}) {
    job.set_rate_per_s(rate);
    const auto why = job_refusal(job, limits, addr("127.0.0.1"));
    REQUIRE(why);
    CHECK(why->find("requests per second") != std::string::npos);
  }
  job.set_rate_per_s(0);
  job.set_threads(kMaxJobThreads);
  CHECK_FALSE(job_refusal(job, limits, addr("127.0.0.1")));
  job.set_threads(4'000'000'000u);
  CHECK(job_refusal(job, limits, addr("127.0.0.1"))->find("threads") != std::string::npos);
}
