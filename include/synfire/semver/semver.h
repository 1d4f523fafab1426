#pragma once
// Semantic Versioning 2.0.0, strictly (spec/versions.md): parsing, precedence and
// version requirements for `pull` (Cargo/npm caret and tilde, comma = AND).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synfire::semver {

struct Identifier {
  std::string text;
  std::optional<std::uint64_t> number;  // set for numeric identifiers
};

struct Version {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::vector<Identifier> prerelease;
  std::vector<std::string> build;

  bool is_prerelease() const { return !prerelease.empty(); }
  std::string to_string() const;               // with build metadata
  std::string to_string_without_build() const;  // the release's identity
};

// Parses a full version; nullopt with `error` set when it is not valid semver.
std::optional<Version> parse(std::string_view text, std::string* error = nullptr);

// Semver precedence; build metadata is ignored (so "1.0.0+a" == "1.0.0+b").
std::strong_ordering compare(const Version& a, const Version& b);
inline bool operator==(const Version& a, const Version& b) { return compare(a, b) == 0; }
inline std::strong_ordering operator<=>(const Version& a, const Version& b) { return compare(a, b); }

// A string whose byte order is the precedence order (for a database index).
std::string sort_key(const Version& v);

class Requirement {
 public:
  // Parses "^1.2", ">=1.0.0, <2.0.0", "*", "1.2.3" ...; nullopt with `error` set
  // when the syntax is wrong.
  static std::optional<Requirement> parse(std::string_view text, std::string* error = nullptr);

  bool matches(const Version& version) const;

  struct Bound {
    enum class Op { eq, gt, ge, lt, le } op;
    Version version;
  };

 private:
  std::vector<Bound> bounds_;
  std::vector<Version> named_prereleases_;  // versions with a pre-release that comparators name
};

}  // namespace synfire::semver
