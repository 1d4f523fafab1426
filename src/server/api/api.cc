#include "api.h"

#include <functional>
#include <set>

#include "synfire/error.h"
#include "synfire/registry/compatibility.h"
#include "synfire/registry/errors.h"

namespace synfire::server {
namespace {

using nlohmann::json;
using Params = std::map<std::string, std::string>;

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
          {"files", files}};
}

ApiResponse ok(json body, int status = 200) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
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

// Parses "bytes=a-b" / "bytes=a-" / "bytes=-n" for a file of `total` bytes.
std::optional<std::pair<std::uint64_t, std::uint64_t>> byte_range(const std::string& header, std::uint64_t total) {
  if (header.rfind("bytes=", 0) != 0 || header.find(',') != std::string::npos) return std::nullopt;
  const std::string spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  try {
    const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
    if (a.empty()) {
      const std::uint64_t n = std::stoull(b);
      if (n == 0) return std::nullopt;
      return std::pair{total - std::min(n, total), total - 1};
    }
    const std::uint64_t first = std::stoull(a);
    const std::uint64_t last = b.empty() ? total - 1 : std::min<std::uint64_t>(std::stoull(b), total - 1);
    if (first > last || first >= total) return std::nullopt;
    return std::pair{first, last};
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

Api::Api(registry::Registry& registry, storage::BlobStore& blobs, storage::MetadataStore& metadata)
    : registry_(registry), blobs_(blobs), metadata_(metadata) {}

ApiResponse Api::error_response(const Error& error) {
  json details = json::array();
  for (const auto& d : error.details) details.push_back({{"code", d.code}, {"message", d.message}, {"where", d.where}});
  json body = {{"error", {{"code", error.code}, {"message", error.message}, {"details", details}}}};
  if (!error.where.empty()) body["error"]["where"] = error.where;
  ApiResponse response = ok(body, registry::http_status_of(error.code));
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

namespace {

class BlobSink final : public BodySink {
 public:
  explicit BlobSink(std::unique_ptr<storage::BlobIngest> ingest) : ingest_(std::move(ingest)) {}
  void append(std::span<const std::byte> bytes) override { ingest_->append(bytes); }
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
      : blobs_(blobs), session_(std::move(session)), complete_as_(std::move(complete_as)) {}
  void append(std::span<const std::byte> bytes) override {
    session_.offset = blobs_.append_upload(session_.id, session_.offset, bytes);
  }
  ApiResponse finish() override {
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
  if (const auto start = range_start(request.content_range); start && *start != session.offset) {
    ApiResponse response = session_response(session, 416);
    response.body = {{"error", {{"code", "range_mismatch"},
                                {"message", "the upload continues at byte " + std::to_string(session.offset)},
                                {"details", json::array()}}},
                     {"offset", session.offset}};
    throw EarlyResponse{std::move(response)};
  }
  std::optional<crypto::Digest> complete_as;
  if (request.method == "PUT") {
    auto it = request.query.find("digest");
    if (it == request.query.end() || !crypto::Digest::parse(it->second))
      bad_request("finish an upload with ?digest=sha256:<64 lower-case hex digits>");
    complete_as = crypto::Digest::parse(it->second);
  }
  return std::make_unique<SessionSink>(blobs_, std::move(session), std::move(complete_as));
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

ApiResponse Api::route(const ApiRequest& request) {
  const auto& s = request.segments;
  const auto& m = request.method;
  auto is = [&](std::initializer_list<const char*> pattern) {
    if (s.size() != pattern.size()) return false;
    std::size_t i = 0;
    for (const char* p : pattern) {
      if (p[0] != '*' && s[i] != p) return false;
      ++i;
    }
    return true;
  };

  if (m == "GET" && is({"healthz"})) return ok({{"status", "ok"}});
  if (m == "GET" && is({"metrics"}) && metrics_text) {
    ApiResponse response = ok(nullptr);
    response.text = metrics_text();
    response.headers["Content-Type"] = "text/plain; version=0.0.4";
    return response;
  }
  if (s.size() < 2 || s[0] != "api" || s[1] != "v1") throw Failure("not_found", "no such page");
  const registry::Caller who = caller(request);

  if (m == "POST" && is({"api", "v1", "users"})) {
    const json body = body_json(request);
    return ok(user_json(registry_.sign_up(string_field(body, "name"), string_field(body, "password"))), 201);
  }
  if (m == "POST" && is({"api", "v1", "auth", "login"})) {
    const json body = body_json(request);
    const auto login = registry_.log_in(string_field(body, "name"), string_field(body, "password"));
    return ok({{"token", login.secret}, {"id", login.token.id}, {"scope", storage::scope_name(login.token.scope)}});
  }
  if (m == "GET" && is({"api", "v1", "whoami"})) {
    if (who.anonymous()) throw Failure("unauthorized", "not signed in");
    json body = user_json(*who.user);
    body["scope"] = storage::scope_name(who.scope);
    return ok(body);
  }
  if (is({"api", "v1", "tokens"})) {
    if (m == "GET") {
      json list = json::array();
      for (const auto& t : registry_.list_tokens(who)) list.push_back(token_json(t));
      return ok(list);
    }
    if (m == "POST") {
      const json body = body_json(request);
      const auto created = registry_.create_token(who, string_field(body, "name"), scope_field(body), expiry_field(body));
      json out = token_json(created.token);
      out["token"] = created.secret;
      return ok(out, 201);
    }
  }
  if (m == "DELETE" && is({"api", "v1", "tokens", "*"})) {
    std::int64_t id = 0;
    try {
      id = std::stoll(s[3]);
    } catch (...) {
      throw Failure("not_found", "no token " + s[3]);
    }
    registry_.revoke_token(who, id);
    return ok(nullptr, 204);
  }
  if (m == "POST" && is({"api", "v1", "orgs"})) {
    const auto org = registry_.create_org(who, string_field(body_json(request), "name"));
    return ok({{"name", org.name}, {"created_at", org.created_at}}, 201);
  }
  if (m == "GET" && is({"api", "v1", "orgs", "*", "members"})) {
    json list = json::array();
    for (const auto& member : registry_.list_members(who, s[3]))
      list.push_back({{"user", member.user}, {"role", storage::role_name(member.role)}});
    return ok(list);
  }
  if (is({"api", "v1", "orgs", "*", "members", "*"})) {
    if (m == "PUT") {
      const auto role = storage::role_from_name(string_field(body_json(request), "role"));
      if (!role) bad_request("role is read, write, admin or owner", "/role");
      registry_.set_member(who, s[3], s[5], *role);
      return ok({{"user", s[5]}, {"role", storage::role_name(*role)}});
    }
    if (m == "DELETE") {
      registry_.remove_member(who, s[3], s[5]);
      return ok(nullptr, 204);
    }
  }
  if (m == "POST" && is({"api", "v1", "repos"})) {
    const json body = body_json(request);
    const bool is_private = body.value("private", false);
    const auto repo = registry_.create_repo(who, string_field(body, "namespace"), string_field(body, "name"), is_private,
                                            string_field(body, "description", false));
    return ok(repo_json(repo), 201);
  }
  if (s.size() >= 3 && s[2] == "uploads") return route_uploads(request, who);
  if (m == "GET" && is({"api", "v1", "search"})) return search(request, who);
  if (m == "HEAD" && is({"api", "v1", "blobs", "*"})) {
    const auto digest = crypto::Digest::parse(s[3]);
    const auto size = digest ? blobs_.size(*digest) : std::nullopt;
    if (!size) return ok(nullptr, 404);
    ApiResponse response = ok(nullptr);
    response.headers = {{"Content-Length", std::to_string(*size)}, {"Docker-Content-Digest", s[3]}};
    return response;
  }
  if (s.size() >= 5 && s[2] == "repos") return route_repo(request, who);
  throw Failure("not_found", "no such endpoint: " + m + " /" + [&] {
    std::string path;
    for (std::size_t i = 0; i < s.size(); ++i) path += (i ? "/" : "") + s[i];
    return path;
  }());
}

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
  return ok({{"total", found.total}, {"page", query.page}, {"per_page", query.per_page}, {"results", results},
             {"facets", found.facets}});
}

ApiResponse Api::route_uploads(const ApiRequest& request, const registry::Caller& who) {
  const auto& s = request.segments;
  if (request.method == "POST" && s.size() == 3) {
    if (who.anonymous()) throw Failure("unauthorized", "sign in to upload: send 'Authorization: Bearer <token>'");
    if (who.scope < storage::Scope::write) throw Failure("forbidden", "uploading needs a token with scope 'write'");
    return session_response(blobs_.start_upload(who.user->name), 202);
  }
  if (s.size() == 4 && request.method == "GET") return session_response(own_session(who, s[3]), 200);
  if (s.size() == 4 && request.method == "DELETE") {
    blobs_.cancel_upload(own_session(who, s[3]).id);
    return ok(nullptr, 204);
  }
  throw Failure("not_found", "no such endpoint");
}

ApiResponse Api::route_repo(const ApiRequest& request, const registry::Caller& who) {
  const auto& s = request.segments;
  const auto& m = request.method;
  const std::string& ns = s[3];
  const std::string& repo = s[4];
  if (s.size() == 5 && m == "GET") {
    const auto found = registry_.get_repo(who, ns, repo);
    json body = repo_json(found);
    const auto releases = registry_.list_releases(who, ns, repo);
    body["release_count"] = releases.size();
    try {
      body["latest"] = registry_.latest(who, ns, repo).version;
    } catch (const Failure&) {
      body["latest"] = nullptr;
    }
    return ok(body);
  }
  if (s.size() == 6 && m == "GET" && s[5] == "releases") {
    json list = json::array();
    for (const auto& r : registry_.list_releases(who, ns, repo)) list.push_back(release_json(r));
    return ok(list);
  }
  if (s.size() == 6 && m == "GET" && s[5] == "resolve") {
    auto it = request.query.find("req");
    if (it == request.query.end()) bad_request("give the requirement as ?req=^1.2");
    return ok(release_json(registry_.resolve(who, ns, repo, it->second)));
  }
  if (s.size() == 7 && s[5] == "releases") {
    const std::string& version = s[6];
    if (m == "GET") {
      return ok(release_json(version == "latest" ? registry_.latest(who, ns, repo)
                                                 : registry_.get_release(who, ns, repo, version)));
    }
    if (m == "PUT") {
      const json body = body_json(request);
      auto files = body.find("files");
      if (files == body.end() || !files->is_object()) bad_request("'files' maps file names to sha256 digests", "/files");
      registry::ReleaseRequest release{ns, repo, version, {}, body.value("private", false)};
      for (const auto& [name, digest] : files->items()) {
        if (!digest.is_string()) bad_request("each file maps to a \"sha256:<hex>\" string", "/files/" + name);
        release.files[name] = digest.get<std::string>();
      }
      ApiResponse response = ok(release_json(registry_.publish(who, release)), 201);
      response.headers["Location"] = "/api/v1/repos/" + ns + "/" + repo + "/releases/" + version;
      return response;
    }
  }
  if (s.size() == 8 && s[5] == "releases" && m == "POST" && (s[7] == "yank" || s[7] == "unyank")) {
    const bool yank = s[7] == "yank";
    const std::string reason = yank ? string_field(body_json(request), "reason") : "";
    registry_.set_yanked(who, ns, repo, s[6], yank, reason);
    return ok(release_json(registry_.get_release(who, ns, repo, s[6])));
  }
  if (s.size() == 9 && s[5] == "releases" && s[7] == "files" && (m == "GET" || m == "HEAD")) {
    const auto found = registry_.get_repo(who, ns, repo);
    const auto release = s[6] == "latest" ? registry_.latest(who, ns, repo) : registry_.get_release(who, ns, repo, s[6]);
    const auto file = std::find_if(release.files.begin(), release.files.end(), [&](const auto& f) { return f.name == s[8]; });
    if (file == release.files.end()) throw Failure("not_found", "release " + release.version + " has no file '" + s[8] + "'");
    ApiResponse response = ok(nullptr);
    response.headers["ETag"] = "\"sha256:" + file->sha256 + "\"";
    response.headers["X-Content-SHA256"] = file->sha256;
    response.headers["Accept-Ranges"] = "bytes";
    response.headers["Content-Disposition"] = "attachment; filename=\"" + file->name + "\"";
    response.headers["Content-Type"] = "application/octet-stream";
    std::uint64_t first = 0, length = file->size;
    if (!request.range.empty() && file->size > 0) {
      const auto range = byte_range(request.range, file->size);
      if (!range) {
        ApiResponse unsatisfiable = error_response({"invalid_request", "unsatisfiable range '" + request.range + "'", {}, {}});
        unsatisfiable.status = 416;
        unsatisfiable.headers["Content-Range"] = "bytes */" + std::to_string(file->size);
        return unsatisfiable;
      }
      first = range->first;
      length = range->second - range->first + 1;
      response.status = 206;
      response.headers["Content-Range"] = "bytes " + std::to_string(range->first) + "-" +
                                          std::to_string(range->second) + "/" + std::to_string(file->size);
    }
    auto reader = blobs_.open(*crypto::Digest::parse("sha256:" + file->sha256), first);
    if (!reader) throw Failure("storage_error", "the stored file is missing");
    if (m == "GET" && first == 0) metadata_.count_download(found.id);
    response.download = Download{std::move(reader), first, length, file->size};
    return response;
  }
  throw Failure("not_found", "no such endpoint");
}

}  // namespace synfire::server
