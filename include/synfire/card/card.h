#pragma once
// The NIR card (nir-card.json): parsing and validation per spec/nir-card.md.
// Every error of a card is reported at once, each with an RFC 6901 JSON pointer.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synfire::card {

inline constexpr std::size_t kMaxCardBytes = 1 << 20;  // 1 MiB

struct Issue {
  std::string pointer;  // "/tested_platforms/1/type"; "" for the whole document
  std::string code;     // invalid_json, not_object, too_large, required, wrong_type,
                        // invalid_license, too_long, invalid_tag, too_many,
                        // invalid_email, invalid_url, invalid_value; warnings:
                        // deprecated_license, unknown_field
  std::string message;
};

struct Result {
  bool valid = false;
  std::optional<std::string> license;  // the canonical expression, when valid
  std::vector<Issue> errors;           // sorted by pointer, then code
  std::vector<Issue> warnings;
  std::string normalized_json;         // the card to store (duplicates removed), when valid
};

// Validates the bytes of a card. Never throws for bad input.
Result validate(std::string_view bytes);
// Reads and validates a file; a file that cannot be read throws synfire::Failure.
Result validate_file(const std::string& path);

struct LicenseCheck {
  bool valid = false;
  std::string canonical;                // with ids in the SPDX list's case
  std::vector<std::string> deprecated;  // deprecated ids used
  std::string message;                  // why it is invalid
};

// Parses an SPDX license expression (AND, OR, WITH, parentheses, `+`, LicenseRef-).
LicenseCheck check_license(std::string_view expression);

// What to write instead of a deprecated SPDX id, when the lists say: "GPL-3.0-only or
// GPL-3.0-or-later" for "GPL-3.0"; an exception form such as
// "GPL-2.0-with-GCC-exception" becomes "GPL-2.0-only WITH <exception id>". Empty
// when the lists hold no successor.
std::string deprecated_license_advice(std::string_view id);

}  // namespace synfire::card
