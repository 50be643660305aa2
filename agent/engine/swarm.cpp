// The swarm: validates a job, spreads its users over io threads, paces or ramps them, and
// merges their tallies.
#include "agent/engine/swarm.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/engine/attempt_budget.hpp"
#include "agent/engine/open_loop_pacer.hpp"
#include "agent/engine/request_template.hpp"
#include "agent/engine/spin_governor.hpp"
#include "agent/engine/virtual_user.hpp"
#include "agent/engine/worker_stats.hpp"
#include "common/tls_client.hpp"
#include "common/url.hpp"

namespace stampede::agent {
namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds kDefaultConnectTimeout{3000};
constexpr std::chrono::milliseconds kDefaultRequestTimeout{10000};

// One io thread and the users it drives. Members are declared so that destruction ends the
// users (their sockets and timers) before the io_context they were made on.
struct Worker {
  asio::io_context io{1};
  WorkerStats stats;
  std::vector<std::unique_ptr<VirtualUser>> users;
  // Enforces every user's connect and request deadline; re-armed while any user is running.
  asio::steady_timer deadline_sweep{io};
  asio::steady_timer start_spin{io};
  std::chrono::milliseconds sweep_every{10};
  std::thread thread;

  void sweep_deadlines() {
    deadline_sweep.expires_after(sweep_every);
    deadline_sweep.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = std::chrono::steady_clock::now();
      bool running = false;
      for (auto& user : users) {
        user->enforce_deadline(now);
        running = running || !user->ended();
      }
      if (running) sweep_deadlines();
    });
  }
};

// Runs `io` until it runs out of work. Under load the next answer is due within microseconds,
// and a thread that goes to sleep in between makes the server's every send a cross-core
// wakeup (an IPI and a scheduler round trip), which costs the server more than polling costs
// this thread: against nginx, 30,000 IPIs in a 5 s run became 1,800. So when the last idle gap
// was short, the thread polls for up to kSpinBeforeSleep before it blocks; when gaps are long
// (a paced or think-time load, a slow target), it blocks at once, as io.run() would. It does
// not poll at all while it is kept off the CPU (spin_governor.hpp).
constexpr std::chrono::microseconds kSpinBeforeSleep{20};

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

void run_polling(asio::io_context& io) {
  using Steady = std::chrono::steady_clock;
  SpinGovernor governor;
  std::chrono::nanoseconds blocked{0};  // in run_one, waiting for work (and the handler after)
  bool short_gap = false;               // was the last idle gap shorter than the spin budget?
  for (;;) {
    if (io.poll() != 0) continue;
    if (io.stopped()) return;
    const auto idle_from = Steady::now();
    // Checked only when idle: a thread that always has work never polls for it either.
    if (governor.window_over(idle_from)) governor.update(idle_from, thread_cpu_time(), blocked);
    if (short_gap && governor.may_spin()) {
      bool worked = false;
      while (!worked && Steady::now() - idle_from < kSpinBeforeSleep) {
        worked = io.poll() != 0;
        if (io.stopped()) return;
      }
      if (worked) continue;
    }
    const auto block_from = Steady::now();
    if (io.run_one() == 0) return;
    const auto woke = Steady::now();
    blocked += woke - block_from;
    short_gap = woke - idle_from < kSpinBeforeSleep;
  }
}

// How often the sweep looks: a twentieth of the shorter timeout, so a deadline is enforced
// within 5 % of itself, and between every 1 ms and every 50 ms.
std::chrono::milliseconds sweep_interval(const UserSettings& settings) {
  const auto shorter = std::min(settings.connect_timeout, settings.request_timeout);
  return std::clamp(shorter / 20, std::chrono::milliseconds(1), std::chrono::milliseconds(50));
}

