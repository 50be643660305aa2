// Reading and writing an OrderBatch's packed acknowledged orders (proto/stampede.proto):
// (attempt seq, order id) pairs as three parallel fields, so that a batch of ten thousand
// orders is three allocations on either side instead of twenty thousand.
//
//   v1::OrderBatch b;
//   append_acknowledged(b, 7, "o-7");
//   if (auto problem = packed_orders_problem(b)) ...;       // checked once, as the frame arrives
//   for_each_acknowledged(b, [](uint64_t seq, std::string_view order_id) { ... });
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stampede.pb.h"

namespace stampede {

inline void append_acknowledged(v1::OrderBatch& batch, uint64_t seq, std::string_view order_id) {
  batch.add_acked_seqs(seq);
  batch.add_acked_id_lengths(static_cast<uint32_t>(order_id.size()));
  batch.mutable_acked_ids()->append(order_id);
}

inline size_t acknowledged_count(const v1::OrderBatch& batch) {
  return static_cast<size_t>(batch.acked_seqs_size());
}

// Why the packed fields disagree (a length per seq, lengths that add up to the ids' bytes), or
// nothing when they agree and for_each_acknowledged may read them.
inline std::optional<std::string> packed_orders_problem(const v1::OrderBatch& batch) {
  if (batch.acked_id_lengths_size() != batch.acked_seqs_size()) {
    return std::to_string(batch.acked_seqs_size()) + " acknowledged seqs but " +
           std::to_string(batch.acked_id_lengths_size()) + " order id lengths";
  }
  uint64_t total = 0;
  for (uint32_t length : batch.acked_id_lengths()) total += length;
  if (total != batch.acked_ids().size()) {
    return "order id lengths add up to " + std::to_string(total) + " bytes, the ids hold " +
           std::to_string(batch.acked_ids().size());
  }
  return std::nullopt;
}

// Why the buyers' evidence disagrees with the orders (a send and an answer time and a remaining
// value per order, or none at all; a count per sold-out millisecond), or nothing.
inline std::optional<std::string> evidence_problem(const v1::OrderBatch& batch) {
  const int sales = batch.sale_sent_us_size();
  if (sales != 0 && sales != batch.acked_seqs_size()) {
    return std::to_string(batch.acked_seqs_size()) + " acknowledged orders but " +
           std::to_string(sales) + " sale times";
  }
  if (batch.sale_done_us_size() != sales || batch.sale_remaining_size() != sales) {
    return "sale times and remaining values of different lengths";
  }
  if (batch.sold_out_ms_size() != batch.sold_out_counts_size()) {
    return "sold-out milliseconds without their counts";
  }
  return std::nullopt;
}

// Calls f(seq, order_id) for each acknowledged order, in order. Only for a batch that
// packed_orders_problem() passed: the views point into `batch`.
template <class F>
void for_each_acknowledged(const v1::OrderBatch& batch, F&& f) {
  const std::string_view ids = batch.acked_ids();
  size_t offset = 0;
  for (int i = 0; i < batch.acked_seqs_size(); ++i) {
    const size_t length = batch.acked_id_lengths(i);
    f(batch.acked_seqs(i), ids.substr(offset, length));
    offset += length;
  }
}

}  // namespace stampede
