#pragma once
// Shared by the client's source files: the HTTP session behind a Client, and the
// context push and pull work in.

#include <string>

#include "http.h"

namespace synfire::client {

struct Client::Http : HttpSession {
  using HttpSession::HttpSession;
};

struct Context {
  HttpSession& http;
  const Settings& settings;
  const CancelFn& cancel;
  const ProgressFn& progress;

  void report(const std::string& phase, const std::string& file, std::uint64_t done, std::uint64_t total) const {
    if (progress) progress({phase, file, done, total});
  }
  void check_cancel() const {
    if (cancel && cancel()) throw ClientFailure("interrupted", "interrupted");
  }
};

std::string repo_path(const HttpSession& http, const RepoRef& ref);
// A JSON request; raises the server's error; retried unless it is a POST.
nlohmann::json call_json(HttpSession& http, const Settings& settings, const CancelFn& cancel, const std::string& method,
                         const std::string& path, const nlohmann::json* body, const std::string& what);

}  // namespace synfire::client
