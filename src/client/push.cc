// Push: validate locally, hash, skip what the server has, upload the rest through
// resumable sessions, commit the release.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>
#include <set>
#include <vector>

#include "api_calls.h"
#include "synfire/card/card.h"
#include "synfire/crypto/sha256.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/reader.h"
#include "synfire/semver/semver.h"

namespace synfire::client {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxNotesBytes = 1 << 20;
constexpr std::uint64_t kSingleRequestBytes = 8 << 20;  // smaller blobs go in one PUT

class FileDescriptor {
 public:
  explicit FileDescriptor(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw ClientFailure("invalid_input", "cannot open the file", path.string());
  }
  ~FileDescriptor() { ::close(fd_); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// One file of the release: on disk, or text given in memory (release notes).
struct LocalFile {
  std::string name;
  fs::path path;
  std::optional<std::string> text;
  std::uint64_t size = 0;
  crypto::Digest digest;
  bool digest_known = false;
  std::string identity;  // path, size, mtime, inode: names this version of the file in the cache
};

// The same checks and messages as the server's, so that a bad release fails here.
// Returns the card's warnings.
std::vector<Error> validate_locally(const PushRequest& request, const RepoRef& ref) {
  Error invalid{"invalid_release", "the release is invalid", ref.ns + "/" + ref.name, {}};
  const card::Result card = card::validate_file(request.card_path.string());
  for (const auto& e : card.errors) invalid.details.push_back({e.code, e.message, "nir-card.json#" + e.pointer, {}});
  try {
    nir::analyze(nir::read_file(request.model_path.string()));
  } catch (const Failure& failure) {
    const Error& e = failure.error();
    invalid.details.push_back({e.code, "model.nir: " + e.message, "model.nir" + (e.where.rfind('/', 0) == 0 ? e.where : ""), {}});
  }
  if (!invalid.details.empty()) throw ClientFailure(invalid);
  std::vector<Error> warnings;
  for (const auto& w : card.warnings) warnings.push_back({w.code, w.message, "nir-card.json#" + w.pointer, {}});
  return warnings;
}

void require_file(const fs::path& path, const std::string& what) {
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw ClientFailure("invalid_input", what + " is not a readable file", path.string());
}

std::vector<LocalFile> release_files(const PushRequest& request) {
  require_file(request.model_path, "the model");
  require_file(request.card_path, "the card");
  std::vector<LocalFile> files{{"model.nir", request.model_path, {}, 0, {}, false, {}},
                                {"nir-card.json", request.card_path, {}, 0, {}, false, {}}};
  if (request.notes_path) {
    require_file(*request.notes_path, "the release notes");
    files.push_back({"RELEASE_NOTES.md", *request.notes_path, {}, 0, {}, false, {}});
  } else if (request.notes_text) {
    files.push_back({"RELEASE_NOTES.md", {}, *request.notes_text, request.notes_text->size(), {}, false, {}});
  }
  for (auto& f : files)
    if (!f.text) f.size = fs::file_size(f.path);
  for (const auto& f : files)
    if (f.name == "RELEASE_NOTES.md" && f.size > kMaxNotesBytes)
      throw ClientFailure("invalid_input", "release notes are limited to 1 MiB", f.text ? "RELEASE_NOTES.md" : f.path.string());
  return files;
}

// Hashes a file; `on_progress` gets the bytes done; returning true from `stop` ends it.
crypto::Digest hash_file(const fs::path& path, std::uint64_t size, const std::function<void(std::uint64_t)>& on_progress,
                         const std::function<bool()>& stop) {
  FileDescriptor fd(path);
  crypto::Sha256 hasher;
  std::vector<std::byte> buffer(1 << 20);
  std::uint64_t done = 0;
  for (ssize_t n; (n = ::read(fd.get(), buffer.data(), buffer.size())) != 0;) {
    if (n < 0) throw ClientFailure("io_error", "cannot read the file", path.string());
    hasher.update(std::span(buffer.data(), static_cast<std::size_t>(n)));
    done += static_cast<std::uint64_t>(n);
    on_progress(done);
    if (stop()) throw ClientFailure("interrupted", "interrupted");
  }
  if (done != size) throw ClientFailure("io_error", "the file changed while it was being read", path.string());
  return {hasher.finish_hex()};
}

void hash(const Context& context, LocalFile& file) {
  if (file.text) file.digest = {crypto::sha256_hex(*file.text)};
  else
    file.digest = hash_file(
        file.path, file.size, [&](std::uint64_t done) { context.report("hash", file.name, done, file.size); },
        [&] { return context.cancel && context.cancel(); });
  file.digest_known = true;
}

// The file's SHA-256, computed on a thread of its own while the upload runs: hashing
// 1 GiB takes about as long as sending it on a fast link, so they overlap.
class BackgroundHash {
 public:
  // `on_progress` is called from the hashing thread.
  BackgroundHash(const LocalFile& file, std::function<void(std::uint64_t)> on_progress)
      : thread_([this, path = file.path, size = file.size, on_progress = std::move(on_progress)](std::stop_token stop) {
          try {
            digest_ = hash_file(path, size, on_progress, [&] { return stop.stop_requested(); });
          } catch (...) {
            error_ = std::current_exception();
          }
          done_ = true;
        }) {}
  bool ready() const { return done_; }
  crypto::Digest get() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
    return digest_;
  }

 private:
  std::atomic<bool> done_{false};
  crypto::Digest digest_;
  std::exception_ptr error_;
  std::jthread thread_;  // last: starts once the members above exist; stops and joins first
};

// Digests of files hashed before, by identity (a changed file has a new identity).
class DigestMemo {
 public:
  explicit DigestMemo(const Settings& settings) : dir_(settings.cache_dir / "hashes") {}
  bool recall(LocalFile& file) const {
    std::ifstream in(dir_ / file.identity);
    std::string hex;
    if (!(in >> hex) || !crypto::Digest::is_hex(hex)) return false;
    file.digest = {hex};
    return file.digest_known = true;
  }
  void remember(const LocalFile& file) const {
    std::error_code error;
    fs::create_directories(dir_, error);
    std::ofstream(dir_ / file.identity) << file.digest.hex << "\n";
  }

