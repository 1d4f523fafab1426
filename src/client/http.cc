#include "http.h"

#include "curl_library.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <thread>

#include "synfire/version.h"

namespace synfire::client {
namespace {

CURL* handle(void* p) { return static_cast<CURL*>(p); }
const CurlLibrary& lib() { return curl_library(); }

Error error_from_json(const nlohmann::json& e) {
  Error error{e.value("code", "server_error"), e.value("message", "the server refused the request"),
              e.value("where", ""), {}};
  if (auto details = e.find("details"); details != e.end() && details->is_array())
    for (const auto& d : *details)
      if (d.is_object()) error.details.push_back(error_from_json(d));
  return error;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

struct HttpSession::Exchange {
  Response response;
  curl_slist* headers = nullptr;
  // Body sources and sinks; at most one of each is set.
  int send_fd = -1;
  std::uint64_t send_offset = 0, send_left = 0;
  const std::function<void(std::uint64_t)>* on_sent = nullptr;
  const std::function<void(long, std::span<const char>)>* on_bytes = nullptr;
  const CancelFn* cancel = nullptr;
  bool cancelled = false;
  std::exception_ptr failure;  // thrown inside a callback; rethrown after curl returns
  ~Exchange() { lib().slist_free_all(headers); }

  bool should_stop() {
    if (!cancelled && *cancel && (*cancel)()) cancelled = true;
    return cancelled || failure;
  }
};

namespace {

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<HttpSession::Exchange*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue or a redirect)
    exchange->response.headers.clear();
    const auto space = line.find(' ');
    exchange->response.status = space == std::string::npos ? 0 : std::atol(line.c_str() + space + 1);
  }
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    exchange->response.headers[lower(line.substr(0, colon))] = value;
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<HttpSession::Exchange*>(user);
  const std::size_t n = size * count;
  if (exchange->should_stop()) return 0;
  if (exchange->on_bytes && exchange->response.status >= 200 && exchange->response.status < 300) {
    try {
      (*exchange->on_bytes)(exchange->response.status, std::span<const char>(data, n));
    } catch (...) {
      exchange->failure = std::current_exception();
      return 0;
    }
  } else if (exchange->response.body.size() < (4u << 20)) {
    exchange->response.body.append(data, n);
  }
  return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<HttpSession::Exchange*>(user);
  if (exchange->should_stop()) return CURL_READFUNC_ABORT;
  const std::size_t want = std::min<std::uint64_t>(size * count, exchange->send_left);
  if (want == 0) return 0;
  const ssize_t n = ::pread(exchange->send_fd, buffer, want, static_cast<off_t>(exchange->send_offset));
  if (n <= 0) {
    exchange->failure = std::make_exception_ptr(
        ClientFailure("io_error", "the file being uploaded could not be read (changed or truncated while sending?)"));
    return CURL_READFUNC_ABORT;
  }
  exchange->send_offset += static_cast<std::uint64_t>(n);
  exchange->send_left -= static_cast<std::uint64_t>(n);
  if (exchange->on_sent) (*exchange->on_sent)(static_cast<std::uint64_t>(n));
  return static_cast<std::size_t>(n);
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<HttpSession::Exchange*>(user)->should_stop() ? 1 : 0;
}

[[noreturn]] void raise_plain(const Response& response, const std::string& what) {
  try {
    const auto body = nlohmann::json::parse(response.body);
    if (body.is_object() && body.contains("error") && body["error"].is_object())
      throw ClientFailure(error_from_json(body["error"]), response.status);
  } catch (const nlohmann::json::exception&) {
  }
  const std::string code = response.status == 401   ? "unauthorized"
                           : response.status == 403 ? "forbidden"
                           : response.status == 404 ? "not_found"
                           : response.status >= 500 ? "server_error"
                                                    : "request_failed";
  throw ClientFailure(code, what + ": the server answered HTTP " + std::to_string(response.status), "",
                      response.status);
}

// Retry-After in its delta-seconds form; -1 for none (or an HTTP date: backoff then).
long retry_after_of(const Response& response) {
  const std::string value = response.header("retry-after");
  if (value.empty() || value.size() > 9 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stol(value);
}

}  // namespace

void raise_for(const Response& response, const std::string& what) {
  try {
    raise_plain(response, what);
  } catch (ClientFailure& failure) {
    throw failure.with_retry_after(retry_after_of(response));
  }
}

HttpSession::HttpSession(const Settings& settings, const CancelFn& cancel) : settings_(settings), cancel_(cancel) {
  curl_ = lib().easy_init();
  if (!curl_) throw ClientFailure("internal", "libcurl could not start");
}

HttpSession::~HttpSession() { lib().easy_cleanup(handle(curl_)); }

std::string HttpSession::escape(const std::string& text) const {
  char* escaped = lib().easy_escape(handle(curl_), text.c_str(), static_cast<int>(text.size()));
  std::string result = escaped ? escaped : "";
  lib().free(escaped);
  return result;
}

void HttpSession::prepare(const std::string& method, const std::string& path, const std::vector<std::string>& headers,
                          Exchange& exchange) {
  CURL* curl = handle(curl_);
  lib().easy_reset(curl);
  const std::string target = url(path);
  lib().easy_setopt(curl, CURLOPT_URL, target.c_str());
  lib().easy_setopt(curl, CURLOPT_USERAGENT, (std::string("synfire/") + kVersion).c_str());
  lib().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  lib().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  // A transfer that moves nothing for a minute is dead; a slow one is fine.
  lib().easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  lib().easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  lib().easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  lib().easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  lib().easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  lib().easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  lib().easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  lib().easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  lib().easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
  lib().easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  lib().easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
  if (settings_.max_rate > 0) {
    lib().easy_setopt(curl, CURLOPT_MAX_SEND_SPEED_LARGE, static_cast<curl_off_t>(settings_.max_rate));
    lib().easy_setopt(curl, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(settings_.max_rate));
  }
  if (method == "HEAD") lib().easy_setopt(curl, CURLOPT_NOBODY, 1L);
  else if (method != "GET") lib().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  exchange.cancel = &cancel_;
  exchange.headers = lib().slist_append(exchange.headers, "Expect:");  // no 100-continue round trip
  if (!settings_.token.empty())
    exchange.headers = lib().slist_append(exchange.headers, ("Authorization: Bearer " + settings_.token).c_str());
  for (const auto& h : headers) exchange.headers = lib().slist_append(exchange.headers, h.c_str());
}

Response HttpSession::perform(Exchange& exchange) {
  CURL* curl = handle(curl_);
  lib().easy_setopt(curl, CURLOPT_HTTPHEADER, exchange.headers);
  const CURLcode code = lib().easy_perform(curl);
  if (exchange.failure) std::rethrow_exception(exchange.failure);
  if (exchange.cancelled) throw ClientFailure("interrupted", "interrupted");
  lib().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.response.status);
  if (code != CURLE_OK) {
    throw ClientFailure("connection_failed", "cannot talk to " + settings_.endpoint + ": " + lib().easy_strerror(code));
  }
  return std::move(exchange.response);
}

