#pragma once
// One error type shared by every part of Synfire: a stable code, a message for a
// person, and where the problem is (an HDF5 path, a JSON pointer, a file name).

#include <stdexcept>
#include <string>
#include <vector>

namespace synfire {

struct Error {
  std::string code;     // stable, machine-readable: "not_hdf5", "invalid_license" ...
  std::string message;  // one clear sentence for a person
  std::string where;    // the place at fault; empty when the whole input is at fault
  std::vector<Error> details;  // every individual problem, when there are several
};

// Thrown by the libraries when an input cannot be used at all.
class Failure : public std::runtime_error {
 public:
  explicit Failure(Error error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  Failure(std::string code, std::string message, std::string where = {})
      : Failure(Error{std::move(code), std::move(message), std::move(where), {}}) {}

  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

}  // namespace synfire