 private:
  fs::path dir_;
};

std::string identity_of(const fs::path& path) {
  struct stat st {};
  std::error_code error;
  const fs::path absolute = fs::weakly_canonical(path, error);
  if (::stat(path.c_str(), &st) != 0) throw ClientFailure("invalid_input", "cannot read the file", path.string());
  return crypto::sha256_hex(absolute.string() + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) +
                            "." + std::to_string(st.st_mtim.tv_nsec) + "|" + std::to_string(st.st_ino) + "|" +
                            std::to_string(st.st_dev));
}

bool server_has(const Context& context, const LocalFile& file) {
  Response response;
  with_retries(context.settings, context.cancel, [&] {
    response = context.http.send("HEAD", "/api/v1/blobs/" + file.digest.to_string());
    if (response.status != 200 && response.status != 404) raise_for(response, "checking " + file.name);
  });
  return response.status == 200;
}

// Where an interrupted upload session of a blob is remembered, for the next push.
class SessionMemo {
 public:
  SessionMemo(const Settings& settings, const std::string& identity)
      : settings_(settings), path_(settings.cache_dir / "uploads" / (identity + ".json")) {}

  std::optional<std::string> recall() const {
    std::ifstream in(path_);
    const auto memo = nlohmann::json::parse(in, nullptr, false);
    if (!memo.is_object() || memo.value("endpoint", "") != settings_.endpoint) return std::nullopt;
    return memo.value("id", "");
  }
  void remember(const std::string& id) const {
    std::error_code error;
    fs::create_directories(path_.parent_path(), error);
    std::ofstream(path_) << nlohmann::json{{"endpoint", settings_.endpoint}, {"id", id}}.dump() << "\n";
  }
  void forget() const {
    std::error_code error;
    fs::remove(path_, error);
  }

 private:
  const Settings& settings_;
  fs::path path_;
};

std::uint64_t offset_of(const Response& response) {
  const std::string header = response.header("upload-offset");
  try {
    return header.empty() ? 0 : std::stoull(header);
  } catch (...) {
    throw ClientFailure("server_error", "the server sent a bad Upload-Offset: '" + header + "'");
  }
}

class BlobUpload {
 public:
  BlobUpload(const Context& context, LocalFile& file) : context_(context), file_(file), memo_(context.settings, file.identity) {}

  // Sends the blob; returns the bytes sent (less than the size when a session resumed).
  // A file whose digest is not known yet is hashed while it uploads; when the digest
  // turns out to be on the server already, the upload stops there.
  std::uint64_t run() {
    if (file_.text || file_.size <= kSingleRequestBytes) return send_whole();
    std::optional<BackgroundHash> background;
    if (!file_.digest_known)
      background.emplace(file_, [this](std::uint64_t done) { context_.report("hash", file_.name, done, file_.size); });
    FileDescriptor fd(file_.path);
    std::uint64_t offset = open_session();
    for (int failures = 0;;) {
      try {
        if (background && (background->ready() || offset == file_.size)) {
          file_.digest = background->get();
          file_.digest_known = true;
          background.reset();
          if (server_has(context_, file_)) {
            abandon_session();
            skipped_ = true;
            return sent_;
          }
        }
        if (send_from(fd.get(), offset)) break;
        failures = 0;
      } catch (const ClientFailure& failure) {
        if (!is_transient(failure) || ++failures > context_.settings.retries) throw;
        pause_before_retry(failures, failure, context_.cancel);
        offset = session_offset();
      }
    }
    memo_.forget();
    return sent_;
  }

