// A value or a one-line error: how recoverable failures travel inside Stampede (no exceptions
// in handlers or event loops).
//
//   Expected<int> parse_port(std::string_view s);
//   if (auto p = parse_port("80"); p) use(*p); else log(p.error());
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace stampede {

struct Unexpected {
  std::string message;
};

inline Unexpected unexpected(std::string message) {
  return Unexpected{std::move(message)};
}

template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Unexpected error) : v_(std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, Unexpected> v_;
};

}  // namespace stampede
