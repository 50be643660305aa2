// printable(): see the header.
#include "common/printable.hpp"

#include <algorithm>

namespace stampede {

std::string printable(std::string_view text, size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_chars) + 3);
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const size_t width = (u >= 0x20 && u < 0x7f) ? 1 : 4;
    if (out.size() + width > max_chars) {
      out += "...";
      return out;
    }
    if (width == 1) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

bool is_printable_name(std::string_view text, size_t max_chars) {
  if (text.empty() || text.size() > max_chars) return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u >= 0x7f) return false;  // no spaces either: names are single words
  }
  return true;
}

}  // namespace stampede