Expected<UserSettings> settings_for(const v1::JobSpec& job) {
  const auto& spec = job.request();
  auto url = HttpUrl::parse(spec.target_url());
  if (!url) return unexpected("bad target URL: " + url.error());
  const auto& data = job.data();
  const std::vector<std::string> columns(data.columns().begin(), data.columns().end());
  if (!columns.empty() && (data.cells_size() == 0 || data.cells_size() % columns.size() != 0)) {
    return unexpected("data: " + std::to_string(data.cells_size()) + " cells do not fill rows of " +
                      std::to_string(columns.size()) + " columns");
  }
  auto request = RequestTemplate::create(spec, *url, columns);
  if (!request) return unexpected(request.error());

  // Resolved once here, before the start instant, so no attempt waits on DNS.
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(url->host, std::to_string(url->port), ec);
  if (ec || results.empty()) {
    return unexpected("cannot resolve target host '" + url->host + "': " + ec.message());
  }

  auto journey = Journey::create(spec, *url, columns);
  if (!journey) return unexpected(journey.error());

  UserSettings settings(std::move(*request));
  settings.journey = std::move(*journey);
  settings.data_columns = columns;
  settings.data_cells.assign(data.cells().begin(), data.cells().end());
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] == "user_id") settings.user_id_column = c;
  }
  for (const auto& entry : results) settings.endpoints.push_back(entry.endpoint());
  settings.rules.sold_out_statuses.assign(spec.sold_out_statuses().begin(),
                                          spec.sold_out_statuses().end());
  if (settings.rules.sold_out_statuses.empty()) settings.rules.sold_out_statuses = {409};
  settings.rules.order_id_field = spec.order_id_field();  // empty: sales without ids
  settings.rules.success_statuses.assign(spec.success_statuses().begin(),
                                         spec.success_statuses().end());
  settings.rules.sold_out_match.assign(spec.sold_out_match().begin(), spec.sold_out_match().end());
  settings.rules.remaining_field = spec.remaining_field();
  settings.plain_load = spec.plain_load();
  settings.connection_per_attempt = spec.connection_per_attempt();
  if (url->tls) {
    const TlsClientSettings tls = tls_client_settings(spec.tls());
    auto ctx = client_tls_context(tls);
    if (!ctx) return unexpected("target " + url->origin() + ": " + ctx.error());
    settings.tls = *ctx;
    settings.tls_host = url->host;
    settings.tls_insecure = tls.insecure;
    settings.fresh_sessions = tls.fresh_sessions;
  }
  settings.key_prefix = job.key_prefix() + ".";
  if (spec.connect_timeout_ms() != 0) {
    settings.connect_timeout = std::chrono::milliseconds(spec.connect_timeout_ms());
  } else {
    settings.connect_timeout = kDefaultConnectTimeout;
  }
  if (spec.request_timeout_ms() != 0) {
    settings.request_timeout = std::chrono::milliseconds(spec.request_timeout_ms());
  } else {
    settings.request_timeout = kDefaultRequestTimeout;
  }
  settings.think_time = std::chrono::milliseconds(job.think_time_ms());
  settings.retry.max_retries = job.max_retries();
  settings.retry.backoff = std::chrono::milliseconds(job.retry_backoff_ms());
  return settings;
}

}  // namespace

struct Swarm::Impl {
  Impl(UserSettings s, const v1::JobSpec& job)
      : settings(std::move(s)),
        budget(job.max_attempts()),
        total_users(job.users()),
        duration(job.duration_ms()),
        ramp(job.ramp_ms()),
        rate_per_s(job.rate_per_s()) {}

  const UserSettings settings;  // users hold references: must outlive the workers
  AttemptBudget budget;
  const uint32_t total_users;
  const std::chrono::milliseconds duration;  // 0: no duration bound
  const std::chrono::milliseconds ramp;      // 0: no ramp
  const double rate_per_s;                   // 0: closed loop
  SteadyClock clock;
  // Open loop: made at start(), before the threads that read it exist; users hold pointers.
  std::unique_ptr<OpenLoopPacer> pacer;
  std::atomic<uint32_t> users_done{0};
  std::vector<std::unique_ptr<Worker>> workers;
  bool started = false;  // control thread only
  bool stopped = false;  // control thread only

  void join_all() {
    for (auto& w : workers) {
      if (w->thread.joinable()) w->thread.join();
    }
  }
};

Expected<std::unique_ptr<Swarm>> Swarm::create(const v1::JobSpec& job, unsigned threads) {
  if (job.users() == 0) return unexpected("job has no users");
  if (job.max_attempts() == 0 && job.duration_ms() == 0) {
    return unexpected("job needs a bound: max_attempts, duration_ms or both");
  }
  if (!std::isfinite(job.rate_per_s()) || job.rate_per_s() < 0) {
    return unexpected("rate_per_s must be 0 (closed loop) or positive");
  }
  if (job.rate_per_s() > 0 && job.think_time_ms() != 0) {
    // The arrival rate alone sets the pace of an open loop; a think time would silently bend it.
    return unexpected("think_time_ms applies to closed loop only (rate_per_s = 0)");
  }
  auto settings = settings_for(job);
  if (!settings) return unexpected(settings.error());

  auto impl = std::make_unique<Impl>(std::move(*settings), job);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, job.users());
  uint32_t user_index = 0;
  for (unsigned t = 0; t < threads; ++t) {
    auto worker = std::make_unique<Worker>();
    worker->stats.set_steps(impl->settings.journey.steps().size());
    // Even split: thread t drives users [t*U/T, (t+1)*U/T).
    const uint32_t end = static_cast<uint32_t>(uint64_t{job.users()} * (t + 1) / threads);
    for (; user_index < end; ++user_index) {
      const auto row = impl->settings.row_of(user_index);
      std::string user_id = impl->settings.user_id_column
                                ? row[*impl->settings.user_id_column]
                                : "u-" + std::to_string(uint64_t{job.user_offset()} + user_index);
      worker->users.push_back(
          std::make_unique<VirtualUser>(worker->io, impl->settings, impl->budget, worker->stats,
                                        impl->users_done, std::move(user_id), row));
    }
    impl->workers.push_back(std::move(worker));
  }
  return std::unique_ptr<Swarm>(new Swarm(std::move(impl)));
}

