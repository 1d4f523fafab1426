#include "synfire/semver/semver.h"

#include <algorithm>
#include <charconv>

namespace synfire::semver {
namespace {

bool set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_identifier_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// A numeric identifier: digits, no leading zero, fits in 64 bits.
std::optional<std::uint64_t> parse_number(std::string_view s, std::string_view what, std::string* error) {
  if (!is_digits(s)) return set_error(error, std::string(what) + " must be a number"), std::nullopt;
  if (s.size() > 1 && s[0] == '0')
    return set_error(error, std::string(what) + " has a leading zero"), std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size())
    return set_error(error, std::string(what) + " does not fit in 64 bits"), std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = s.find(separator, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool parse_identifiers(std::string_view s, bool numeric_rules, std::vector<Identifier>& out,
                       std::vector<std::string>* raw, std::string* error) {
  for (auto part : split(s, '.')) {
    if (part.empty()) return set_error(error, "empty identifier in '" + std::string(s) + "'");
    if (!std::all_of(part.begin(), part.end(), is_identifier_char))
      return set_error(error, "identifier '" + std::string(part) + "' may hold only [0-9A-Za-z-]");
    if (raw) {
      raw->emplace_back(part);
      continue;
    }
    Identifier id{std::string(part), std::nullopt};
    if (numeric_rules && is_digits(part)) {
      id.number = parse_number(part, "pre-release identifier '" + std::string(part) + "'", error);
      if (!id.number) return false;
    }
    out.push_back(std::move(id));
  }
  return true;
}

// MAJOR[.MINOR[.PATCH]] where missing parts are allowed when `partial`.
struct Core {
  std::uint64_t parts[3] = {0, 0, 0};
  int given = 0;
};

std::optional<Core> parse_core(std::string_view s, bool partial, std::string* error) {
  const auto parts = split(s, '.');
  if (parts.size() > 3 || (!partial && parts.size() != 3)) {
    set_error(error, "'" + std::string(s) + "' is not MAJOR.MINOR.PATCH");
    return std::nullopt;
  }
  static constexpr std::string_view kNames[] = {"major", "minor", "patch"};
  Core core;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto n = parse_number(parts[i], std::string(kNames[i]) + " version '" + std::string(parts[i]) + "'", error);
    if (!n) return std::nullopt;
    core.parts[i] = *n;
  }
  core.given = static_cast<int>(parts.size());
  return core;
}

std::optional<Version> parse_version(std::string_view text, bool partial, int* given, std::string* error) {
  if (text.empty()) return set_error(error, "the version is empty"), std::nullopt;
  Version v;
  std::string_view rest = text;
  if (const auto plus = rest.find('+'); plus != std::string_view::npos) {
    std::vector<Identifier> unused;
    if (!parse_identifiers(rest.substr(plus + 1), false, unused, &v.build, error)) return std::nullopt;
    rest = rest.substr(0, plus);
  }
  if (const auto dash = rest.find('-'); dash != std::string_view::npos) {
    if (!parse_identifiers(rest.substr(dash + 1), true, v.prerelease, nullptr, error)) return std::nullopt;
    rest = rest.substr(0, dash);
  }
  const bool has_suffix = !v.prerelease.empty() || !v.build.empty();
  auto core = parse_core(rest, partial && !has_suffix, error);
  if (!core) return std::nullopt;
  v.major = core->parts[0];
  v.minor = core->parts[1];
  v.patch = core->parts[2];
  if (given) *given = core->given;
  return v;
}

std::strong_ordering compare_identifiers(const Identifier& a, const Identifier& b) {
  if (a.number && b.number) return *a.number <=> *b.number;
  if (a.number) return std::strong_ordering::less;  // numeric < alphanumeric
  if (b.number) return std::strong_ordering::greater;
  const int c = a.text.compare(b.text);
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

std::string join(const auto& items, auto text_of) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ".") + text_of(item);
  return out;
}

}  // namespace

std::string Version::to_string_without_build() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!prerelease.empty()) s += "-" + join(prerelease, [](const Identifier& i) { return i.text; });
  return s;
}

std::string Version::to_string() const {
  std::string s = to_string_without_build();
  if (!build.empty()) s += "+" + join(build, [](const std::string& b) { return b; });
  return s;
}

std::optional<Version> parse(std::string_view text, std::string* error) {
  return parse_version(text, false, nullptr, error);
}

