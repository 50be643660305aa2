// LedgerWriter: takes a batch off the queue, writes it run by run (a run is consecutive orders of
// one product and generation: one INSERT ... SELECT FROM unnest), puts back what it could not
// write yet, and only then lowers the pending counts, so pending() reaches 0 only when every
// order is in PostgreSQL or was dropped as belonging to a reset ledger.
#include "target/store/redis/ledger_writer.hpp"

#include <algorithm>

namespace stampede::target {
namespace {

// A PostgreSQL text[] literal: every element quoted, with " and \ escaped.
void append_array_element(std::string& out, std::string_view value) {
  out += out.empty() ? "{\"" : ",\"";
  for (char ch : value) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

}  // namespace

LedgerWriter::LedgerWriter(std::unique_ptr<PgConnection> connection)
    : pg_(std::move(connection)), thread_([this] { run(); }) {}

LedgerWriter::~LedgerWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LedgerWriter::enqueue(uint64_t product_id, uint64_t generation, OrderRecord order) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{product_id, generation, std::move(order)});
    ++pending_[product_id];
  }
  wake_.notify_one();
}

int64_t LedgerWriter::pending(uint64_t product_id) const {
  std::lock_guard lock(mutex_);
  const auto it = pending_.find(product_id);
  return it == pending_.end() ? 0 : it->second;
}

LedgerWriter::Verdict LedgerWriter::write_run(const std::deque<Pending>& batch, size_t first,
                                              size_t count) {
  const Pending& head = batch[first];
  const std::string product = std::to_string(head.product_id);
  auto failed = [&] {
    pg_->rollback();
    return Verdict::failed;
  };
  if (!pg_->exec("BEGIN").ok()) return failed();
  // FOR SHARE: a reset (which updates this row) waits for us or we wait for it, never both.
  PgResult gen = pg_->exec("SELECT generation FROM products WHERE id = $1 FOR SHARE", {product});
  if (!gen.ok()) return failed();
  const uint64_t current = gen.rows() == 0 ? 0 : static_cast<uint64_t>(gen.integer(0, 0));
  if (gen.rows() == 0 || current > head.generation) {
    pg_->rollback();
    return Verdict::stale;
  }
  if (current < head.generation) {
    pg_->rollback();
    return Verdict::too_early;
  }
  std::string ids, keys, endpoints, users;
  for (size_t i = first; i < first + count; ++i) {
    const OrderRecord& o = batch[i].order;
    append_array_element(ids, o.order_id);
    append_array_element(keys, o.idempotency_key);
    append_array_element(endpoints, endpoint_name(o.endpoint));
    append_array_element(users, o.user_id);
  }
  for (std::string* a : {&ids, &keys, &endpoints, &users}) *a += '}';
  PgResult ins = pg_->exec(
      "INSERT INTO orders (product_id, order_id, idempotency_key, endpoint, user_id)"
      " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])"
      " ON CONFLICT DO NOTHING",
      {product, ids, keys, endpoints, users});
  if (!ins.ok()) return failed();
  if (!pg_->exec("COMMIT").ok()) return failed();
  return Verdict::written;
}

void LedgerWriter::run() {
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point stop_by{};
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      if (backoff.count() > 0) {
        wake_.wait_for(lock, backoff, [this] { return stopping_; });
      }
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        const auto now = std::chrono::steady_clock::now();
        if (stop_by == std::chrono::steady_clock::time_point{}) stop_by = now + kDrainOnStop;
        if (queue_.empty() || now >= stop_by) return;
      }
      const size_t n = std::min(queue_.size(), kBatch);
      std::move(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n),
                std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    }
    std::deque<Pending> retry;
    std::unordered_map<uint64_t, int64_t> done;
    size_t i = 0;
    while (i < batch.size()) {
      size_t run = 1;
      while (i + run < batch.size() && batch[i + run].product_id == batch[i].product_id &&
             batch[i + run].generation == batch[i].generation) {
        ++run;
      }
      const Verdict v = write_run(batch, i, run);
      for (size_t j = i; j < i + run; ++j) {
        if (v == Verdict::written || v == Verdict::stale) {
          ++done[batch[j].product_id];
        } else {
          retry.push_back(std::move(batch[j]));
        }
      }
      i += run;
    }
    backoff = retry.empty() ? std::chrono::milliseconds(0)
                            : std::clamp(backoff * 2, std::chrono::milliseconds(5),
                                         std::chrono::milliseconds(500));
    std::lock_guard lock(mutex_);
    // Back at the front, in order: later orders of the same product stay behind them.
    queue_.insert(queue_.begin(), std::make_move_iterator(retry.begin()),
                  std::make_move_iterator(retry.end()));
    for (const auto& [product, n] : done) pending_[product] -= n;
  }
}

}  // namespace stampede::target
