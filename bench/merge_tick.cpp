// merge_tick: how long the coordinator takes to merge one second of what N agents send, the
// bench/run comparison (5b). Prints the median wall milliseconds over many repetitions and the
// median CPU milliseconds of this thread (what the merge costs even when a busy machine
// deschedules it), on the last line.
//
//   merge_tick --agents 64 --acks-per-agent 470 --reps 50
//
// One second per agent is what agent/control/agent_loop.cpp sends while a job runs: a Progress
// every 500 ms (counts plus the bin of the second its attempts ended in, with their latency
// histogram) and, with each, the OrderBatch frames holding the orders acknowledged meanwhile (at
// most 10,000 per frame). The frames are built and serialized before the clock starts; what is
// timed is the coordinator's part: parse each Envelope (common/framing's parse_envelope), hand it
// to coordinator::PhaseMerge (add_progress merges the window, add_batch the orders), then what a
// tick reads: live_totals and the merged window's p50 and p99 (take_window; RunUpdate's fields).
// Each repetition starts from a fresh PhaseMerge with N jobs (job set-up is not timed), so it
// includes the acknowledged map's growth.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "common/framing.hpp"
#include "common/histogram.hpp"
#include "common/order_batch.hpp"
#include "coordinator/merge/phase_merge.hpp"

namespace {

using stampede::LatencyHistogram;
using stampede::coordinator::JobShare;
using stampede::coordinator::PhaseMerge;
namespace v1 = stampede::v1;

constexpr int kProgressPerSecond = 2;  // agent_loop.cpp: kProgressEvery = 500ms
constexpr size_t kBatchMax = 10'000;   // agent_loop.cpp: orders per OrderBatch frame

struct Settings {
  unsigned agents = 8;
  uint64_t acks_per_agent = 470;    // acknowledged orders per agent per second
  uint64_t attempts_per_agent = 0;  // attempts per agent per second; 0: the same as acks
  unsigned reps = 30;
  unsigned seed = 1;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "merge_tick: %s\nusage: merge_tick --agents N [--acks-per-agent A] "
               "[--attempts-per-agent T] [--reps R] [--seed S]\n",
               why);
  std::exit(2);
}

uint64_t number(const char* flag, const char* text, uint64_t lo, uint64_t hi) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    usage(
        (std::string(flag) + ": want " + std::to_string(lo) + " to " + std::to_string(hi)).c_str());
  }
  return v;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    const char* v = argv[++i];
    if (flag == "--agents") {
      s.agents = static_cast<unsigned>(number("--agents", v, 1, 4096));
    } else if (flag == "--acks-per-agent") {
      s.acks_per_agent = number("--acks-per-agent", v, 0, 10'000'000);
    } else if (flag == "--attempts-per-agent") {
      s.attempts_per_agent = number("--attempts-per-agent", v, 0, 100'000'000);
    } else if (flag == "--reps") {
      s.reps = static_cast<unsigned>(number("--reps", v, 1, 100'000));
    } else if (flag == "--seed") {
      s.seed = static_cast<unsigned>(number("--seed", v, 0, 1u << 30));
    } else {
      usage(("unknown flag " + flag).c_str());
    }
  }
  if (s.attempts_per_agent == 0) s.attempts_per_agent = s.acks_per_agent;
  if (s.attempts_per_agent < s.acks_per_agent) usage("--attempts-per-agent below --acks-per-agent");
  return s;
}

std::string job_id(unsigned agent) {
  return "job-" + std::to_string(agent);
}
// run_session.cpp names them "<run_id>.<endpoint>.a<i>".
std::string key_prefix(unsigned agent) {
  return "r-7f3a9c21.safe.a" + std::to_string(agent);
}

// One half second's latencies: log-normal around 4 ms with a long tail (a busy checkout seen
// over loopback and a LAN), so the window holds the few hundred to few thousand distinct
// buckets a real one does rather than a handful.
void fill_window(std::mt19937_64& rng, uint64_t samples, v1::Histogram* out) {
  std::lognormal_distribution<double> latency_us(std::log(4000.0), 0.9);
  LatencyHistogram h;
  for (uint64_t i = 0; i < samples; ++i) {
    h.record_us(static_cast<uint64_t>(std::max(50.0, latency_us(rng))));
  }
  h.to_proto(out);
}

