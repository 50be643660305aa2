// A value or a one-line error that knows design.md's exit code: how every recoverable failure
// travels inside Stampede (no exceptions in handlers or event loops), from where it happens to
// the command that turns it into a message and an exit status.
//
//   Expected<int> parse_port(std::string_view s);              // unexpected("...") is usage (2)
//   Expected<Reply> call(...);                                 // unreachable(...) is 3
//   if (auto p = parse_port("80"); !p) return p.failure("--port: ");  // into a CommandResult
#pragma once

#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stampede {

// design.md's exit codes.
enum class ExitCode : int {
  ok = 0,
  unmet = 1,           // an integrity or threshold expectation failed
  usage = 2,           // a bad flag, file or value: nothing ran
  infrastructure = 3,  // too few agents, a target down, a coordinator not answering
};

struct Unexpected {
  std::string message;
  ExitCode exit = ExitCode::usage;
};

// What the caller got wrong (a flag, a file, a value): exit 2.
inline Unexpected unexpected(std::string message) {
  return Unexpected{std::move(message), ExitCode::usage};
}
// What the world got wrong (a peer down or silent, a resource exhausted): exit 3.
inline Unexpected unreachable(std::string message) {
  return Unexpected{std::move(message), ExitCode::infrastructure};
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
  ExitCode exit() const { return std::get<1>(v_).exit; }
  // The error, to pass on as it is (its exit code kept), with what the caller adds before it.
  Unexpected failure(std::string_view context = {}) const {
    const Unexpected& e = std::get<1>(v_);
    return Unexpected{context.empty() ? e.message : std::string(context) + e.message, e.exit};
  }

 private:
  std::variant<T, Unexpected> v_;
};

// What a command ends with: its verdict (ok, or unmet expectations), or the failure that
// stopped it. main() turns it into the exit status with exit_status().
using CommandResult = Expected<ExitCode>;

// At main: a failure said once on stderr as "who: message", and its exit code.
inline int exit_status(std::string_view who, const CommandResult& result) {
  if (result) return static_cast<int>(*result);
  if (!result.error().empty()) std::cerr << who << ": " << result.error() << "\n";
  return static_cast<int>(result.exit());
}

}  // namespace stampede