  std::uint64_t send_whole() {
    const std::string path = "/api/v1/blobs/" + file_.digest.to_string();
    with_retries(context_.settings, context_.cancel, [&] {
      Response response;
      if (file_.text) {
        response = context_.http.send("PUT", path, &*file_.text);
      } else {
        FileDescriptor fd(file_.path);
        std::uint64_t done = 0;
        response = context_.http.send_file("PUT", path, fd.get(), 0, file_.size, {}, [&](std::uint64_t n) {
          done += n;
          context_.report("upload", file_.name, done, file_.size);
        });
      }
      if (!response.ok()) raise_for(response, "uploading " + file_.name);
    });
    return file_.size;
  }

  // Resumes the remembered session when the server still has it; else starts one.
  std::uint64_t open_session() {
    if (auto id = memo_.recall()) {
      id_ = *id;
      Response response = context_.http.send("GET", "/api/v1/uploads/" + id_);
      if (response.ok()) return offset_of(response);
      if (response.status != 404) raise_for(response, "resuming the upload of " + file_.name);
    }
    Response response;
    // Starting a session is not idempotent, but a retried start only leaves an empty
    // session behind, which the server's collector removes.
    with_retries(context_.settings, context_.cancel, [&] {
      response = context_.http.send("POST", "/api/v1/uploads");
      if (!response.ok()) raise_for(response, "starting the upload of " + file_.name);
    });
    id_ = nlohmann::json::parse(response.body, nullptr, false).value("id", "");
    if (id_.empty()) throw ClientFailure("server_error", "the server did not name the upload session");
    memo_.remember(id_);
    return 0;
  }

  bool skipped() const { return skipped_; }

 private:
  void abandon_session() {
    context_.http.send("DELETE", "/api/v1/uploads/" + id_);  // best effort: the collector removes it anyway
    memo_.forget();
  }

  std::uint64_t session_offset() {
    Response response = context_.http.send("GET", "/api/v1/uploads/" + id_);
    if (response.status == 404) {
      memo_.forget();
      return open_session();
    }
    if (!response.ok()) raise_for(response, "resuming the upload of " + file_.name);
    return offset_of(response);
  }

