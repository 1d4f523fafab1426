#include "api.h"

#include <ctime>
#include <functional>
#include <iostream>
#include <set>

#include "synfire/error.h"
#include "synfire/version.h"
#include "synfire/registry/compatibility.h"
#include "synfire/registry/errors.h"

namespace synfire::server {
namespace {

using nlohmann::json;

[[noreturn]] void bad_request(const std::string& message, const std::string& where = {}) {
  throw Failure("invalid_request", message, where);
}

json body_json(const ApiRequest& request) {
  try {
    json body = json::parse(request.body);
    if (!body.is_object()) bad_request("the body must be a JSON object");
    return body;
  } catch (const json::exception& e) {
    bad_request(std::string("the body is not valid JSON: ") + e.what());
  }
}

std::string string_field(const json& body, const char* key, bool required = true) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) bad_request(std::string("'") + key + "' is required", std::string("/") + key);
    return {};
  }
  if (!it->is_string()) bad_request(std::string("'") + key + "' must be a string", std::string("/") + key);
  return it->get<std::string>();
}

json user_json(const storage::User& user) { return {{"name", user.name}, {"admin", user.admin}, {"created_at", user.created_at}}; }

json token_json(const storage::Token& token) {
  return {{"id", token.id}, {"name", token.name}, {"scope", storage::scope_name(token.scope)},
          {"created_at", token.created_at}, {"expires_at", token.expires_at ? json(*token.expires_at) : json(nullptr)},
          {"revoked", token.revoked}};
}

json repo_json(const storage::Repo& repo) {
  return {{"namespace", repo.ns}, {"name", repo.name}, {"private", repo.is_private},
          {"description", repo.description}, {"created_at", repo.created_at}, {"downloads", repo.downloads}};
}

json release_json(const storage::Release& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
  const json extract = json::parse(r.extract_json.empty() ? "{}" : r.extract_json);
  return {{"compatibility", registry::compatibility(extract)},
          {"version", r.version}, {"version_full", r.version_full}, {"prerelease", r.prerelease},
          {"card", json::parse(r.card_json.empty() ? "{}" : r.card_json)},
          {"extract", extract},
          {"findings", json::parse(r.findings_json.empty() ? "[]" : r.findings_json)},
          {"license", r.license}, {"created_by", r.created_by}, {"created_at", r.created_at},
          {"yanked", r.yanked}, {"yank_reason", r.yank_reason.empty() ? json(nullptr) : json(r.yank_reason)},
          {"downloads", r.downloads}, {"files", files}};
}

ApiResponse ok(json body, int status = 200) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A 200 whose JSON body is already serialized.
ApiResponse json_text_response(const std::string& text) {
  ApiResponse response = ok(nullptr);
  response.text = text;
  response.headers["Content-Type"] = "application/json";
  return response;
}

storage::Scope scope_field(const json& body) {
  const std::string name = string_field(body, "scope", false);
  if (name.empty()) return storage::Scope::read;
  const auto scope = storage::scope_from_name(name);
  if (!scope) bad_request("scope is read, write or admin", "/scope");
  return *scope;
}

std::optional<std::int64_t> expiry_field(const json& body) {
  auto it = body.find("expires_at");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) bad_request("expires_at is a Unix time in seconds", "/expires_at");
  return it->get<std::int64_t>();
}

// What a Range header asks of a file of `total` (> 0) bytes (RFC 9110, section 14).
struct RangeRequest {
  enum Kind { whole, part, unsatisfiable } kind = whole;
  std::uint64_t first = 0, last = 0;
};

// "bytes=a-b", "bytes=a-" and "bytes=-n". A header that is not one of them -- another
// unit, several ranges, a malformed one -- is ignored (the whole file is sent), as the
// RFC allows; only a well-formed range that misses the file is unsatisfiable.
RangeRequest byte_range(const std::string& header, std::uint64_t total) {
  if (header.rfind("bytes=", 0) != 0) return {};
  const std::string_view spec = std::string_view(header).substr(6);
  const auto dash = spec.find('-');
  const auto digits = [](std::string_view text) {
    return text.size() <= 19 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dash == std::string_view::npos) return {};
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if ((a.empty() && b.empty()) || !digits(a) || !digits(b)) return {};
  const auto number = [](std::string_view text) { return std::strtoull(std::string(text).c_str(), nullptr, 10); };
  if (a.empty()) {  // the last n bytes
    const std::uint64_t n = number(b);
    if (n == 0) return {RangeRequest::unsatisfiable};
    return {RangeRequest::part, total - std::min(n, total), total - 1};
  }
  const std::uint64_t first = number(a);
  if (!b.empty() && number(b) < first) return {};  // invalid: ignored
  if (first >= total) return {RangeRequest::unsatisfiable};
  const std::uint64_t last = b.empty() ? total - 1 : std::min<std::uint64_t>(number(b), total - 1);
  return {RangeRequest::part, first, last};
}

