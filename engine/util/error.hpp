// Errors that reach a person: one line that names what is at fault and what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace vkvae {

// Any failure vkvae reports to a user. `exit_code` is what a command-line app returns for it.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A bad flag, option value or path given by the user: exit code 2, like most Unix tools.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, 2) {}
};

}  // namespace vkvae
