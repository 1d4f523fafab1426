#pragma once
// The commands of the `synfire` CLI and its exit codes (docs/cli.md lists them).

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace synfire::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAuth = 3;         // not logged in, bad token, not allowed
inline constexpr int kExitNotFound = 4;     // no such repository, release or file (or not in the offline cache)
inline constexpr int kExitExists = 5;       // the version exists: releases are immutable
inline constexpr int kExitChecksum = 6;     // a download did not match its SHA-256
inline constexpr int kExitNetwork = 7;      // the server cannot be reached or failed
inline constexpr int kExitInterrupted = 130;

// login, logout, whoami, push, pull, search, show, versions, yank, unyank, org, token.
void add_remote_commands(CLI::App& app, int& exit_code);
// The exit code for an error code of the client or the server.
int exit_code_for(const std::string& code);

int inspect(const std::string& path, bool json);
int validate(const std::optional<std::string>& model, const std::optional<std::string>& card, bool json);
int convert(const std::string& input, const std::string& output);

// One line on stderr: "synfire: <what> (<where>)\n  hint: <how to fix>".
void print_error(const std::string& what, const std::string& where = {}, const std::string& hint = {});

}  // namespace synfire::cli