// If-None-Match: "*" or a comma-separated list of entity tags, compared weakly.
bool none_match_hits(const std::string& header, const std::string& etag) {
  std::size_t start = 0;
  while (start < header.size()) {
    const std::size_t comma = std::min(header.find(',', start), header.size());
    std::string_view item = std::string_view(header).substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    start = comma + 1;
  }
  return false;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

// The filters whose values are a closed set: an unknown one is a mistake to name,
// not a search that finds nothing.
void check_closed_filters(const std::string& size, const std::string& framework) {
  static const std::set<std::string> kSizes = {"tiny", "small", "medium", "large"};
  if (!size.empty() && !kSizes.count(size)) bad_request("size is tiny, small, medium or large, not '" + size + "'", "size");
  if (framework.empty()) return;
  static const nlohmann::json kFrameworks = registry::compatibility(nlohmann::json::object())["frameworks"];
  if (kFrameworks.contains(framework)) return;
  std::string known;
  for (const auto& [name, _] : kFrameworks.items()) known += (known.empty() ? "" : ", ") + name;
  bad_request("compatible_with is a framework of the compatibility table (" + known + "), not '" + framework + "'",
              "compatible_with");
}

// The answer at / and /api/v1: a person or a client finding its way.
ApiResponse about() {
  return ok({{"service", "synfire"},
             {"description", "a registry of neuromorphic models in the NIR format"},
             {"version", kVersion},
             {"api", "/api/v1"},
             {"openapi", "/api/v1/openapi.json"},
             {"search", "/api/v1/search?q="},
             {"health", "/healthz"}});
}

}  // namespace

Api::Api(registry::Registry& registry, storage::BlobStore& blobs, storage::MetadataStore& metadata)
    : registry_(registry), blobs_(blobs), metadata_(metadata), routes_(make_routes()) {}

ApiResponse Api::error_response(const Error& error) {
  json details = json::array();
  for (const auto& d : error.details) details.push_back({{"code", d.code}, {"message", d.message}, {"where", d.where}});
  json body = {{"error", {{"code", error.code}, {"message", error.message}, {"details", details}}}};
  const int status = registry::http_status_of(error.code);
  // The server's own failures: the operator gets the file or table at fault, the
  // client does not (it says nothing it could act on, and names the server's paths).
  if (status >= 500)
    std::cerr << "synfire-server: " << error.code << ": " << error.message
              << (error.where.empty() ? "" : " (" + error.where + ")") << std::endl;
  else if (!error.where.empty())
    body["error"]["where"] = error.where;
  ApiResponse response = ok(body, status);
  if (response.status == 401) response.headers["WWW-Authenticate"] = "Bearer";
  return response;
}

registry::Caller Api::caller(const ApiRequest& request) {
  if (request.authorization.empty()) return {};
  constexpr std::string_view kBearer = "Bearer ";
  if (request.authorization.rfind(kBearer, 0) != 0)
    throw Failure("unauthorized", "use 'Authorization: Bearer <token>'");
  return registry_.authenticate(request.authorization.substr(kBearer.size()));
}

bool Api::is_streamed(const ApiRequest& request) {
  const auto& s = request.segments;
  if (s.size() != 4 || s[0] != "api" || s[1] != "v1") return false;
  return (request.method == "PUT" && s[2] == "blobs") ||
         ((request.method == "PATCH" || request.method == "PUT") && s[2] == "uploads");
}

bool Api::may_block(const ApiRequest& request) {
  const auto& s = request.segments;  // PUT /api/v1/repos/{ns}/{repo}/releases/{version}
  if (request.method == "PUT" && s.size() == 7 && s[0] == "api" && s[2] == "repos" && s[5] == "releases") return true;
  // Sign-up and login hash a password with argon2id (64 MiB, tens of milliseconds).
  if (request.method != "POST" || s.size() < 3 || s[0] != "api") return false;
  return (s.size() == 3 && s[2] == "users") || (s.size() == 4 && s[2] == "auth" && s[3] == "login");
}

ApiResponse Api::log_in(const ApiRequest& request) {
  const json body = body_json(request);
  const std::string name = string_field(body, "name");
  const std::string key = request.client_address + '\x1f' + name;
  if (const long wait = login_throttle_.wait_seconds(key); wait > 0) {
    ApiResponse refused = error_response({"too_many_attempts",
                                          "too many failed logins for '" + name + "' from this address: try again in " +
                                              std::to_string(wait) + " s",
                                          {}, {}});
    refused.headers["Retry-After"] = std::to_string(wait);
    return refused;
  }
  try {
    const auto login = registry_.log_in(name, string_field(body, "password"));
    login_throttle_.succeeded(key);
    return ok({{"token", login.secret}, {"id", login.token.id}, {"scope", storage::scope_name(login.token.scope)}});
  } catch (const Failure& failure) {
    // A name over 64 characters is no account: nothing to guess, nothing to remember
    // (the throttle's memory stays bounded by its entry count times a short key).
    if (failure.error().code == "unauthorized" && name.size() <= 64) login_throttle_.failed(key);
    throw;
  }
}

namespace {

class BlobSink final : public BodySink {
 public:
  explicit BlobSink(std::unique_ptr<storage::BlobIngest> ingest) : ingest_(std::move(ingest)) {}
  void append(std::span<const std::byte> bytes) override { ingest_->append(bytes); }
  std::span<std::byte> reserve() override { return ingest_->reserve(); }
  void commit_reserved(std::size_t bytes) override { ingest_->commit_reserved(bytes); }
  ApiResponse finish() override {
    const crypto::Digest digest = ingest_->finish();
    ApiResponse response = ok({{"digest", digest.to_string()}, {"size", ingest_->size()}}, 201);
    response.headers["Location"] = "/api/v1/blobs/" + digest.to_string();
    return response;
  }

