// Acknowledged orders as (attempt seq, order id) pairs, the ids packed end to end in one
// buffer: recording one costs no allocation of its own (a std::string per id would, past 15
// bytes), and a million of them take 16 bytes each plus their text.
//
//   AcknowledgedOrders orders;
//   orders.push(7, "o-7");
//   for (const auto& [seq, order_id] : orders) { ... }  // order_id: a string_view into orders
//   orders.clear();                                      // keeps the capacity for the next batch
//
// Not thread-safe; views stay valid until the next push, clear or swap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stampede::agent {

class AcknowledgedOrders {
 public:
  using value_type = std::pair<uint64_t, std::string_view>;

  void push(uint64_t seq, std::string_view order_id) {
    seqs_.push_back(seq);
    text_.append(order_id);
    ends_.push_back(text_.size());
  }
  size_t size() const { return seqs_.size(); }
  bool empty() const { return seqs_.empty(); }
  value_type operator[](size_t i) const {
    const size_t begin = i == 0 ? 0 : ends_[i - 1];
    return {seqs_[i], std::string_view(text_).substr(begin, ends_[i] - begin)};
  }
  void clear() {
    seqs_.clear();
    ends_.clear();
    text_.clear();
  }
  void swap(AcknowledgedOrders& other) noexcept {
    seqs_.swap(other.seqs_);
    ends_.swap(other.ends_);
    text_.swap(other.text_);
  }
  void append(const AcknowledgedOrders& other) {
    for (size_t i = 0; i < other.size(); ++i) {
      const auto [seq, order_id] = other[i];
      push(seq, order_id);
    }
  }

  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = AcknowledgedOrders::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;
    const_iterator(const AcknowledgedOrders* orders, size_t i) : orders_(orders), i_(i) {}
    value_type operator*() const { return (*orders_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& other) const { return i_ == other.i_; }

   private:
    const AcknowledgedOrders* orders_;
    size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  std::vector<uint64_t> seqs_;
  std::vector<size_t> ends_;  // where each id's text ends in text_
  std::string text_;
};

}  // namespace stampede::agent
