// The order-id fast path, a strict JSON checker over a small subset that gives up (unsure)
// at the first thing outside it, and the boost::json path whose answers it must match.
#include "agent/engine/order_id_scan.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace stampede::agent {
namespace {

constexpr long kMaxExponentDigits = 6;

// Every member returns false to mean "unsure": the text is invalid or outside the subset.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() const { return p_ == end_; }
  bool peek(char c) const { return p_ != end_ && *p_ == c; }
  bool peek_number() const { return p_ != end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')); }
  bool take(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }

  // A string without escapes or bytes outside ASCII; `text` is what lies between the quotes.
  bool string(std::string_view& text) {
    if (!take('"')) return false;
    const char* start = p_;
    for (; p_ != end_; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        text = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
    }
    return false;
  }

  // RFC 8259's number grammar. `plain_integer` is set when it is digits alone, at most 18 of
  // them: the only numbers whose text is also how boost::json renders them.
  bool number(std::string_view& text, bool& plain_integer) {
    const char* start = p_;
    const bool negative = take('-');
    if (peek('0')) {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    const auto int_digits = p_ - start - (negative ? 1 : 0);
    bool fraction_or_exponent = false;
    if (take('.')) {
      if (!digits()) return false;
      fraction_or_exponent = true;
    }
    if (peek('e') || peek('E')) {
      ++p_;
      if (peek('+') || peek('-')) ++p_;
      const char* exponent = p_;
      if (!digits()) return false;
      // boost::json refuses an exponent past 2^31 ("exponent overflow"); a document with a
      // long one is its call (a short one is at worst infinity or zero, which it accepts).
      if (p_ - exponent > kMaxExponentDigits) return false;
      fraction_or_exponent = true;
    }
    text = std::string_view(start, static_cast<size_t>(p_ - start));
    plain_integer = !negative && !fraction_or_exponent && int_digits <= 18;
    return true;
  }

  bool value(int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"': {
        std::string_view ignored;
        return string(ignored);
      }
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        std::string_view ignored;
        bool plain = false;
        return number(ignored, plain);
      }
    }
  }

  bool object(int depth) {
    if (depth > kMaxOrderIdScanDepth || !take('{')) return false;
    skip_space();
    if (take('}')) return true;
    for (;;) {
      std::string_view key;
      if (!string(key)) return false;
      skip_space();
      if (!take(':')) return false;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (take('}')) return true;
      if (!take(',')) return false;
      skip_space();
    }
  }

  bool array(int depth) {
    if (depth > kMaxOrderIdScanDepth || !take('[')) return false;
    skip_space();
    if (take(']')) return true;
    for (;;) {
      if (!value(depth)) return false;
      skip_space();
      if (take(']')) return true;
      if (!take(',')) return false;
      skip_space();
    }
  }

 private:
  bool digits() {
    const char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

OrderIdScan scan_order_id(std::string_view body, std::string_view field, std::string& id) {
  Scanner s(body);
  s.skip_space();
  if (!s.peek('{')) {
    // Valid JSON that is not an object carries no id; invalid text is the full parser's call.
    if (!s.value(0)) return OrderIdScan::unsure;
    s.skip_space();
    return s.at_end() ? OrderIdScan::absent : OrderIdScan::unsure;
  }
  s.take('{');
  s.skip_space();
  // The field's value: a usable id's text, or empty when the value is of another kind.
  std::string_view found;
  bool seen = false;
  if (!s.take('}')) {
    for (;;) {
      std::string_view key;
      if (!s.string(key)) return OrderIdScan::unsure;
      s.skip_space();
      if (!s.take(':')) return OrderIdScan::unsure;
      s.skip_space();
      if (key == field) {
        // boost::json keeps the last of duplicate keys; rare enough to leave to it.
        if (seen) return OrderIdScan::unsure;
        seen = true;
        if (s.peek('"')) {
          if (!s.string(found)) return OrderIdScan::unsure;
        } else if (s.peek_number()) {
          bool plain = false;
          if (!s.number(found, plain)) return OrderIdScan::unsure;
          // -0, 1.5, 1e3 and big integers are rendered anew by boost::json: its call.
          if (!plain) return OrderIdScan::unsure;
        } else if (!s.value(1)) {
          return OrderIdScan::unsure;
        }
      } else if (!s.value(1)) {
        return OrderIdScan::unsure;
      }
      s.skip_space();
      if (s.take('}')) break;
      if (!s.take(',')) return OrderIdScan::unsure;
      s.skip_space();
    }
  }
  s.skip_space();
  if (!s.at_end()) return OrderIdScan::unsure;
  if (found.empty()) return OrderIdScan::absent;
  id.assign(found);
  return OrderIdScan::found;
}

bool parse_order_id(std::string_view body, std::string_view field, std::string& id) {
  namespace json = boost::json;
  // Checkout answers are small: parse them on the stack so a success costs no heap tree.
  unsigned char arena[4096];
  json::monotonic_resource resource(arena, sizeof(arena));
  json::error_code ec;
  const json::value doc = json::parse(body, ec, json::storage_ptr(&resource));
  if (ec || !doc.is_object()) return false;
  const json::value* value = doc.get_object().if_contains(field);
  if (value == nullptr) return false;
  if (value->is_string()) {
    id.assign(value->get_string());
  } else if (value->is_number()) {
    id = json::serialize(*value);
  } else {
    return false;
  }
  return !id.empty();
}

}  // namespace stampede::agent
