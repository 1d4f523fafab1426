#pragma once
// The HTTP API as plain functions: a request (already read) in, a response out, no
// I/O. The two streaming cases (a blob upload and a file download) are split into a
// start and a finish so that the network layer can move the bytes in between.
// Thin by design: every rule lives in the registry core.

#include <atomic>
#include <chrono>
#include <future>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "login_throttle.h"
#include "synfire/error.h"
#include "synfire/registry/registry.h"
#include "synfire/storage/blob_store.h"

namespace synfire::server {

struct ApiRequest {
  std::string method;                        // "GET", "PUT" ...
  std::string client_address;                // the peer's IP address
  std::vector<std::string> segments;         // decoded path segments
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string authorization;                 // the Authorization header
  std::string range;                         // the Range header
  std::string if_range;                      // the If-Range header
  std::string if_none_match;                 // the If-None-Match header
  std::string content_range;                 // the Content-Range header (upload chunks)
  std::optional<std::uint64_t> content_length;
  std::string body;                          // JSON requests only
};

struct Download {
  std::unique_ptr<storage::BlobReader> reader;
  std::uint64_t offset = 0;  // first byte sent
  std::uint64_t length = 0;  // bytes sent
  std::uint64_t total = 0;   // size of the file
};

struct ApiResponse {
  int status = 200;
  nlohmann::json body;  // sent as JSON unless `text` or `download` is set, or status is 204/HEAD
  std::map<std::string, std::string> headers;
  std::optional<Download> download;
  std::optional<std::string> text;  // a plain body (its Content-Type in headers)
};

// Where a streamed request body goes, chunk by chunk, before its response is made.
class BodySink : public storage::ByteSink {
 public:
  virtual ApiResponse finish() = 0;
};

// Thrown by begin_stream when a response is due before any byte of the body is read
// (e.g. 416 with the offset an upload session stands at).
struct EarlyResponse {
  ApiResponse response;
};

using Params = std::map<std::string, std::string>;  // captured {name} segments

// One endpoint: the router and the OpenAPI document are both made from the table.
struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/repos/{ns}/{repo}"
  std::string summary;
  const char* auth;     // none, token, read, member, write, admin
  std::vector<std::string_view> errors;  // codes from registry/errors.h
  // Null for streamed routes, which begin_stream serves.
  std::function<ApiResponse(const ApiRequest&, const registry::Caller&, const Params&)> handler;
};

class Api {
 public:
  Api(registry::Registry& registry, storage::BlobStore& blobs, storage::MetadataStore& metadata);

  // Whether the request's body is streamed to storage (a blob upload, or a chunk of an
  // upload session): the network layer then calls begin_stream, feeds the sink, and
  // sends its finish() instead of calling handle.
  static bool is_streamed(const ApiRequest& request);
  std::unique_ptr<BodySink> begin_stream(const ApiRequest& request);  // throws Failure or EarlyResponse

  // Every other request; failures become JSON error responses.
  ApiResponse handle(const ApiRequest& request);
  // Whether handling may take long (a release commit reads the model in a child
  // process, up to the check timeout): the network layer runs it off its I/O threads.
  static bool may_block(const ApiRequest& request);

  // Whether anyone may sign up with POST /api/v1/users (set once at start).
  bool signup_open = true;

  // Serves GET /metrics with this text (Prometheus exposition format), when set.
  std::function<std::string()> metrics_text;

  // {"error": {"code", "message", "details"}} with the code's HTTP status.
  static ApiResponse error_response(const Error& error);
  // The CORS headers for a request that came with an Origin (a page in a browser).
  static void allow_cross_origin(ApiResponse& response);

 private:
  registry::Registry& registry_;
  storage::BlobStore& blobs_;
  storage::MetadataStore& metadata_;

  std::vector<Route> routes_;  // set once at construction
  LoginThrottle login_throttle_;
  ApiResponse log_in(const ApiRequest& request);

  // Serialized release bodies (releases are immutable; the yank state is in the key).
  static constexpr std::size_t kReleaseCacheSize = 4096;
  std::mutex release_cache_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> release_cache_;  // guarded by the mutex
  std::shared_ptr<const std::string> cached_release_text(const storage::Release& release);
  std::string release_text(const storage::Release& release);

  // Answers of searches and release reads, kept until the registry's search
  // generation moves on (a release, yank, repository or membership change) and at most
  // 10 s (another server process's writes). Release answers also end with the next
  // download counted here (they show the count); search answers may show counts up to
  // 10 s old. Requests for an answer being computed wait for it (one computation per
  // key, not one per waiting request: a burst of the same request costs one).
  struct CachedAnswer {
    std::uint64_t generation;
    std::uint64_t downloads;  // downloads_counted_ when made; 0 for searches
    std::chrono::steady_clock::time_point made;
    std::shared_future<std::shared_ptr<const std::string>> body;
  };
  static constexpr std::size_t kAnswerCacheSize = 4096;
  static constexpr std::chrono::seconds kAnswerCacheAge{10};
  std::mutex answer_cache_mutex_;
  std::unordered_map<std::string, CachedAnswer> answer_cache_;  // guarded by the mutex
  std::atomic<std::uint64_t> downloads_counted_{1};
  ApiResponse cached_answer(const std::string& key, bool shows_downloads, const std::function<std::string()>& compute);

  std::vector<Route> make_routes();
  std::string allowed_methods(const std::vector<std::string>& segments) const;
  ApiResponse route(const ApiRequest& request);
  nlohmann::json openapi() const;
  ApiResponse search(const ApiRequest& request, const registry::Caller& who);
  std::string search_text(const storage::SearchQuery& query, const registry::Caller& who);
  ApiResponse download(const ApiRequest& request, const registry::Caller& who, const Params& params);
  ApiResponse publish(const ApiRequest& request, const registry::Caller& who, const Params& params);
  storage::UploadSession own_session(const registry::Caller& who, const std::string& id);
  registry::Caller caller(const ApiRequest& request);
};

}  // namespace synfire::server
