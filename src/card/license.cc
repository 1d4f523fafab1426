// SPDX license expressions (SPDX spec, annex D), checked against the official lists:
//   expression := and ("OR" and)*
//   and        := with ("AND" with)*
//   with       := simple ["WITH" exception-id] | "(" expression ")"
//   simple     := license-id ["+"] | "LicenseRef-" idstring
// Operators are upper case; ids match case-insensitively.

#include <algorithm>
#include <cctype>

#include "spdx_tables.h"
#include "synfire/card/card.h"

namespace synfire::card {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> find_id(std::span<const std::string_view> list, std::string_view id) {
  for (auto candidate : list)
    if (iequals(candidate, id)) return candidate;
  return std::nullopt;
}

bool is_idstring(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) tokens.push_back(std::move(current));
    current.clear();
  };
  for (char c : text) {
    if (c == '(' || c == ')') {
      flush();
      tokens.emplace_back(1, c);
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return tokens;
}

class Parser {
 public:
  explicit Parser(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}

  LicenseCheck run() {
    LicenseCheck check;
    if (tokens_.empty()) return invalid("the license is empty");
    if (!expression()) return invalid(error_);
    if (pos_ != tokens_.size()) return invalid("unexpected '" + tokens_[pos_] + "'");
    check.valid = true;
    check.canonical = std::move(out_);
    check.deprecated = std::move(deprecated_);
    return check;
  }

 private:
  std::vector<std::string> tokens_;
  std::size_t pos_ = 0;
  std::string out_;
  std::string error_;
  std::vector<std::string> deprecated_;
  int depth_ = 0;
  static constexpr int kMaxNesting = 32;  // bounds the recursion on hostile input

  static LicenseCheck invalid(std::string message) {
    LicenseCheck check;
    check.message = std::move(message);
    return check;
  }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  const std::string* peek() const { return pos_ < tokens_.size() ? &tokens_[pos_] : nullptr; }
  void emit(std::string_view token) {
    if (!out_.empty() && out_.back() != '(' && token != ")") out_ += ' ';
    out_ += token;
  }

  bool expression() {
    if (!conjunction()) return false;
    while (peek() && *peek() == "OR") {
      ++pos_;
      emit("OR");
      if (!conjunction()) return false;
    }
    return true;
  }

  bool conjunction() {
    if (!with_term()) return false;
    while (peek() && *peek() == "AND") {
      ++pos_;
      emit("AND");
      if (!with_term()) return false;
    }
    return true;
  }

  bool with_term() {
    const std::string* token = peek();
    if (!token) return fail("the expression ends where a license id was expected");
    if (*token == "(") {
      if (++depth_ > kMaxNesting) return fail("parentheses are nested more than 32 levels deep");
      ++pos_;
      emit("(");
      if (!expression()) return false;
      if (!peek() || *peek() != ")") return fail("unbalanced parentheses: a '(' is never closed");
      ++pos_;
      --depth_;
      emit(")");
      return true;
    }
    if (!license_id()) return false;
    if (peek() && *peek() == "WITH") {
      ++pos_;
      emit("WITH");
      const std::string* exception = peek();
      if (!exception) return fail("WITH must be followed by an SPDX exception id");
      auto found = find_id(spdx::exception_ids(), *exception);
      if (!found) return fail("'" + *exception + "' is not an SPDX license exception (WITH takes an exception)");
      ++pos_;
      emit(*found);
    }
    return true;
  }

  bool license_id() {
    const std::string token = tokens_[pos_];
    if (token == ")" || token == "AND" || token == "OR" || token == "WITH")
      return fail("'" + token + "' where a license id was expected");
    constexpr std::string_view kRef = "LicenseRef-";
    if (token.size() >= kRef.size() && iequals(std::string_view(token).substr(0, kRef.size()), kRef)) {
      const std::string_view idstring = std::string_view(token).substr(kRef.size());
      if (!is_idstring(idstring))
        return fail("'" + token + "': a LicenseRef- id may hold only letters, digits, '.' and '-'");
      ++pos_;
      emit(std::string(kRef) + std::string(idstring));
      return true;
    }
    std::string_view id = token;
    std::string suffix;
    auto lookup = [&](std::string_view candidate) -> std::optional<std::string_view> {
      if (auto found = find_id(spdx::license_ids(), candidate)) return found;
      if (auto found = find_id(spdx::deprecated_license_ids(), candidate)) {
        deprecated_.emplace_back(*found);
        return found;
      }
      return std::nullopt;
    };
    auto found = lookup(id);
    if (!found && id.size() > 1 && id.back() == '+') {
      found = lookup(id.substr(0, id.size() - 1));
      suffix = "+";
    }
    if (!found) {
      if (find_id(spdx::exception_ids(), id))
        return fail("'" + token + "' is a license exception; it can only follow WITH");
      return fail("'" + token + "' is not on the SPDX license list (use LicenseRef-<name> for a custom license)");
    }
    ++pos_;
    emit(std::string(*found) + suffix);
    return true;
  }
};

}  // namespace

LicenseCheck check_license(std::string_view expression) { return Parser(tokenize(expression)).run(); }

std::string deprecated_license_advice(std::string_view id) {
  std::string base(id);
  std::string exception;
  if (const auto with = base.find("-with-"); with != std::string::npos) {
    exception = base.substr(with + 6);  // "GCC-exception"
    base.resize(with);
  }
  const auto only = find_id(spdx::license_ids(), base + "-only");
  const auto later = find_id(spdx::license_ids(), base + "-or-later");
  if (!only || !later) return {};
  if (exception.empty()) return "'" + std::string(*only) + "' or '" + std::string(*later) + "'";
  // "GCC-exception-3.1" for GPL-3.0's "GCC-exception": the version of the same major
  // as the license's, else the only one there is.
  const auto dash = base.rfind('-');
  const char major = dash != std::string::npos && dash + 1 < base.size() ? base[dash + 1] : '\0';
  std::vector<std::string_view> versions;
  for (auto candidate : spdx::exception_ids())
    if (candidate.size() > exception.size() + 1 && iequals(candidate.substr(0, exception.size()), exception) &&
        candidate[exception.size()] == '-')
      versions.push_back(candidate);
  std::string exception_id = versions.size() == 1 ? std::string(versions[0]) : "<exception id>";
  for (auto candidate : versions)
    if (candidate[exception.size() + 1] == major) exception_id = candidate;
  return "'" + std::string(*only) + " WITH " + exception_id + "' (or " + std::string(*later) + ")";
}

}  // namespace synfire::card
