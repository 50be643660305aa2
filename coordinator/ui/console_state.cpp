// ConsoleState: the console's one shared record, and the arithmetic that turns the coordinator's
// cumulative counts into requests per second by outcome.
#include "coordinator/ui/console_state.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "common/url.hpp"

namespace stampede::coordinator::ui {
namespace json = boost::json;

namespace {

int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The oracle's verdict in one word, from what the coordinator sent at the end.
void judge(RunRecord& record, const v1::RunFinished& finished) {
  record.finished_at = unix_now_s();
  record.message = finished.message();
  if (auto report = parse_report(finished.report_json())) {
    for (const auto& e : report->endpoints) {
      if (!e.integrity_ok()) record.violated.push_back(e.endpoint);
    }
    record.report = std::move(*report);
  }
  if (finished.exit_code() != 0) {
    record.verdict = finished.message().find("aborted") != std::string::npos ? "aborted" : "error";
  } else if (!record.report) {
    record.verdict = "error";
    record.message = "the coordinator sent an unreadable report";
  } else {
    record.verdict = record.report->integrity_word();
  }
}

}  // namespace

ConsoleState::ConsoleState(size_t history_limit, size_t sample_limit)
    : history_limit_(std::max<size_t>(history_limit, 1)),
      sample_limit_(std::max<size_t>(sample_limit, 1)) {}

Expected<bool> ConsoleState::begin_run(const v1::RunRequest& request, const std::string& label,
                                       const std::string& target) {
  std::lock_guard lock(mutex_);
  if (own_) return unexpected("run " + own_->run_id + " is in progress");
  if (foreign_run_)
    return unexpected("run " + *foreign_run_ + " (another client's) is in progress");
  RunRecord record;
  record.run_id = request.run_id();
  record.label = label;
  record.target = target;
  record.endpoints.assign(request.endpoints().begin(), request.endpoints().end());
  record.started_at = unix_now_s();
  own_ = std::move(record);
  own_request_ = request;
  own_last_heard_ = std::chrono::steady_clock::now();
  latest_ = {};
  return true;
}

bool ConsoleState::run_active() const {
  std::lock_guard lock(mutex_);
  return own_ || foreign_run_;
}

std::optional<std::string> ConsoleState::own_run_id() const {
  std::lock_guard lock(mutex_);
  if (!own_) return std::nullopt;
  return own_->run_id;
}

SteadyTime ConsoleState::own_run_last_heard() const {
  std::lock_guard lock(mutex_);
  return own_last_heard_;
}

unsigned ConsoleState::live_agents() const {
  std::lock_guard lock(mutex_);
  return live_agents_;
}

void ConsoleState::set_agents(const v1::AgentsReply& reply) {
  std::lock_guard lock(mutex_);
  agents_.clear();
  live_agents_ = 0;
  for (const auto& a : reply.agents()) {
    if (a.state() != "missing") ++live_agents_;
    agents_.push_back(json::object{{"agent_id", a.agent_id()},
                                   {"name", a.name()},
                                   {"host", a.host()},
                                   {"cores", a.cores()},
                                   {"threads", a.threads()},
                                   {"state", a.state()},
                                   {"last_seen_ms_ago", a.last_seen_ms_ago()}});
  }
}

void ConsoleState::set_coordinator_answering(bool answering) {
  std::lock_guard lock(mutex_);
  answering_ = answering;
}

void ConsoleState::on_status(const v1::StatusReply& status, SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (own_ && status.run_active() && status.run_id() == own_->run_id) {
    own_last_heard_ = now;  // our run lives; its updates come on their own
    return;
  }
  if (!status.run_active()) {
    foreign_run_.reset();
    if (!own_) latest_ = {};
    return;
  }
  if (own_) return;  // ours was just launched, or is finishing: the status predates it
  // Another client's run: charted from the status progress, since no updates come to us.
  foreign_run_ = status.run_id();
  latest_ = status.progress();
  add_sample(status.progress(), status.run_id(), now);
}

void ConsoleState::on_update(const v1::RunUpdate& update, SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (!own_) return;
  own_last_heard_ = now;
  latest_ = update;
  add_sample(update, own_->run_id, now);
}

// One sample a second of the phase, from the seconds the coordinator says every agent has
// reported: binned by when attempts ended on the agents, as the report's timeline is, so a
// constant rate charts flat however the updates arrive.
void ConsoleState::add_sample(const v1::RunUpdate& update, const std::string& run_id,
                              SteadyTime now) {
  if (run_id != samples_run_) {
    samples_.clear();
    samples_run_ = run_id;
    first_sample_at_ = now;
    previous_ = {};
  }
  if (update.endpoint().empty()) return;  // waiting for agents, resetting the target
  if (previous_.phase() != update.phase() || previous_.endpoint() != update.endpoint()) {
    // The phase's second 0 on the console's axis: about when its first update came.
    phase_base_s_ = std::chrono::duration<double>(now - first_sample_at_).count();
  }
  previous_ = update;
  for (const auto& second : update.seconds()) {
    LiveSample s;
    s.seq = next_seq_++;
    s.run_id = run_id;
    s.t_s = phase_base_s_ + second.second() + 1;
    s.phase = update.phase();
    s.phases = update.phases();
    s.endpoint = update.endpoint();
    s.ok_rps = static_cast<double>(second.ok());
    s.fail_rps = static_cast<double>(second.fail());
    s.info_rps = static_cast<double>(second.info());
    s.p50_ms = second.p50_ms();
    s.p99_ms = second.p99_ms();
    s.attempts = update.counts().attempts();
    s.stock = stock_;
    samples_.push_back(std::move(s));
    if (samples_.size() > sample_limit_) samples_.pop_front();
  }
}

void ConsoleState::on_finished(const v1::RunFinished& finished) {
  std::lock_guard lock(mutex_);
  if (!own_) return;  // a late answer to a run already given up on
  RunRecord record = std::move(*own_);
  judge(record, finished);
  finish_own(std::move(record));
}

void ConsoleState::finish_own(RunRecord record) {
  own_.reset();
  own_request_.reset();
  latest_ = {};
  history_.push_front(std::move(record));
  if (history_.size() > history_limit_) history_.pop_back();
  ++finished_count_;
}

std::optional<StockSource> ConsoleState::stock_source() const {
  std::lock_guard lock(mutex_);
  return stock_source_locked();
}

std::optional<StockSource> ConsoleState::stock_source_locked() const {
  if (own_request_ && !own_request_->stock_url().empty()) {
    const std::string endpoint =
        latest_.endpoint().empty() ? own_request_->endpoints(0) : latest_.endpoint();
    return StockSource{substitute(own_request_->stock_url(), "endpoint", endpoint),
                       own_request_->stock_field()};
  }
  return idle_stock_source_;
}

void ConsoleState::set_idle_stock_source(std::optional<StockSource> source) {
  std::lock_guard lock(mutex_);
  idle_stock_source_ = std::move(source);
}

void ConsoleState::set_stock(std::optional<int64_t> stock, std::string error) {
  std::lock_guard lock(mutex_);
  stock_ = stock;
  stock_error_ = std::move(error);
}

json::object ConsoleState::sample_json(const LiveSample& s) {
  json::object o{{"seq", s.seq},       {"run_id", s.run_id},     {"t_s", s.t_s},
                 {"phase", s.phase},   {"phases", s.phases},     {"endpoint", s.endpoint},
                 {"ok_rps", s.ok_rps}, {"fail_rps", s.fail_rps}, {"info_rps", s.info_rps},
                 {"p50_ms", s.p50_ms}, {"p99_ms", s.p99_ms},     {"attempts", s.attempts}};
  if (s.stock) {
    o["stock"] = *s.stock;
  } else {
    o["stock"] = nullptr;
  }
  return o;
}

json::object ConsoleState::record_json(const RunRecord& r) {
  json::array endpoints, violated;
  for (const auto& e : r.endpoints) endpoints.emplace_back(e);
  for (const auto& e : r.violated) violated.emplace_back(e);
  return json::object{{"run_id", r.run_id},
                      {"label", r.label},
                      {"target", r.target},
                      {"endpoints", std::move(endpoints)},
                      {"started_at", r.started_at},
                      {"finished_at", r.finished_at},
                      {"verdict", r.verdict},
                      {"message", r.message},
                      {"violated", std::move(violated)},
                      {"report", r.report.has_value()}};
}

json::object ConsoleState::snapshot() const {
  std::lock_guard lock(mutex_);
  json::object o;
  o["coordinator"] = json::object{{"answering", answering_}};
  o["agents"] = agents_;
  o["agents_live"] = live_agents_;
  if (own_ || foreign_run_) {
    const auto& c = latest_.counts();
    json::object run{{"run_id", own_ ? own_->run_id : *foreign_run_},
                     {"own", own_.has_value()},
                     {"label", own_ ? own_->label : std::string("another client's run")},
                     {"phase", latest_.phase()},
                     {"phases", latest_.phases()},
                     {"endpoint", latest_.endpoint()},
                     {"attempts", c.attempts()},
                     {"ok", c.ok()},
                     {"fail", c.fail()},
                     {"info", c.info()},
                     {"rate_rps", latest_.rate_rps()},
                     {"agents", latest_.agents()},
                     {"note", latest_.note()},
                     {"window_p50_ms", latest_.window_p50_ms()},
                     {"window_p99_ms", latest_.window_p99_ms()}};
    if (own_) run["target"] = own_->target;
    o["run"] = std::move(run);
  } else {
    o["run"] = nullptr;
  }
  json::object stock;
  if (stock_) {
    stock["value"] = *stock_;
  } else {
    stock["value"] = nullptr;
  }
  stock["error"] = stock_error_;
  const auto source = stock_source_locked();
  stock["url"] = source ? source->url : std::string();
  o["stock"] = std::move(stock);
  o["last_sample_seq"] = samples_.empty() ? 0 : samples_.back().seq;
  return o;
}

json::array ConsoleState::samples_after(uint64_t seq) const {
  std::lock_guard lock(mutex_);
  json::array out;
  for (const auto& s : samples_) {
    if (s.seq > seq) out.push_back(sample_json(s));
  }
  return out;
}

uint64_t ConsoleState::last_sample_seq() const {
  std::lock_guard lock(mutex_);
  return samples_.empty() ? 0 : samples_.back().seq;
}

std::vector<RunRecord> ConsoleState::finished_after(uint64_t& seen) const {
  std::lock_guard lock(mutex_);
  std::vector<RunRecord> out;
  const uint64_t fresh = finished_count_ > seen ? finished_count_ - seen : 0;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(fresh, history_.size()));
  for (size_t i = n; i-- > 0;) out.push_back(history_[i]);  // oldest first
  seen = finished_count_;
  return out;
}

uint64_t ConsoleState::finished_count() const {
  std::lock_guard lock(mutex_);
  return finished_count_;
}

json::array ConsoleState::runs() const {
  std::lock_guard lock(mutex_);
  json::array out;
  if (own_) out.push_back(record_json(*own_));
  for (const auto& r : history_) out.push_back(record_json(r));
  return out;
}

std::optional<RunRecord> ConsoleState::run(const std::string& run_id) const {
  std::lock_guard lock(mutex_);
  if (own_ && own_->run_id == run_id) return own_;
  for (const auto& r : history_) {
    if (r.run_id == run_id) return r;
  }
  return std::nullopt;
}

}  // namespace stampede::coordinator::ui