  // Sends one chunk from `offset` (the last one with the digest); true when stored.
  // Sends the next chunk (PATCH), or, once every byte is there, finishes the session
  // with the digest (an empty PUT): the hash need only be ready at the very end.
  bool send_from(int fd, std::uint64_t& offset) {
    const bool finishing = offset == file_.size;
    const std::uint64_t length = std::min(context_.settings.chunk_bytes, file_.size - offset);
    std::string path = "/api/v1/uploads/" + id_;
    std::vector<std::string> headers;
    Response response;
    if (finishing) {
      const std::string empty;
      response = context_.http.send("PUT", path + "?digest=" + file_.digest.to_string(), &empty);
    } else {
      headers.push_back("Content-Range: bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + "/*");
      std::uint64_t done = offset;
      response = context_.http.send_file("PATCH", path, fd, offset, length, headers, [&](std::uint64_t n) {
        done += n;
        sent_ += n;
        context_.report("upload", file_.name, done, file_.size);
      });
    }
    if (response.status == 201) return true;
    if (response.status == 202 || response.status == 416) {  // 416: the server is elsewhere; continue there
      offset = offset_of(response);
      return false;
    }
    if (response.status == 404) {  // the session expired: start again
      memo_.forget();
      offset = open_session();
      return false;
    }
    if (finishing && response.status == 422) memo_.forget();  // a wrong digest ends the session
    raise_for(response, "uploading " + file_.name);
  }

  const Context& context_;
  LocalFile& file_;
  SessionMemo memo_;
  std::string id_;
  std::uint64_t sent_ = 0;
  bool skipped_ = false;
};

// The first free patch version after `version` among those the repository has.
std::string suggestion(const Context& context, const RepoRef& ref, const std::string& version) {
  std::set<std::string> taken;
  try {
    for (const auto& r : call_json(context.http, context.settings, context.cancel, "GET", repo_path(context.http, ref) + "/releases",
                                   nullptr, "versions"))
      taken.insert(r.value("version", ""));
  } catch (const ClientFailure&) {
  }
  std::string next = next_patch_version(version);
  while (taken.count(next)) next = next_patch_version(next);
  return next;
}

[[noreturn]] void release_exists(const Context& context, const RepoRef& ref, const std::string& version) {
  const std::string next = suggestion(context, ref, version);
  throw ClientFailure("release_exists",
                      ref.ns + "/" + ref.name + " " + version + " already exists, and releases are immutable: "
                      "publish a new version instead (for example --version " + next + ")",
                      ref.ns + "/" + ref.name + "@" + version, 409);
}

void ensure_version_free(const Context& context, const RepoRef& ref, const semver::Version& version) {
  Response response;
  with_retries(context.settings, context.cancel, [&] {
    response = context.http.send("GET", repo_path(context.http, ref) + "/releases/" + version.to_string_without_build());
    if (response.status != 200 && response.status != 404) raise_for(response, "checking the version");
  });
  if (response.status == 200) release_exists(context, ref, version.to_string_without_build());
}

// A commit retried after a lost answer finds the release it made: same files.
bool is_our_release(const Context& context, const RepoRef& ref, const semver::Version& version, const nlohmann::json& files) {
  const Response response =
      context.http.send("GET", repo_path(context.http, ref) + "/releases/" + version.to_string_without_build());
  if (!response.ok()) return false;
  const auto release = nlohmann::json::parse(response.body, nullptr, false);
  if (!release.is_object() || !release.contains("files")) return false;
  nlohmann::json published = nlohmann::json::object();
  for (const auto& f : release["files"]) published[f.value("name", "")] = "sha256:" + f.value("sha256", "");
  return published == files;
}

}  // namespace

nlohmann::json PushResult::release_with_warnings() const {
  nlohmann::json out = release;
  out["warnings"] = nlohmann::json::array();
  for (const auto& w : warnings) out["warnings"].push_back({{"code", w.code}, {"message", w.message}, {"where", w.where}});
  return out;
}

PushResult Client::push(const PushRequest& request) {
  const RepoRef ref = parse_repo_ref(request.repository, false);
  std::string error;
  const auto version = semver::parse(request.version, &error);
  if (!version)
    throw ClientFailure("invalid_version", "'" + request.version + "' is not a semantic version: " + error +
                                               " (for example 1.0.0)", request.version);
  std::vector<LocalFile> files = release_files(request);
  std::vector<Error> warnings = validate_locally(request, ref);
  require_token("pushing");
  const Context context{*http_, settings_, cancel_, progress_};
  ensure_version_free(context, ref, *version);

  PushResult result;
  result.warnings = std::move(warnings);
  const DigestMemo digests(settings_);
  for (auto& file : files) {
    if (file.text) {
      hash(context, file);
      continue;
    }
    file.identity = identity_of(file.path);
    if (!digests.recall(file) && file.size <= kSingleRequestBytes) hash(context, file);
  }
  for (auto& file : files) {
    if (file.digest_known && server_has(context, file)) {
      result.bytes_skipped += file.size;
      context.report("upload", file.name, file.size, file.size);
      continue;
    }
    BlobUpload upload(context, file);
    result.bytes_sent += upload.run();
    if (upload.skipped()) result.bytes_skipped += file.size;
    if (!file.text) digests.remember(file);
  }

  nlohmann::json body = {{"files", nlohmann::json::object()}, {"private", request.make_private}};
  for (const auto& file : files) body["files"][file.name] = file.digest.to_string();
  const std::string text = body.dump();
  Response response;
  int attempts = 0;
  with_retries(settings_, cancel_, [&] {
    response = http_->send("PUT", repo_path(*http_, ref) + "/releases/" + http_->escape(version->to_string()), &text);
    if (response.status == 409 && ++attempts > 1 && is_our_release(context, ref, *version, body["files"])) {
      response = http_->send("GET", repo_path(*http_, ref) + "/releases/" + version->to_string_without_build());
    } else if (response.status == 409) {
      release_exists(context, ref, version->to_string_without_build());
    }
    if (!response.ok()) raise_for(response, "publishing " + ref.ns + "/" + ref.name + " " + request.version);
  });
  result.release = nlohmann::json::parse(response.body);
  result.release["repository"] = ref.ns + "/" + ref.name;
  result.release["url"] = release_url(request.repository, result.release.value("version", request.version));
  return result;
}

}  // namespace synfire::client
