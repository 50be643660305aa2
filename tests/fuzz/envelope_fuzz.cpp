// Fuzzes the control plane's decoding as the coordinator and the agent do it: bytes off a
// socket become an Envelope or are dropped (never a crash), a parsed Envelope survives a
// re-encode, and a JobAssignment goes through the agent's limits check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "agent/control/job_limits.hpp"
#include "common/framing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stampede::v1::Envelope env;
  if (stampede::parse_envelope(data, size, env)) return 0;  // dropped, as the loops do

  // What parsed must encode and parse back to the same message.
  const std::string bytes = env.SerializeAsString();
  stampede::v1::Envelope again;
  if (!again.ParseFromString(bytes) || again.SerializeAsString() != bytes) std::abort();

  if (env.has_job()) {
    static const stampede::agent::JobLimits loopback;
    static const auto anywhere = stampede::agent::JobLimits::anywhere();
    static const std::vector<boost::asio::ip::address> addresses{
        boost::asio::ip::make_address("127.0.0.1"), boost::asio::ip::make_address("::1")};
    const auto& spec = env.job().job();
    (void)stampede::agent::job_refusal(spec, loopback, addresses);
    (void)stampede::agent::job_refusal(spec, anywhere, {});
  }
  return 0;
}