std::strong_ordering compare(const Version& a, const Version& b) {
  if (auto c = a.major <=> b.major; c != 0) return c;
  if (auto c = a.minor <=> b.minor; c != 0) return c;
  if (auto c = a.patch <=> b.patch; c != 0) return c;
  if (a.prerelease.empty() || b.prerelease.empty()) {  // a release ranks above its pre-releases
    if (a.prerelease.empty() && b.prerelease.empty()) return std::strong_ordering::equal;
    return a.prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  const std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < n; ++i)
    if (auto c = compare_identifiers(a.prerelease[i], b.prerelease[i]); c != 0) return c;
  return a.prerelease.size() <=> b.prerelease.size();
}

std::string sort_key(const Version& v) {
  // Fixed-width hex numbers; a release sorts after its pre-releases ("~" > any
  // identifier byte); numeric identifiers sort before alphanumeric ones.
  auto hex = [](std::uint64_t n) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(n));
    return std::string(buffer);
  };
  std::string key = hex(v.major) + "." + hex(v.minor) + "." + hex(v.patch);
  if (v.prerelease.empty()) return key + "~";
  key += "-";
  for (const auto& id : v.prerelease)
    key += (id.number ? "0" + hex(*id.number) : "1" + id.text) + "\x01";
  return key;
}

std::optional<Requirement> Requirement::parse(std::string_view text, std::string* error) {
  using Op = Bound::Op;
  Requirement requirement;
  for (auto raw : split(text, ',')) {
    while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
    while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
    if (raw.empty()) return set_error(error, "empty comparator in '" + std::string(text) + "'"), std::nullopt;
    if (raw == "*") continue;
    std::string op;
    for (std::string_view candidate : {">=", "<=", ">", "<", "=", "^", "~"})
      if (raw.substr(0, candidate.size()) == candidate) {
        op = candidate;
        break;
      }
    std::string_view version_text = raw.substr(op.size());
    while (!version_text.empty() && version_text.front() == ' ') version_text.remove_prefix(1);
    if (version_text.find(' ') != std::string_view::npos)  // ">=1 <2", as npm writes it
      return set_error(error, "'" + std::string(raw) + "' holds more than one comparator: join them with ',' (e.g. '>=1.2, <2')"),
             std::nullopt;
    int given = 3;
    auto v = parse_version(version_text, true, &given, error);
    if (!v) return std::nullopt;
    if (v->is_prerelease()) requirement.named_prereleases_.push_back(*v);
    auto& bounds = requirement.bounds_;
    auto upper = [&](std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
      Version u;
      u.major = major, u.minor = minor, u.patch = patch;
      u.prerelease = {{"0", 0}};  // below every version of that triple, pre-releases included
      bounds.push_back({Op::lt, u});
    };
    if (op.empty() && given == 3) {
      bounds.push_back({Op::eq, *v});
    } else if (op.empty() || op == "~") {
      bounds.push_back({Op::ge, *v});
      if (given == 1) upper(v->major + 1, 0, 0);
      else if (op == "~" || given == 2) upper(v->major, v->minor + 1, 0);
      else upper(v->major, v->minor, v->patch + 1);
    } else if (op == "^") {
      bounds.push_back({Op::ge, *v});
      if (v->major > 0 || given == 1) upper(v->major + 1, 0, 0);
      else if (v->minor > 0 || given == 2) upper(0, v->minor + 1, 0);
      else upper(0, 0, v->patch + 1);
    } else {
      const Op o = op == "=" ? Op::eq : op == ">" ? Op::gt : op == ">=" ? Op::ge : op == "<" ? Op::lt : Op::le;
      bounds.push_back({o, *v});
    }
  }
  return requirement;
}

bool Requirement::matches(const Version& version) const {
  for (const auto& bound : bounds_) {
    const auto c = compare(version, bound.version);
    const bool ok = bound.op == Bound::Op::eq   ? c == 0
                    : bound.op == Bound::Op::gt ? c > 0
                    : bound.op == Bound::Op::ge ? c >= 0
                    : bound.op == Bound::Op::lt ? c < 0
                                                : c <= 0;
    if (!ok) return false;
  }
  if (!version.is_prerelease()) return true;
  return std::any_of(named_prereleases_.begin(), named_prereleases_.end(), [&](const Version& named) {
    return named.major == version.major && named.minor == version.minor && named.patch == version.patch;
  });
}

}  // namespace synfire::semver