 private:
  std::unique_ptr<storage::BlobIngest> ingest_;
};

ApiResponse session_response(const storage::UploadSession& session, int status) {
  ApiResponse response = ok({{"id", session.id}, {"offset", session.offset}}, status);
  response.headers["Location"] = "/api/v1/uploads/" + session.id;
  response.headers["Upload-Offset"] = std::to_string(session.offset);
  if (session.offset > 0) response.headers["Range"] = "0-" + std::to_string(session.offset - 1);
  return response;
}

// Appends a PATCH (or the last chunk of a PUT) to an upload session; a PUT then
// completes it against the digest given.
class SessionSink final : public BodySink {
 public:
  SessionSink(storage::BlobStore& blobs, storage::UploadSession session, std::optional<crypto::Digest> complete_as)
      : blobs_(blobs),
        session_(std::move(session)),
        complete_as_(std::move(complete_as)),
        appender_(blobs_.append_to_upload(session_.id, session_.offset)) {}
  void append(std::span<const std::byte> bytes) override { appender_->append(bytes); }
  std::span<std::byte> reserve() override { return appender_->reserve(); }
  void commit_reserved(std::size_t bytes) override { appender_->commit_reserved(bytes); }
  ApiResponse finish() override {
    session_.offset = appender_->finish();
    appender_.reset();
    if (!complete_as_) return session_response(session_, 202);
    const crypto::Digest digest = blobs_.complete_upload(session_.id, *complete_as_);
    ApiResponse response = ok({{"digest", digest.to_string()}, {"size", *blobs_.size(digest)}}, 201);
    response.headers["Location"] = "/api/v1/blobs/" + digest.to_string();
    return response;
  }

 private:
  storage::BlobStore& blobs_;
  storage::UploadSession session_;
  std::optional<crypto::Digest> complete_as_;
  std::unique_ptr<storage::UploadAppender> appender_;
};

// The first byte of "bytes a-b/*", "a-b" or "a-b/total"; nullopt when absent.
std::optional<std::uint64_t> range_start(const std::string& header) {
  if (header.empty()) return std::nullopt;
  std::string spec = header.rfind("bytes ", 0) == 0 ? header.substr(6) : header;
  try {
    return std::stoull(spec.substr(0, spec.find('-')));
  } catch (...) {
    bad_request("Content-Range must be 'bytes FIRST-LAST/*', not '" + header + "'");
  }
}

}  // namespace

storage::UploadSession Api::own_session(const registry::Caller& who, const std::string& id) {
  if (who.anonymous()) throw Failure("unauthorized", "sign in to upload: send 'Authorization: Bearer <token>'");
  auto session = blobs_.find_upload(id);
  if (!session || session->owner != who.user->name) throw Failure("not_found", "no upload session " + id);
  return *session;
}

std::unique_ptr<BodySink> Api::begin_stream(const ApiRequest& request) {
  const registry::Caller who = caller(request);
  if (who.anonymous()) throw Failure("unauthorized", "sign in to upload: send 'Authorization: Bearer <token>'");
  if (who.scope < storage::Scope::write) throw Failure("forbidden", "uploading needs a token with scope 'write'");
  if (request.segments[2] == "blobs") {
    const auto digest = crypto::Digest::parse(request.segments[3]);
    if (!digest) bad_request("a blob is named sha256:<64 lower-case hex digits>", request.segments[3]);
    if (!request.content_length) throw Failure("invalid_request", "send the blob with a Content-Length");
    if (*request.content_length > storage::kMaxBlobBytes)
      throw Failure("too_large", "a file may hold at most 2 GiB (2,147,483,648 bytes)");
    return std::make_unique<BlobSink>(std::make_unique<storage::BlobIngest>(blobs_, *digest, *request.content_length));
  }
  storage::UploadSession session = own_session(who, request.segments[3]);
  if (request.content_length && session.offset + *request.content_length > storage::kMaxBlobBytes) {
    blobs_.cancel_upload(session.id);
    throw Failure("too_large", "the upload would pass 2 GiB per file; the session is removed");
  }
  // 416 with the offset to continue at, as a client that lost track needs it.
  auto range_mismatch = [](const storage::UploadSession& at, const std::string& message) {
    ApiResponse response = session_response(at, 416);
    response.body = {{"error", {{"code", "range_mismatch"}, {"message", message}, {"details", json::array()}}},
                     {"offset", at.offset}};
    return EarlyResponse{std::move(response)};
  };
  if (const auto start = range_start(request.content_range); start && *start != session.offset)
    throw range_mismatch(session, "the upload continues at byte " + std::to_string(session.offset));
  std::optional<crypto::Digest> complete_as;
  if (request.method == "PUT") {
    auto it = request.query.find("digest");
    if (it == request.query.end() || !crypto::Digest::parse(it->second))
      bad_request("finish an upload with ?digest=sha256:<64 lower-case hex digits>");
    complete_as = crypto::Digest::parse(it->second);
  }
  try {
    return std::make_unique<SessionSink>(blobs_, session, std::move(complete_as));
  } catch (const Failure& failure) {  // another request is appending to it, or it moved on
    if (failure.error().code != "range_mismatch") throw;
    const auto now = blobs_.find_upload(session.id);
    if (!now) throw Failure("not_found", "no upload session " + session.id);
    throw range_mismatch(*now, failure.error().message);
  }
}

