#pragma once
// One libcurl easy handle (kept for connection reuse) and the three kinds of
// exchange the client needs: a small body, a file range sent, a file range received.

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "synfire/client/client.h"

namespace synfire::client {

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool ok() const { return status >= 200 && status < 300; }
};

// The server's {"error": {...}} as a ClientFailure; `what` names the step for
// answers without a JSON error.
[[noreturn]] void raise_for(const Response& response, const std::string& what);

class HttpSession {
 public:
  HttpSession(const Settings& settings, const CancelFn& cancel);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // A request with an optional in-memory body (JSON when it starts with '{').
  Response send(const std::string& method, const std::string& path, const std::string* body = nullptr,
                const std::vector<std::string>& headers = {});
  // Sends `length` bytes of `fd` from `offset` as the body; `on_sent` gets each slice.
  Response send_file(const std::string& method, const std::string& path, int fd, std::uint64_t offset,
                     std::uint64_t length, const std::vector<std::string>& headers,
                     const std::function<void(std::uint64_t)>& on_sent);
  // GET with an optional "Range: bytes=FROM-"; a 2xx body goes to `on_bytes`.
  Response receive(const std::string& path, std::uint64_t from,
                   const std::function<void(long, std::span<const char>)>& on_bytes);

  std::string url(const std::string& path) const { return settings_.endpoint + path; }
  // "%2F"-style escaping of one path segment or query value.
  std::string escape(const std::string& text) const;

  struct Exchange;  // one request's state, shared with libcurl's C callbacks

 private:
  void prepare(const std::string& method, const std::string& path, const std::vector<std::string>& headers,
               Exchange& exchange);
  Response perform(Exchange& exchange);

  const Settings& settings_;
  const CancelFn& cancel_;
  void* curl_;
};

// Worth another try: no answer at all, 429 or 5xx (never another 4xx).
bool is_transient(const ClientFailure& failure);
// Waits before retry number `attempt` (1, 2 ...): as long as the server's Retry-After
// says (at most 60 s), else 0.5 s doubling up to 8 s; stops at once on `cancel`.
void pause_before_retry(int attempt, const ClientFailure& failure, const CancelFn& cancel);
// Runs `step` again after transient failures, up to settings.retries times.
void with_retries(const Settings& settings, const CancelFn& cancel, const std::function<void()>& step);

}  // namespace synfire::client