Swarm::Swarm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Swarm::~Swarm() {
  // Abandon in-flight attempts rather than wait out their deadlines: nobody reads them now.
  impl_->budget.stop();
  for (auto& w : impl_->workers) w->io.stop();
  impl_->join_all();
}

void Swarm::start(std::chrono::system_clock::time_point at,
                  std::chrono::system_clock::time_point phase_start) {
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  // The start instant on the steady clock, so a wall-clock step during the run can neither
  // stretch nor cut the duration, nor bend the open-loop schedule.
  const auto steady_start = impl_->clock.now() + std::chrono::duration_cast<Clock::duration>(
                                                     at - std::chrono::system_clock::now());
  if (impl_->duration.count() != 0) impl_->budget.set_deadline(steady_start + impl_->duration);
  const auto timeline_origin =
      steady_start - std::chrono::duration_cast<Clock::duration>(at - phase_start);
  if (impl_->rate_per_s > 0) {
    impl_->pacer = std::make_unique<ConstantRatePacer>(impl_->clock, steady_start,
                                                       impl_->rate_per_s, impl_->ramp);
  }
  uint32_t user_index = 0;
  for (auto& w : impl_->workers) {
    // Started here, before the thread exists: the thread's creation publishes these to it.
    for (auto& user : w->users) {
      // Closed loop: the ramp spreads first attempts evenly, user k at at + ramp·k/users.
      // Open loop: the pool is ready at once; the pacer ramps the rate instead.
      auto user_at = at;
      if (!impl_->pacer) {
        user_at += std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(impl_->ramp) * user_index / impl_->total_users);
      }
      user->start(user_at, impl_->pacer.get());
      ++user_index;
    }
    // Wake ahead of the instant and wait for it on the CPU, yielding: a thread asleep at the
    // instant wakes up to a millisecond late on a busy host.
    w->start_spin.expires_at(steady_start - std::chrono::milliseconds(3));
    w->start_spin.async_wait(
        [steady_start, &budget = impl_->budget](const boost::system::error_code& ec) {
          if (ec) return;
          while (std::chrono::steady_clock::now() < steady_start && !budget.stopped())
            sched_yield();
        });
    w->stats.set_timeline_origin(timeline_origin);
    w->stats.set_keep_orders(!impl_->settings.plain_load);
    w->sweep_every = sweep_interval(impl_->settings);
    w->sweep_deadlines();
    w->thread = std::thread([&io = w->io] { run_polling(io); });
  }
}

void Swarm::stop() {
  impl_->budget.stop();
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->started) {
    // Users that never started will never start: count them as ended.
    impl_->users_done.store(impl_->total_users, std::memory_order_release);
    return;
  }
  for (auto& w : impl_->workers) {
    asio::post(w->io, [&users = w->users, &spin = w->start_spin] {
      spin.cancel();  // a start instant that will never come holds the loop no longer
      for (auto& user : users) user->cancel_wait();
    });
  }
}

bool Swarm::finished() const {
  return impl_->users_done.load(std::memory_order_acquire) == impl_->total_users;
}

SwarmProgress Swarm::progress() const {
  SwarmProgress sum;
  for (const auto& w : impl_->workers) w->stats.progress_into(sum);
  return sum;
}

OrderDrain Swarm::drain_orders() {
  OrderDrain out;
  drain_orders(out);
  return out;
}

void Swarm::drain_orders(OrderDrain& into) {
  for (auto& w : impl_->workers) w->stats.drain_into(into);
}

void Swarm::drain_seconds(std::vector<SecondBin>& into) {
  for (auto& w : impl_->workers) w->stats.drain_seconds_into(into);
}

SwarmResult Swarm::take_result() {
  // Every user has ended, so each thread's run() is returning; joining also orders its
  // unsynchronised tallies before our reads.
  impl_->join_all();
  SwarmResult result;
  for (auto& w : impl_->workers) w->stats.merge_into(result);
  return result;
}

JobFactory swarm_factory() {
  return [](const v1::JobSpec& job, unsigned threads) -> Expected<std::unique_ptr<JobRunner>> {
    auto swarm = Swarm::create(job, threads);
    if (!swarm) return unexpected(swarm.error());
    return std::unique_ptr<JobRunner>(std::move(*swarm));
  };
}

}  // namespace stampede::agent
