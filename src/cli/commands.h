#pragma once
// The offline commands of the `synfire` CLI. Each returns the process exit code:
// 0 success, 1 invalid or unreadable input, 2 usage error.

#include <optional>
#include <string>

namespace synfire::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

int inspect(const std::string& path, bool json);
int validate(const std::optional<std::string>& model, const std::optional<std::string>& card, bool json);
int convert(const std::string& input, const std::string& output);

// One line on stderr: "synfire: <what> (<where>)\n  hint: <how to fix>".
void print_error(const std::string& what, const std::string& where = {}, const std::string& hint = {});

}  // namespace synfire::cli
