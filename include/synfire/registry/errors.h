#pragma once
// The registry's error codes: one table from which the HTTP status, the JSON error
// body and the API description are made.

#include <span>
#include <string_view>

namespace synfire::registry {

struct ErrorCode {
  std::string_view code;
  int http_status;
  std::string_view meaning;
};

std::span<const ErrorCode> error_codes();
// The HTTP status for a code; 500 for a code not in the table.
int http_status_of(std::string_view code);

}  // namespace synfire::registry