Response HttpSession::send(const std::string& method, const std::string& path, const std::string* body,
                           const std::vector<std::string>& headers) {
  Exchange exchange;
  prepare(method, path, headers, exchange);
  CURL* curl = handle(curl_);
  if (body) {
    if (!body->empty() && body->front() == '{')
      exchange.headers = lib().slist_append(exchange.headers, "Content-Type: application/json");
    lib().easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    lib().easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  return perform(exchange);
}

Response HttpSession::send_file(const std::string& method, const std::string& path, int fd, std::uint64_t offset,
                                std::uint64_t length, const std::vector<std::string>& headers,
                                const std::function<void(std::uint64_t)>& on_sent) {
  Exchange exchange;
  prepare(method, path, headers, exchange);
  exchange.headers = lib().slist_append(exchange.headers, "Content-Type: application/octet-stream");
  exchange.send_fd = fd;
  exchange.send_offset = offset;
  exchange.send_left = length;
  exchange.on_sent = &on_sent;
  CURL* curl = handle(curl_);
  lib().easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  lib().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  lib().easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
  lib().easy_setopt(curl, CURLOPT_READDATA, &exchange);
  lib().easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(length));
  return perform(exchange);
}

Response HttpSession::receive(const std::string& path, std::uint64_t from,
                              const std::function<void(long, std::span<const char>)>& on_bytes) {
  Exchange exchange;
  std::vector<std::string> headers;
  if (from > 0) headers.push_back("Range: bytes=" + std::to_string(from) + "-");
  prepare("GET", path, headers, exchange);
  exchange.on_bytes = &on_bytes;  // only a 2xx body: the status line came first
  return perform(exchange);
}

bool is_transient(const ClientFailure& failure) {
  const long status = failure.http_status();
  return failure.error().code == "connection_failed" || status == 429 || status >= 500;
}

void pause_before_retry(int attempt, const ClientFailure& failure, const CancelFn& cancel) {
  const long server_says = failure.retry_after_seconds();
  const auto pause = server_says >= 0 ? std::chrono::milliseconds(std::min(server_says, 60L) * 1000)
                                      : std::chrono::milliseconds(std::min(250 << std::min(attempt, 6), 8000));
  const auto until = std::chrono::steady_clock::now() + pause;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel()) throw ClientFailure("interrupted", "interrupted");
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(50),
                                                                              until - std::chrono::steady_clock::now()));
  }
}

void with_retries(const Settings& settings, const CancelFn& cancel, const std::function<void()>& step) {
  for (int attempt = 1;; ++attempt) {
    try {
      step();
      return;
    } catch (const ClientFailure& failure) {
      if (!is_transient(failure) || attempt > settings.retries) throw;
      pause_before_retry(attempt, failure, cancel);
    }
  }
}

}  // namespace synfire::client
