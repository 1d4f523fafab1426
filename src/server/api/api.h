#pragma once
// The HTTP API as plain functions: a request (already read) in, a response out, no
// I/O. The two streaming cases (a blob upload and a file download) are split into a
// start and a finish so that the network layer can move the bytes in between.
// Thin by design: every rule lives in the registry core.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "synfire/error.h"
#include "synfire/registry/registry.h"
#include "synfire/storage/blob_store.h"

namespace synfire::server {

struct ApiRequest {
  std::string method;                        // "GET", "PUT" ...
  std::vector<std::string> segments;         // decoded path segments
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string authorization;                 // the Authorization header
  std::string range;                         // the Range header
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
  nlohmann::json body;  // sent as JSON unless `download` is set or status is 204/HEAD
  std::map<std::string, std::string> headers;
  std::optional<Download> download;
};

class Api {
 public:
  Api(registry::Registry& registry, storage::BlobStore& blobs, storage::MetadataStore& metadata);

  // Whether the request streams its body into a blob (the network layer then calls
  // begin_upload / finish_upload instead of handle).
  static bool is_upload(const ApiRequest& request);
  std::unique_ptr<storage::BlobIngest> begin_upload(const ApiRequest& request);  // throws Failure
  ApiResponse finish_upload(storage::BlobIngest& ingest);

  // Every other request; failures become JSON error responses.
  ApiResponse handle(const ApiRequest& request);

  // {"error": {"code", "message", "details"}} with the code's HTTP status.
  static ApiResponse error_response(const Error& error);

 private:
  registry::Registry& registry_;
  storage::BlobStore& blobs_;
  storage::MetadataStore& metadata_;

  ApiResponse route(const ApiRequest& request);
  ApiResponse route_repo(const ApiRequest& request, const registry::Caller& who);
  registry::Caller caller(const ApiRequest& request);
};

}  // namespace synfire::server