// Every frame one second of N agents sends, serialized, in the order they would interleave.
std::vector<std::string> one_second(const Settings& s) {
  std::mt19937_64 rng(s.seed);
  std::vector<std::string> frames;
  std::vector<uint64_t> next_seq(s.agents, 1);
  for (int half = 1; half <= kProgressPerSecond; ++half) {
    for (unsigned a = 0; a < s.agents; ++a) {
      const uint64_t acks = s.acks_per_agent * half / kProgressPerSecond -
                            s.acks_per_agent * (half - 1) / kProgressPerSecond;
      const uint64_t attempts = s.attempts_per_agent * half / kProgressPerSecond -
                                s.attempts_per_agent * (half - 1) / kProgressPerSecond;
      v1::Envelope env;
      auto* p = env.mutable_progress();
      p->set_job_id(job_id(a));
      p->set_seq(static_cast<uint64_t>(half));
      p->set_elapsed_ms(500 * static_cast<uint64_t>(half));
      auto* c = p->mutable_counts();
      c->set_attempts(s.attempts_per_agent * half / kProgressPerSecond);
      c->set_ok(s.acks_per_agent * half / kProgressPerSecond);
      c->set_fail(c->attempts() - c->ok());
      c->set_sold_out(c->fail());
      // One second's bin, drained in two halves, as an agent's Progress carries it.
      auto* bin = p->add_seconds();
      bin->set_second(0);
      bin->set_attempts(attempts);
      bin->set_ok(acks);
      bin->set_fail(attempts - acks);
      fill_window(rng, attempts, bin->mutable_latency());
      frames.push_back(stampede::serialize_envelope(env));

      uint64_t batch_seq = static_cast<uint64_t>(half);
      for (uint64_t left = acks; left > 0;) {
        const uint64_t n = std::min<uint64_t>(left, kBatchMax);
        v1::Envelope b;
        auto* batch = b.mutable_orders();
        batch->set_job_id(job_id(a));
        batch->set_batch_seq(batch_seq++);
        for (uint64_t k = 0; k < n; ++k) {
          // The stores' ids: "m-", "r-" or "p-" and a counter, unique across agents.
          stampede::append_acknowledged(
              *batch, next_seq[a], "r-" + std::to_string(1'000'000 + next_seq[a] * s.agents + a));
          ++next_seq[a];
        }
        frames.push_back(stampede::serialize_envelope(b));
        left -= n;
      }
    }
  }
  return frames;
}

PhaseMerge fresh_merge(const Settings& s) {
  PhaseMerge merge;
  for (unsigned a = 0; a < s.agents; ++a) {
    JobShare share;
    share.job_id = job_id(a);
    share.agent_name = "agent-" + std::to_string(a);
    share.agent_host = "host-" + std::to_string(a);
    share.key_prefix = key_prefix(a);
    share.users = 100;
    merge.add_job(std::move(share));
  }
  return merge;
}

// The timed part; returns a figure that depends on all of it, so nothing is optimized away.
uint64_t merge_one_second(PhaseMerge& merge, const std::vector<std::string>& frames) {
  v1::Envelope env;
  for (const auto& bytes : frames) {
    if (auto why = stampede::parse_envelope(bytes.data(), bytes.size(), env)) {
      std::fprintf(stderr, "merge_tick: a frame did not parse: %s\n", why->c_str());
      std::exit(1);
    }
    if (env.has_progress()) {
      merge.add_progress(env.progress());
    } else if (env.has_orders()) {
      merge.add_batch(std::move(*env.mutable_orders()));
    }
  }
  const v1::OutcomeCounts live = merge.live_totals();
  const LatencyHistogram window = merge.take_window();
  return live.attempts() + merge.acknowledged_count() + window.percentile_us(50) +
         window.percentile_us(99);
}

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings s = parse(argc, argv);
  const std::vector<std::string> frames = one_second(s);
  size_t bytes = 0;
  for (const auto& f : frames) bytes += f.size();

  std::vector<double> ms, cpu_ms, build_ms;
  uint64_t checksum = 0;
  for (unsigned r = 0; r < s.reps; ++r) {
    PhaseMerge merge = fresh_merge(s);
    const double c0 = thread_cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    checksum += merge_one_second(merge, frames);
    const auto t1 = std::chrono::steady_clock::now();
    cpu_ms.push_back(thread_cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    // Not in the tick: the phase's end builds the order map from the batches held.
    const size_t built = merge.acknowledged().size();
    build_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count());
    if (built != s.agents * s.acks_per_agent) {
      std::fprintf(stderr, "merge_tick: merged %zu orders, sent %llu\n",
                   merge.acknowledged().size(),
                   static_cast<unsigned long long>(s.agents * s.acks_per_agent));
      return 1;
    }
  }
  const double wall = median(ms), cpu = median(cpu_ms);
  std::fprintf(stderr,
               "merge_tick: %u agents, %llu acks and %llu attempts per agent per second: %zu "
               "frames, %.1f KiB; %u reps: wall min %.3f ms, median %.3f ms, max %.3f ms; CPU "
               "median %.3f ms; then the phase end builds the order map in %.3f ms (median) "
               "(check %llu)\n",
               s.agents, static_cast<unsigned long long>(s.acks_per_agent),
               static_cast<unsigned long long>(s.attempts_per_agent), frames.size(),
               static_cast<double>(bytes) / 1024, s.reps, *std::min_element(ms.begin(), ms.end()),
               wall, *std::max_element(ms.begin(), ms.end()), cpu, median(build_ms),
               static_cast<unsigned long long>(checksum % 1000));
  std::printf("%.3f %.3f\n", wall, cpu);
  return 0;
}
