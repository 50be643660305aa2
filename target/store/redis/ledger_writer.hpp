// The write-behind half of redis-lua-writebehind: a queue of orders Redis has already decided,
// and one thread that records them in PostgreSQL in batches.
//
//   LedgerWriter writer(std::make_unique<PgConnection>(conninfo));
//   writer.enqueue(product_id, generation, std::move(order));  // from any thread
//   writer.pending(product_id);  // orders not yet in PostgreSQL (what reconciliation waits on)
//
// Thread-safe. An order is written only while PostgreSQL's products row has the generation the
// order was decided under: orders from before a reset are dropped, orders Redis decided after a
// reset PostgreSQL has not finished yet wait. Inserts ignore an order id already present, so a
// batch re-sent after an unanswered COMMIT is not recorded twice. Write failures are retried
// with backoff until the destructor, which gives the queue a bounded time to drain.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "target/store/order.hpp"
#include "target/store/postgres/pg_connection.hpp"

namespace stampede::target {

class LedgerWriter {
 public:
  static constexpr size_t kBatch = 512;
  static constexpr std::chrono::seconds kDrainOnStop{5};

  explicit LedgerWriter(std::unique_ptr<PgConnection> connection);
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  void enqueue(uint64_t product_id, uint64_t generation, OrderRecord order);
  int64_t pending(uint64_t product_id) const;

 private:
  struct Pending {
    uint64_t product_id;
    uint64_t generation;
    OrderRecord order;
  };
  enum class Verdict : uint8_t { written, stale, too_early, failed };

  void run();
  // Writes the batch's leading run of one (product, generation); returns how many it covered.
  Verdict write_run(const std::deque<Pending>& batch, size_t first, size_t count);

  std::unique_ptr<PgConnection> pg_;  // the writer thread's alone
  mutable std::mutex mutex_;          // guards everything below
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::unordered_map<uint64_t, int64_t> pending_;  // per product: queued or being written
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace stampede::target