void Api::allow_cross_origin(ApiResponse& response) {
  // Tokens travel in the Authorization header, never in cookies: a page can read only
  // what its own user's token (or nobody's) may read, so any origin may ask.
  response.headers["Access-Control-Allow-Origin"] = "*";
  response.headers["Access-Control-Expose-Headers"] =
      "ETag, X-Content-SHA256, Content-Range, Content-Disposition, Content-Length, Location, Upload-Offset, Range, "
      "Retry-After, Docker-Content-Digest";
}

ApiResponse Api::handle(const ApiRequest& request) {
  try {
    return route(request);
  } catch (const Failure& failure) {
    return error_response(failure.error());
  } catch (const std::exception& e) {
    return error_response({"storage_error", std::string("internal error: ") + e.what(), {}, {}});
  }
}

namespace {
// Who an answer was made for: what a caller may see depends on who they are.
std::string viewer_key(const registry::Caller& who) {
  return who.anonymous() ? std::string("anonymous") : "user " + std::to_string(who.user->id);
}
}  // namespace

ApiResponse Api::search(const ApiRequest& request, const registry::Caller& who) {
  storage::SearchQuery query;
  auto param = [&](const char* key) {
    auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  };
  auto number = [&](const char* key, int fallback) {
    const std::string text = param(key);
    if (text.empty()) return fallback;
    try {
      return std::stoi(text);
    } catch (...) {
      bad_request(std::string(key) + " must be a number");
    }
  };
  static const std::set<std::string> kKnown = {"q", "namespace", "sort", "page", "per_page", "tag", "capability",
                                               "neuron_type", "linear_op", "license", "size", "platform",
                                               "compatible_with"};
  for (const auto& [key, value] : request.query)
    if (!kKnown.count(key)) bad_request("search has no parameter '" + key + "'", key);
  query.text = param("q");
  query.ns = param("namespace");
  if (!param("sort").empty()) query.sort = param("sort");
  query.page = number("page", 1);
  query.per_page = number("per_page", 20);
  for (const char* facet : {"tag", "capability", "neuron_type", "linear_op", "license", "size", "platform",
                            "compatible_with"})
    if (!param(facet).empty()) query.filters.emplace_back(facet, param(facet));
  check_closed_filters(param("size"), param("compatible_with"));
  std::string key = "search\x1f" + viewer_key(who);
  for (const std::string& part : {query.text, query.ns, query.sort, std::to_string(query.page), std::to_string(query.per_page)})
    key += '\x1f' + part;
  for (const auto& [kind, value] : query.filters) key += '\x1f' + kind + '=' + value;
  return cached_answer(key, /*shows_downloads=*/false, [&] { return search_text(query, who); });
}

ApiResponse Api::cached_answer(const std::string& key, bool shows_downloads, const std::function<std::string()>& compute) {
  const std::uint64_t generation = registry_.search_generation();
  const std::uint64_t downloads = shows_downloads ? downloads_counted_.load() : 0;
  const auto now = std::chrono::steady_clock::now();

  std::promise<std::shared_ptr<const std::string>> promise;
  std::shared_future<std::shared_ptr<const std::string>> answer;
  {
    std::lock_guard lock(answer_cache_mutex_);
    auto it = answer_cache_.find(key);
    if (it != answer_cache_.end() && it->second.generation == generation && it->second.downloads == downloads &&
        now - it->second.made < kAnswerCacheAge) {
      answer = it->second.body;
    } else {
      if (answer_cache_.size() >= kAnswerCacheSize) answer_cache_.clear();
      answer_cache_[key] = {generation, downloads, now, promise.get_future().share()};
    }
  }
  if (answer.valid()) return json_text_response(*answer.get());  // rethrows the computation's failure

  try {
    auto body = std::make_shared<const std::string>(compute());
    promise.set_value(body);
    return json_text_response(*body);
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(answer_cache_mutex_);
    if (auto it = answer_cache_.find(key); it != answer_cache_.end() && it->second.made == now) answer_cache_.erase(it);
    throw;
  }
}

