#pragma once
// The one client of a Synfire server (libcurl), used by the `synfire` CLI and the
// Python module: settings and credentials, the JSON API, and the two transfers that
// matter, push (validated locally, content-addressed, resumable) and pull (resolved,
// resumed with Range, verified by SHA-256, cached by content).
//
// Every failure is a ClientFailure: the server's error code when the server refused
// (not_found, release_exists, invalid_release ...), else one of the client's own:
// not_logged_in, invalid_input, checksum_mismatch, connection_failed, offline_miss,
// interrupted.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "synfire/error.h"

namespace synfire::client {

class ClientFailure : public Failure {
 public:
  ClientFailure(Error error, long http_status = 0) : Failure(std::move(error)), http_status_(http_status) {}
  ClientFailure(std::string code, std::string message, std::string where = {}, long http_status = 0)
      : ClientFailure(Error{std::move(code), std::move(message), std::move(where), {}}, http_status) {}
  long http_status() const noexcept { return http_status_; }
  // The server's Retry-After in seconds (429, 503), -1 when it gave none.
  long retry_after_seconds() const noexcept { return retry_after_seconds_; }
  ClientFailure& with_retry_after(long seconds) noexcept {
    retry_after_seconds_ = seconds;
    return *this;
  }

 private:
  long http_status_;
  long retry_after_seconds_ = -1;
};

struct Settings {
  std::string endpoint = "http://127.0.0.1:8080";
  std::string token;                    // empty: anonymous
  std::filesystem::path config_dir;     // $XDG_CONFIG_HOME/synfire (credentials, config.toml)
  std::filesystem::path cache_dir;      // $XDG_CACHE_HOME/synfire (blobs, releases, upload sessions)
  bool offline = false;                 // SYNFIRE_OFFLINE=1: pull from the cache only
  std::uint64_t chunk_bytes = 256ull << 20;  // upload session chunk (one PATCH)
  std::uint64_t max_rate = 0;               // bytes/s per transfer, 0 = unlimited
  int retries = 4;                          // for idempotent steps
};

// Endpoint: `endpoint` if given, else SYNFIRE_ENDPOINT, else config.toml's
// `endpoint = "..."`, else http://127.0.0.1:8080. Token: `token` if given, else
// SYNFIRE_TOKEN, else the credentials file's entry for that endpoint. Also read:
// SYNFIRE_OFFLINE=1 (pull from the cache only), SYNFIRE_LIMIT_RATE (bytes/s).
Settings load_settings(const std::optional<std::string>& endpoint = std::nullopt,
                       const std::optional<std::string>& token = std::nullopt);

// "500K", "20M", "1G" or plain bytes per second (--limit-rate, SYNFIRE_LIMIT_RATE).
std::uint64_t parse_rate(const std::string& text);

// The credentials file ($XDG_CONFIG_HOME/synfire/credentials, JSON, mode 0600):
// one token per endpoint.
void save_credentials(const Settings& settings, const std::string& token, const std::string& user);
bool forget_credentials(const Settings& settings);  // false when there was none

struct Progress {
  std::string phase;  // "hash", "upload", "download", "verify"
  std::string file;   // model.nir ...
  std::uint64_t done = 0, total = 0;
};
// Called from the calling thread, and from a hashing thread while a large file is
// hashed and uploaded at once: it must be thread-safe.
using ProgressFn = std::function<void(const Progress&)>;
// Called often during transfers; returning true stops the work with `interrupted`.
using CancelFn = std::function<bool()>;

struct PushRequest {
  std::string repository;  // "namespace/name"
  std::string version;
  std::filesystem::path model_path, card_path;
  std::optional<std::filesystem::path> notes_path;  // RELEASE_NOTES.md from a file ...
  std::optional<std::string> notes_text;            // ... or given as text
  bool make_private = false;
};

struct PushResult {
  nlohmann::json release;  // the server's release object, plus "repository" and "url"
  std::uint64_t bytes_sent = 0, bytes_skipped = 0;  // skipped: already on the server
  std::vector<Error> warnings;  // the card's (a deprecated license id ...), where "nir-card.json#/license"
  // The release with "warnings": [{"code", "message", "where"}] added.
  nlohmann::json release_with_warnings() const;
};

struct PullRequest {
  std::string repository;
  std::string requirement = "latest";  // "latest", an exact version or "^1.0", ">=1, <2" ...
  std::optional<std::filesystem::path> dest;  // none: a snapshot folder in the cache
};

struct PullResult {
  nlohmann::json release;
  std::filesystem::path directory;
  std::map<std::string, std::filesystem::path> files;  // name -> local path
  std::uint64_t bytes_received = 0;
  bool from_cache = false;  // every file came from the cache
};

// The local cache (settings.cache_dir): what it holds, and emptying it.
struct CacheReport {
  struct CachedRelease {
    std::string server;      // "127.0.0.1_8080": the endpoint as a folder name
    std::string repository;  // "ns/name"
    std::string version;
  };
  std::filesystem::path directory;
  std::vector<CachedRelease> releases;  // descriptions kept for SYNFIRE_OFFLINE=1
  std::uint64_t files = 0, file_bytes = 0;  // verified downloads, each stored once
  std::uint64_t partial_bytes = 0;          // interrupted downloads, resumed by the next pull
  std::uint64_t resumable_pushes = 0;       // interrupted pushes the next push continues
};
CacheReport inspect_cache(const Settings& settings);
// {"directory", "files", "file_bytes", "partial_bytes", "resumable_pushes",
//  "releases": [{"server", "repository", "version"}]}: the CLI's --json and Python's dict.
nlohmann::json to_json(const CacheReport& report);
// Removes everything the cache holds and returns the bytes freed. Files pulled into a
// folder (-o, dest=) are hard links or copies and stay; snapshot paths returned by a
// pull without a destination go. A pull running meanwhile fails and can be rerun.
std::uint64_t clear_cache(const Settings& settings);

// Splits "ns/name[@req]"; throws invalid_input naming the problem.
struct RepoRef {
  std::string ns, name;
  std::optional<std::string> requirement;
};
RepoRef parse_repo_ref(const std::string& text, bool allow_requirement);

// "1.0.1" for an existing "1.0.0": what to publish instead.
std::string next_patch_version(const std::string& version);

class Client {
 public:
  explicit Client(Settings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Settings& settings() const { return settings_; }
  void set_progress(ProgressFn fn) { progress_ = std::move(fn); }
  void set_cancel(CancelFn fn) { cancel_ = std::move(fn); }

  // Accounts and tokens.
  std::string login(const std::string& user, const std::string& password);  // the token
  nlohmann::json whoami();
  nlohmann::json create_token(const std::string& name, const std::string& scope, std::optional<std::int64_t> expires_at);
  nlohmann::json list_tokens();
  void revoke_token(std::int64_t id);

  // Organizations.
  nlohmann::json create_org(const std::string& name);
  nlohmann::json org_members(const std::string& org);
  nlohmann::json set_org_member(const std::string& org, const std::string& user, const std::string& role);
  void remove_org_member(const std::string& org, const std::string& user);

  // Reading.
  nlohmann::json repository(const std::string& repo);
  nlohmann::json release(const std::string& repo, const std::string& requirement = "latest");
  nlohmann::json versions(const std::string& repo);
  nlohmann::json search(const std::map<std::string, std::string>& params);
  nlohmann::json yank(const std::string& repo, const std::string& version, const std::string& reason, bool yanked);
  // The namespace's audit log, newest first (for its owners and admins).
  nlohmann::json audit(const std::string& ns, int limit = 100, std::int64_t before = 0);

  PushResult push(const PushRequest& request);
  PullResult pull(const PullRequest& request);

  // The release's page-like address: endpoint/api/v1/repos/ns/name/releases/version.
  std::string release_url(const std::string& repo, const std::string& version) const;

 private:
  struct Http;
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json* body,
                      const std::string& what);
  void require_token(const std::string& what) const;

  Settings settings_;
  std::unique_ptr<Http> http_;
  ProgressFn progress_;
  CancelFn cancel_;
};

}  // namespace synfire::client
