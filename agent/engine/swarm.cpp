// The swarm: validates a job, spreads its users over io threads, and merges their tallies.
#include "agent/engine/swarm.hpp"

#include <cmath>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "agent/engine/attempt_budget.hpp"
#include "agent/engine/request_template.hpp"
#include "agent/engine/virtual_user.hpp"
#include "agent/engine/worker_stats.hpp"
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
  std::thread thread;
};

Expected<UserSettings> settings_for(const v1::JobSpec& job) {
  const auto& spec = job.request();
  auto url = HttpUrl::parse(spec.target_url());
  if (!url) return unexpected("bad target URL: " + url.error());
  auto request = RequestTemplate::create(spec, *url);
  if (!request) return unexpected(request.error());

  // Resolved once here, before the start instant, so no attempt waits on DNS.
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results = resolver.resolve(url->host, std::to_string(url->port), ec);
  if (ec || results.empty()) {
    return unexpected("cannot resolve target host '" + url->host + "': " + ec.message());
  }

  UserSettings settings(std::move(*request));
  for (const auto& entry : results) settings.endpoints.push_back(entry.endpoint());
  settings.rules.sold_out_statuses.assign(spec.sold_out_statuses().begin(),
                                          spec.sold_out_statuses().end());
  if (settings.rules.sold_out_statuses.empty()) settings.rules.sold_out_statuses = {409};
  if (!spec.order_id_field().empty()) settings.rules.order_id_field = spec.order_id_field();
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
  return settings;
}

}  // namespace

struct Swarm::Impl {
  Impl(UserSettings s, const v1::JobSpec& job)
      : settings(std::move(s)),
        budget(job.max_attempts()),
        total_users(job.users()),
        duration(job.duration_ms()) {}

  const UserSettings settings;  // users hold references: must outlive the workers
  AttemptBudget budget;
  const uint32_t total_users;
  const std::chrono::milliseconds duration;  // 0: no duration bound
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
  if (std::isnan(job.rate_per_s()) || job.rate_per_s() < 0) {
    return unexpected("rate_per_s must be 0 (closed loop) or positive");
  }
  if (job.rate_per_s() > 0) {
    return unexpected("open-loop pacing is not implemented yet: use rate_per_s = 0 (closed loop)");
  }
  auto settings = settings_for(job);
  if (!settings) return unexpected(settings.error());

  auto impl = std::make_unique<Impl>(std::move(*settings), job);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, job.users());
  uint32_t user_index = 0;
  for (unsigned t = 0; t < threads; ++t) {
    auto worker = std::make_unique<Worker>();
    // Even split: thread t drives users [t*U/T, (t+1)*U/T).
    const uint32_t end = static_cast<uint32_t>(uint64_t{job.users()} * (t + 1) / threads);
    for (; user_index < end; ++user_index) {
      worker->users.push_back(std::make_unique<VirtualUser>(
          worker->io, impl->settings, impl->budget, worker->stats, impl->users_done,
          "u-" + std::to_string(uint64_t{job.user_offset()} + user_index)));
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

void Swarm::start(std::chrono::system_clock::time_point at) {
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  if (impl_->duration.count() != 0) {
    // The bound runs from the start instant; counted on the steady clock so a wall-clock step
    // during the run cannot stretch or cut it.
    const auto until_start = at - std::chrono::system_clock::now();
    impl_->budget.set_deadline(
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(until_start) +
        impl_->duration);
  }
  for (auto& w : impl_->workers) {
    // Started here, before the thread exists: the thread's creation publishes these to it.
    for (auto& user : w->users) user->start(at);
    w->thread = std::thread([&io = w->io] { io.run(); });
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
    asio::post(w->io, [&users = w->users] {
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
  for (auto& w : impl_->workers) w->stats.drain_into(out);
  return out;
}

SwarmResult Swarm::take_result() {
  // Every user has ended, so each thread's run() is returning; joining also orders its
  // unsynchronised tallies before our reads.
  impl_->join_all();
  SwarmResult result;
  for (auto& w : impl_->workers) w->stats.merge_into(result);
  return result;
}

}  // namespace stampede::agent