std::string Api::search_text(const storage::SearchQuery& query, const registry::Caller& who) {
  const storage::SearchResult found = registry_.search(who, query);
  json results = json::array();
  for (const auto& repo : found.repos) {
    json item = repo_json(repo);
    try {
      const auto latest = registry_.latest(who, repo.ns, repo.name);
      item["latest"] = latest.version;
      item["license"] = latest.license;
      item["extract"] = json::parse(latest.extract_json.empty() ? "{}" : latest.extract_json);
    } catch (const Failure&) {
      item["latest"] = nullptr;
    }
    results.push_back(item);
  }
  return json{{"total", found.total}, {"page", query.page}, {"per_page", query.per_page}, {"results", results},
              {"facets", found.facets}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::shared_ptr<const std::string> Api::cached_release_text(const storage::Release& release) {
  // A release never changes but for its yank flag and reason and its download count,
  // which are in the key.
  const std::string key = std::to_string(release.id) + "/" + std::to_string(release.downloads) +
                          (release.yanked ? "/y/" + release.yank_reason : "/n");
  std::lock_guard lock(release_cache_mutex_);
  if (auto it = release_cache_.find(key); it != release_cache_.end()) return it->second;
  auto text = std::make_shared<const std::string>(
      release_json(release).dump(-1, ' ', false, json::error_handler_t::replace));
  if (release_cache_.size() >= kReleaseCacheSize) release_cache_.clear();
  release_cache_.emplace(key, text);
  return text;
}

std::string Api::release_text(const storage::Release& release) { return *cached_release_text(release); }

ApiResponse Api::download(const ApiRequest& request, const registry::Caller& who, const Params& p) {
  const auto found = registry_.get_repo(who, p.at("ns"), p.at("repo"));
  const auto release = p.at("version") == "latest" ? registry_.latest(who, p.at("ns"), p.at("repo"))
                                                   : registry_.get_release(who, p.at("ns"), p.at("repo"), p.at("version"));
  const auto file = std::find_if(release.files.begin(), release.files.end(),
                                 [&](const auto& f) { return f.name == p.at("name"); });
  if (file == release.files.end())
    throw Failure("not_found", "release " + release.version + " has no file '" + p.at("name") + "'");
  ApiResponse response = ok(nullptr);
  const std::string etag = "\"sha256:" + file->sha256 + "\"";
  response.headers["ETag"] = etag;
  response.headers["Last-Modified"] = http_date(release.created_at);
  // A version's files never change; what "latest" names does.
  const bool exact = p.at("version") != "latest";
  response.headers["Cache-Control"] = exact ? std::string(found.is_private ? "private" : "public") + ", max-age=31536000, immutable"
                                            : std::string(found.is_private ? "private" : "public") + ", no-cache";
  if (none_match_hits(request.if_none_match, etag)) {
    response.status = 304;
    response.headers["Content-Length"] = std::to_string(file->size);
    return response;
  }
  response.headers["X-Content-SHA256"] = file->sha256;
  response.headers["Accept-Ranges"] = "bytes";
  response.headers["Content-Disposition"] = "attachment; filename=\"" + file->name + "\"";
  response.headers["Content-Type"] = "application/octet-stream";
  std::uint64_t first = 0, length = file->size;
  // If-Range: the range holds only for this very file (its entity tag or a date not
  // before the release); otherwise the whole file is sent.
  const bool range_applies = request.if_range.empty() || request.if_range == etag ||
                             request.if_range == response.headers["Last-Modified"];
  if (!request.range.empty() && file->size > 0 && range_applies) {
    const RangeRequest range = byte_range(request.range, file->size);
    if (range.kind == RangeRequest::unsatisfiable) {
      ApiResponse unsatisfiable = error_response({"invalid_request", "unsatisfiable range '" + request.range + "'", {}, {}});
      unsatisfiable.status = 416;
      unsatisfiable.headers["Content-Range"] = "bytes */" + std::to_string(file->size);
      return unsatisfiable;
    }
    if (range.kind == RangeRequest::part) {
      first = range.first;
      length = range.last - range.first + 1;
      response.status = 206;
      response.headers["Content-Range"] = "bytes " + std::to_string(range.first) + "-" +
                                          std::to_string(range.last) + "/" + std::to_string(file->size);
    }
  }
  auto reader = blobs_.open(*crypto::Digest::parse("sha256:" + file->sha256), first);
  if (!reader) throw Failure("storage_error", "the stored file is missing");
  if (request.method == "GET" && first == 0) {
    metadata_.count_download(found.id, release.id);
    ++downloads_counted_;
  }
  response.download = Download{std::move(reader), first, length, file->size};
  return response;
}

ApiResponse Api::publish(const ApiRequest& request, const registry::Caller& who, const Params& p) {
  const json body = body_json(request);
  auto files = body.find("files");
  if (files == body.end() || !files->is_object()) bad_request("'files' maps file names to sha256 digests", "/files");
  registry::ReleaseRequest release{p.at("ns"), p.at("repo"), p.at("version"), {}, body.value("private", false)};
  for (const auto& [name, digest] : files->items()) {
    if (!digest.is_string()) bad_request("each file maps to a \"sha256:<hex>\" string", "/files/" + name);
    release.files[name] = digest.get<std::string>();
  }
  std::vector<Error> warnings;
  json created = release_json(registry_.publish(who, release, &warnings));
  created["warnings"] = json::array();  // in this answer only: the card's, such as a deprecated license id
  for (const auto& w : warnings) created["warnings"].push_back({{"code", w.code}, {"message", w.message}, {"where", w.where}});
  ApiResponse response = ok(std::move(created), 201);
  response.headers["Location"] = "/api/v1/repos/" + p.at("ns") + "/" + p.at("repo") + "/releases/" + p.at("version");
  return response;
}

std::vector<Route> Api::make_routes() {
  using R = const ApiRequest&;
  using C = const registry::Caller&;
  using P = const Params&;
  auto require_user = [](C who) {
    if (who.anonymous()) throw Failure("unauthorized", "not signed in: send 'Authorization: Bearer <token>'");
  };
  return {
      {"GET", "/", "What this server is, and where its API is described", "none", {}, [](R, C, P) { return about(); }},
      {"GET", "/api/v1", "What this server is, and where its API is described", "none", {}, [](R, C, P) { return about(); }},
      {"GET", "/healthz", "Liveness", "none", {}, [](R, C, P) { return ok({{"status", "ok"}}); }},
      {"GET", "/metrics", "Prometheus metrics", "none", {}, [this](R, C, P) {
         if (!metrics_text) throw Failure("not_found", "metrics are off");
         ApiResponse response = ok(nullptr);
         response.text = metrics_text();
         response.headers["Content-Type"] = "text/plain; version=0.0.4";
         return response;
       }},
      {"GET", "/api/v1/openapi.json", "This API, described in OpenAPI 3", "none", {},
       [this](R, C, P) { return ok(openapi()); }},
      {"POST", "/api/v1/users", "Sign up", "none", {"forbidden", "invalid_name", "invalid_password", "name_taken"},
       [this](R r, C, P) {
         if (!signup_open) throw Failure("forbidden", "sign-up is closed on this server; ask an administrator");
         const json body = body_json(r);
         return ok(user_json(registry_.sign_up(string_field(body, "name"), string_field(body, "password"))), 201);
       }},
      {"POST", "/api/v1/auth/login", "Log in with a username and password: a token", "none", {"unauthorized", "too_many_attempts"},
       [this](R r, C, P) { return log_in(r); }},
      {"GET", "/api/v1/audit", "The audit log of a namespace: ?namespace=, limit (100), before (an entry id)", "token",
       {"unauthorized", "forbidden", "invalid_request"}, [this](R r, C who, P) {
         auto param = [&](const char* key) {
           auto it = r.query.find(key);
           return it == r.query.end() ? std::string() : it->second;
         };
         if (param("namespace").empty()) bad_request("give the namespace: ?namespace=NAME", "namespace");
         int limit = 100;
         std::int64_t before = 0;
         try {
           if (!param("limit").empty()) limit = std::stoi(param("limit"));
           if (!param("before").empty()) before = std::stoll(param("before"));
         } catch (...) {
           bad_request("limit and before are numbers");
         }
         json list = json::array();
         for (const auto& e : registry_.audit_log(who, param("namespace"), limit, before))
           list.push_back({{"id", e.id}, {"at", e.at}, {"actor", e.actor}, {"action", e.action}, {"namespace", e.ns},
                           {"target", e.target}, {"detail", e.detail.empty() ? json(nullptr) : json::parse(e.detail)}});
         return ok(list);
       }},
      {"GET", "/api/v1/whoami", "The signed-in user", "token", {"unauthorized"}, [require_user](R, C who, P) {
         require_user(who);
         json body = user_json(*who.user);
         body["scope"] = storage::scope_name(who.scope);
         return ok(body);
       }},
      {"GET", "/api/v1/tokens", "Your tokens (never their secrets)", "token", {"unauthorized"}, [this](R, C who, P) {
         json list = json::array();
         for (const auto& t : registry_.list_tokens(who)) list.push_back(token_json(t));
         return ok(list);
       }},
      {"POST", "/api/v1/tokens", "Create a token; its secret is shown once", "token", {"unauthorized", "forbidden"},
       [this](R r, C who, P) {
         const json body = body_json(r);
         const auto created = registry_.create_token(who, string_field(body, "name"), scope_field(body), expiry_field(body));
         json out = token_json(created.token);
         out["token"] = created.secret;
         return ok(out, 201);
       }},
      {"DELETE", "/api/v1/tokens/{id}", "Revoke a token", "token", {"unauthorized", "not_found"}, [this](R, C who, P p) {
         std::int64_t id = 0;
         try {
           id = std::stoll(p.at("id"));
         } catch (...) {
           throw Failure("not_found", "no token " + p.at("id"));
         }
         registry_.revoke_token(who, id);
         return ok(nullptr, 204);
       }},
      {"POST", "/api/v1/orgs", "Create an organization (you become its owner)", "write",
       {"unauthorized", "forbidden", "invalid_name", "name_taken"}, [this](R r, C who, P) {
         const auto org = registry_.create_org(who, string_field(body_json(r), "name"));
         return ok({{"name", org.name}, {"created_at", org.created_at}}, 201);
       }},
      {"GET", "/api/v1/orgs/{org}/members", "Members and their roles", "member", {"unauthorized", "not_found"},
       [this](R, C who, P p) {
         json list = json::array();
         for (const auto& member : registry_.list_members(who, p.at("org")))
           list.push_back({{"user", member.user}, {"role", storage::role_name(member.role)}});
         return ok(list);
       }},
      {"PUT", "/api/v1/orgs/{org}/members/{user}", "Add a member or change a role", "admin",
       {"unauthorized", "forbidden", "not_found"}, [this](R r, C who, P p) {
         const auto role = storage::role_from_name(string_field(body_json(r), "role"));
         if (!role) bad_request("role is read, write, admin or owner", "/role");
         registry_.set_member(who, p.at("org"), p.at("user"), *role);
         return ok({{"user", p.at("user")}, {"role", storage::role_name(*role)}});
       }},
      {"DELETE", "/api/v1/orgs/{org}/members/{user}", "Remove a member", "admin", {"unauthorized", "forbidden", "not_found"},
       [this](R, C who, P p) {
         registry_.remove_member(who, p.at("org"), p.at("user"));
         return ok(nullptr, 204);
       }},
      {"POST", "/api/v1/repos", "Create a repository", "write",
       {"unauthorized", "forbidden", "invalid_name", "repo_exists", "not_found"}, [this](R r, C who, P) {
         const json body = body_json(r);
         const auto repo = registry_.create_repo(who, string_field(body, "namespace"), string_field(body, "name"),
                                                 body.value("private", false), string_field(body, "description", false));
         return ok(repo_json(repo), 201);
       }},
      {"HEAD", "/api/v1/blobs/{digest}", "Whether a blob is stored (Content-Length: its size)", "none", {"not_found"},
       [this](R, C, P p) {
         const auto digest = crypto::Digest::parse(p.at("digest"));
         const auto size = digest ? blobs_.size(*digest) : std::nullopt;
         if (!size) return ok(nullptr, 404);
         ApiResponse response = ok(nullptr);
         response.headers = {{"Content-Length", std::to_string(*size)}, {"Docker-Content-Digest", p.at("digest")}};
         return response;
       }},
      {"PUT", "/api/v1/blobs/{digest}", "Upload a blob in one request (streamed, verified)", "write",
       {"unauthorized", "forbidden", "too_large", "digest_mismatch", "size_mismatch"}, nullptr},
      {"POST", "/api/v1/uploads", "Start a resumable upload session", "write", {"unauthorized", "forbidden"},
       [this](R, C who, P) {
         if (who.anonymous()) throw Failure("unauthorized", "sign in to upload: send 'Authorization: Bearer <token>'");
         if (who.scope < storage::Scope::write) throw Failure("forbidden", "uploading needs a token with scope 'write'");
         return session_response(blobs_.start_upload(who.user->name), 202);
       }},
      {"GET", "/api/v1/uploads/{id}", "Where an upload session stands (offset)", "token", {"unauthorized", "not_found"},
       [this](R, C who, P p) { return session_response(own_session(who, p.at("id")), 200); }},
      {"PATCH", "/api/v1/uploads/{id}", "Append a chunk (Content-Range: bytes FIRST-LAST/*)", "write",
       {"unauthorized", "not_found", "range_mismatch", "too_large"}, nullptr},
      {"PUT", "/api/v1/uploads/{id}", "Finish an upload: ?digest=sha256:<hex>, optional last chunk", "write",
       {"unauthorized", "not_found", "range_mismatch", "digest_mismatch", "too_large"}, nullptr},
      {"DELETE", "/api/v1/uploads/{id}", "Cancel an upload session", "token", {"unauthorized", "not_found"},
       [this](R, C who, P p) {
         blobs_.cancel_upload(own_session(who, p.at("id")).id);
         return ok(nullptr, 204);
       }},
      {"GET", "/api/v1/search", "Search: q, tag, capability, neuron_type, linear_op, license, size, platform, "
                                "compatible_with, namespace, sort, page, per_page", "none", {"invalid_request"},
       [this](R r, C who, P) { return search(r, who); }},
      {"GET", "/api/v1/repos/{ns}/{repo}", "A repository: visibility, latest, counts", "read", {"not_found"},
       [this](R, C who, P p) {
         const auto found = registry_.get_repo(who, p.at("ns"), p.at("repo"));
         json body = repo_json(found);
         body["release_count"] = registry_.list_releases(who, p.at("ns"), p.at("repo")).size();
         try {
           body["latest"] = registry_.latest(who, p.at("ns"), p.at("repo")).version;
         } catch (const Failure&) {
           body["latest"] = nullptr;
         }
         return ok(body);
       }},
      {"GET", "/api/v1/repos/{ns}/{repo}/releases", "Releases, newest first", "read", {"not_found"},
       [this](R, C who, P p) {
         json list = json::array();
         for (const auto& r : registry_.list_releases(who, p.at("ns"), p.at("repo"))) list.push_back(release_json(r));
         return ok(list);
       }},
      {"GET", "/api/v1/repos/{ns}/{repo}/resolve", "The newest release matching ?req= (^1.2, >=1, <2 ...)", "read",
       {"not_found", "invalid_requirement"}, [this](R r, C who, P p) {
         auto it = r.query.find("req");
         if (it == r.query.end()) bad_request("give the requirement as ?req=^1.2");
         return ok(release_json(registry_.resolve(who, p.at("ns"), p.at("repo"), it->second)));
       }},
      {"GET", "/api/v1/repos/{ns}/{repo}/releases/{version}", "A release (or `latest`): card, extract, findings, "
                                                              "compatibility, files", "read", {"not_found"},
       [this](R, C who, P p) {
         const std::string key = "release\x1f" + viewer_key(who) + '\x1f' + p.at("ns") + '/' + p.at("repo") + '@' + p.at("version");
         return cached_answer(key, /*shows_downloads=*/true, [&] {
           return release_text(p.at("version") == "latest"
                                   ? registry_.latest(who, p.at("ns"), p.at("repo"))
                                   : registry_.get_release(who, p.at("ns"), p.at("repo"), p.at("version")));
         });
       }},
      {"PUT", "/api/v1/repos/{ns}/{repo}/releases/{version}", "Publish a release: {\"files\": {name: digest}}", "write",
       {"unauthorized", "forbidden", "not_found", "invalid_version", "invalid_request", "blob_unknown",
        "invalid_release", "release_exists"},
       [this](R r, C who, P p) { return publish(r, who, p); }},
      {"POST", "/api/v1/repos/{ns}/{repo}/releases/{version}/yank", "Yank a release: {\"reason\": ...}", "admin",
       {"unauthorized", "forbidden", "not_found"}, [this](R r, C who, P p) {
         registry_.set_yanked(who, p.at("ns"), p.at("repo"), p.at("version"), true, string_field(body_json(r), "reason"));
         return ok(release_json(registry_.get_release(who, p.at("ns"), p.at("repo"), p.at("version"))));
       }},
      {"POST", "/api/v1/repos/{ns}/{repo}/releases/{version}/unyank", "Unyank a release", "admin",
       {"unauthorized", "forbidden", "not_found"}, [this](R, C who, P p) {
         registry_.set_yanked(who, p.at("ns"), p.at("repo"), p.at("version"), false, "");
         return ok(release_json(registry_.get_release(who, p.at("ns"), p.at("repo"), p.at("version"))));
       }},
      {"GET", "/api/v1/repos/{ns}/{repo}/releases/{version}/files/{name}", "Download a file (Range, If-Range, "
                                                                           "If-None-Match, ETag, X-Content-SHA256)", "read", {"not_found"},
       [this](R r, C who, P p) { return download(r, who, p); }},
      {"HEAD", "/api/v1/repos/{ns}/{repo}/releases/{version}/files/{name}", "A file's headers", "read", {"not_found"},
       [this](R r, C who, P p) { return download(r, who, p); }},
  };
}

// The segments of a route pattern match those of a path; {name} captures one.
std::optional<Params> match(const std::string& pattern, const std::vector<std::string>& segments) {
  if (pattern == "/") return segments.empty() ? std::optional<Params>(Params{}) : std::nullopt;
  Params params;
  std::size_t i = 0, start = 1;
  while (start <= pattern.size()) {
    const std::size_t end = std::min(pattern.find('/', start), pattern.size());
    const std::string part = pattern.substr(start, end - start);
    if (i >= segments.size()) return std::nullopt;
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') params[part.substr(1, part.size() - 2)] = segments[i];
    else if (part != segments[i]) return std::nullopt;
    ++i;
    start = end + 1;
  }
  if (i != segments.size()) return std::nullopt;
  return params;
}

ApiResponse Api::route(const ApiRequest& request) {
  bool path_known = false;
  const Route* get_route = nullptr;
  std::optional<Params> get_params;
  for (const auto& route : routes_) {
    auto params = match(route.pattern, request.segments);
    if (!params) continue;
    path_known = true;
    if (route.method == request.method && route.handler) return route.handler(request, caller(request), *params);
    if (route.method == "GET" && route.handler && !get_route) get_route = &route, get_params = std::move(params);
  }
  // HEAD is GET without the body (the network layer sends the headers only).
  if (request.method == "HEAD" && get_route) return get_route->handler(request, caller(request), *get_params);
  if (!path_known) throw Failure("not_found", "no such endpoint");
  const std::string allow = allowed_methods(request.segments);
  if (request.method == "OPTIONS") {  // what a browser asks before a cross-origin request
    ApiResponse preflight = ok(nullptr, 204);
    preflight.headers["Allow"] = allow;
    preflight.headers["Access-Control-Allow-Methods"] = allow;
    preflight.headers["Access-Control-Allow-Headers"] =
        "Authorization, Content-Type, Content-Range, Range, If-None-Match, If-Range";
    preflight.headers["Access-Control-Max-Age"] = "86400";
    return preflight;
  }
  ApiResponse response =
      error_response({"invalid_request", request.method + " is not allowed here (allowed: " + allow + ")", {}, {}});
  response.status = 405;
  response.headers["Allow"] = allow;
  return response;
}

// "GET, HEAD, OPTIONS, POST": what a known path takes (for a 405 or a preflight only,
// so that routing itself allocates nothing).
std::string Api::allowed_methods(const std::vector<std::string>& segments) const {
  std::set<std::string> allowed{"OPTIONS"};
  for (const auto& route : routes_) {
    if (!match(route.pattern, segments)) continue;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
  }
  std::string allow;
  for (const auto& method : allowed) allow += (allow.empty() ? "" : ", ") + method;
  return allow;
}

json Api::openapi() const {
  json paths = json::object();
  for (const auto& route : routes_) {
    json parameters = json::array();
    for (std::size_t open = route.pattern.find('{'); open != std::string::npos; open = route.pattern.find('{', open + 1))
      parameters.push_back({{"name", route.pattern.substr(open + 1, route.pattern.find('}', open) - open - 1)},
                            {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    json responses = {{"2XX", {{"description", "success"}}}};
    for (const auto code : route.errors) {
      const std::string status = std::to_string(registry::http_status_of(code));
      std::string meaning;
      for (const auto& e : registry::error_codes())
        if (e.code == code) meaning = std::string(e.meaning);
      std::string& description = responses[status]["description"].is_string()
                                     ? responses[status]["description"].get_ref<std::string&>()
                                     : (responses[status]["description"] = "").get_ref<std::string&>();
      description += (description.empty() ? "" : "; ") + std::string(code) + ": " + meaning;
    }
    json operation = {{"summary", route.summary}, {"parameters", parameters}, {"responses", responses},
                      {"x-synfire-auth", route.auth}};
    if (std::string(route.auth) != "none") operation["security"] = json::array({{{"bearer", json::array()}}});
    std::string method = route.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.pattern][method] = operation;
  }
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "Synfire registry API"}, {"version", "1"},
                    {"description", "Publish, find and fetch NIR models. Errors: {\"error\": {code, message, details}}."}}},
          {"paths", paths},
          {"components", {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace synfire::server
