// Pull: resolve the version, fetch each file into the content-addressed cache (Range
// resume, SHA-256 verified before it is kept), then place it where it was asked for.
//
// Cache layout under $XDG_CACHE_HOME/synfire:
//   blobs/sha256/<hex>          verified content (never written in place)
//   blobs/sha256/<hex>.part     an interrupted download, resumed with Range
//   blobs/sha256/<hex>.stat     size, mtime and inode seen when it was verified
//   releases/<server>/<ns>/<name>/<version>.json   for SYNFIRE_OFFLINE=1
//   snapshots/<server>/<ns>/<name>/<version>/      the default destination

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "api_calls.h"
#include "synfire/crypto/sha256.h"
#include "synfire/semver/semver.h"

namespace synfire::client {
namespace {

namespace fs = std::filesystem;

struct FileDescriptor {
  int fd;
  explicit FileDescriptor(int fd) : fd(fd) {}
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
};

std::string server_key(const std::string& endpoint) {
  std::string key = endpoint.substr(endpoint.find("://") + 3);
  for (char& c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  return key;
}

struct RemoteFile {
  std::string name, sha256;
  std::uint64_t size = 0;
};

std::vector<RemoteFile> files_of(const nlohmann::json& release) {
  std::vector<RemoteFile> files;
  for (const auto& f : release.at("files")) {
    RemoteFile file{f.at("name").get<std::string>(), f.at("sha256").get<std::string>(), f.at("size").get<std::uint64_t>()};
    if (file.name.find('/') != std::string::npos || file.name.empty() || file.name[0] == '.' || !crypto::Digest::is_hex(file.sha256))
      throw ClientFailure("server_error", "the server listed a file the client will not write: '" + file.name + "'");
    files.push_back(std::move(file));
  }
  return files;
}

std::string stat_line(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_ino);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

void write_text(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp";
  std::ofstream(temp) << text << "\n";
  fs::rename(temp, path);
}

// SHA-256 on a thread of its own that follows the download: it reads back (from the
// page cache) what has been written, so hashing overlaps receiving with no copies
// queued in memory.
class FollowingHasher {
 public:
  FollowingHasher(int fd, std::uint64_t from, crypto::Sha256 start)
      : fd_(fd), hashed_(from), written_(from), hasher_(std::move(start)), thread_([this] { work(); }) {}
  ~FollowingHasher() { stop(); }

  void written_up_to(std::uint64_t offset) {
    {
      std::lock_guard lock(mutex_);
      written_ = offset;
    }
    more_.notify_one();
  }

  std::string finish_hex() {
    stop();
    if (failed_) throw ClientFailure("io_error", "cannot read back the download from the cache");
    if (hex_.empty()) hex_ = hasher_.finish_hex();
    return hex_;
  }

 private:
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    more_.notify_one();
    thread_.join();
  }

  void work() {
    std::vector<std::byte> buffer(1 << 20);
    for (;;) {
      std::uint64_t target;
      {
        std::unique_lock lock(mutex_);
        more_.wait(lock, [&] { return written_ > hashed_ || closed_; });
        if (written_ == hashed_) return;  // closed and caught up
        target = written_;
      }
      while (hashed_ < target) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), target - hashed_));
        const ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(hashed_));
        if (n <= 0) {
          failed_ = true;
          return;
        }
        hasher_.update(std::span(buffer.data(), static_cast<std::size_t>(n)));
        hashed_ += static_cast<std::uint64_t>(n);
      }
    }
  }

  int fd_;
  std::uint64_t hashed_;  // only the thread touches it
  std::uint64_t written_;
  crypto::Sha256 hasher_;
  std::mutex mutex_;
  std::condition_variable more_;
  bool closed_ = false;
  bool failed_ = false;
  std::string hex_;
  std::thread thread_;  // last: starts once the members above exist
};

class BlobCache {
 public:
  BlobCache(const Context& context) : context_(context), dir_(context.settings.cache_dir / "blobs" / "sha256") {
    fs::create_directories(dir_);
  }

  fs::path path(const RemoteFile& f) const { return dir_ / f.sha256; }

  // True when the cached copy is there and still what was verified; a copy changed
  // since (a hard-linked file edited in place) is re-hashed, and dropped if wrong.
  bool has(const RemoteFile& f) const {
    const fs::path blob = path(f);
    std::error_code error;
    if (!fs::exists(blob, error) || fs::file_size(blob, error) != f.size) return false;
    const fs::path stat_file = dir_ / (f.sha256 + ".stat");
    if (read_text(stat_file) == stat_line(blob)) return true;
    crypto::Sha256 hasher;
    hash_range(blob, f, hasher);
    if (hasher.finish_hex() != f.sha256) {
      fs::remove(blob, error);
      return false;
    }
    write_text(stat_file, stat_line(blob));
    return true;
  }

  // Downloads into <hex>.part (resuming what is there), verifies, keeps.
  std::uint64_t fetch(const std::string& release_path, const RemoteFile& f) {
    const fs::path part = dir_ / (f.sha256 + ".part");
    FileDescriptor fd(::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.fd < 0) throw ClientFailure("io_error", "cannot write to the cache", part.string());
    crypto::Sha256 resumed;
    std::uint64_t have = hash_range(part, f, resumed);
    if (have > f.size) {
      if (::ftruncate(fd.fd, 0) != 0) throw ClientFailure("io_error", "cannot write to the cache", part.string());
      resumed = crypto::Sha256();
      have = 0;
    }
    auto hasher = std::make_unique<FollowingHasher>(fd.fd, have, std::move(resumed));
    std::uint64_t received = 0;
    const std::string url = release_path + "/files/" + context_.http.escape(f.name);
    for (int failures = 0; have < f.size;) {
      try {
        received += download(url, f, fd.fd, hasher, have);
        failures = 0;
      } catch (const ClientFailure& failure) {
        if (!is_transient(failure) || ++failures > context_.settings.retries) throw;
        pause_before_retry(failures, failure, context_.cancel);
      }
    }
    const std::string actual = hasher->finish_hex();
    if (actual != f.sha256) {
      std::error_code error;
      fs::remove(part, error);
      throw ClientFailure("checksum_mismatch",
                          f.name + ": the downloaded bytes have SHA-256 " + actual + " but the release says " + f.sha256 +
                              "; nothing was kept (the server's copy is damaged or was changed: tell its operators)",
                          f.name);
    }
    fs::rename(part, path(f));
    write_text(dir_ / (f.sha256 + ".stat"), stat_line(path(f)));
    return received;
  }

 private:
  // Hashes the first bytes already in `file` (up to the expected size); returns how many.
  std::uint64_t hash_range(const fs::path& file, const RemoteFile& f, crypto::Sha256& hasher) const {
    FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.fd < 0) return 0;
    std::vector<std::byte> buffer(1 << 20);
    std::uint64_t done = 0;
    for (ssize_t n; (n = ::read(fd.fd, buffer.data(), buffer.size())) > 0;) {
      hasher.update(std::span(buffer.data(), static_cast<std::size_t>(n)));
      done += static_cast<std::uint64_t>(n);
      context_.report("verify", f.name, done, f.size);
      context_.check_cancel();
      if (done > f.size) break;
    }
    return done;
  }

  // One GET from `have`; appends to fd and the hash; returns the bytes received.
  std::uint64_t download(const std::string& url, const RemoteFile& f, int fd, std::unique_ptr<FollowingHasher>& hasher,
                         std::uint64_t& have) {
    std::uint64_t received = 0;
    const std::uint64_t start = have;
    const Response response = context_.http.receive(url, have, [&](long status, std::span<const char> bytes) {
      if (status == 200 && start > 0 && received == 0 && have == start) {  // Range ignored: start over
        hasher.reset();
        if (::ftruncate(fd, 0) != 0) throw ClientFailure("io_error", "cannot write to the cache");
        hasher = std::make_unique<FollowingHasher>(fd, 0, crypto::Sha256());
        have = 0;
      }
      if (have + bytes.size() > f.size)
        throw ClientFailure("checksum_mismatch", f.name + ": the server sent more than the release's " +
                                                     std::to_string(f.size) + " bytes; nothing was kept", f.name);
      for (std::size_t written = 0; written < bytes.size();) {
        const ssize_t n = ::pwrite(fd, bytes.data() + written, bytes.size() - written, static_cast<off_t>(have + written));
        if (n <= 0) throw ClientFailure("io_error", "cannot write to the cache (disk full?)");
        written += static_cast<std::size_t>(n);
      }
      have += bytes.size();
      hasher->written_up_to(have);
      received += bytes.size();
      context_.report("download", f.name, have, f.size);
    });
    if (!response.ok()) raise_for(response, "downloading " + f.name);
    if (response.status == 200 && start > 0 && received == 0) have = 0;
    if (have < f.size && received == 0)
      throw ClientFailure("connection_failed", f.name + ": the download stopped at byte " + std::to_string(have));
    return received;
  }

  const Context& context_;
  fs::path dir_;
};

// Puts the cached blob at `target`: a hard link when the cache and the target share
// a file system (no copy), else a copy; through a temp name, so `target` is whole.
void place(const fs::path& blob, const fs::path& target) {
  std::error_code error;
  if (fs::equivalent(blob, target, error)) return;
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".synfire-" + std::to_string(::getpid()));
  fs::remove(temp, error);
  fs::create_hard_link(blob, temp, error);
  if (error) {
    error.clear();
    fs::copy_file(blob, temp, fs::copy_options::overwrite_existing, error);
    if (error) throw ClientFailure("io_error", "cannot write " + target.string() + ": " + error.message(), target.string());
  }
  fs::rename(temp, target, error);
  if (error) {
    fs::remove(temp, error);
    throw ClientFailure("io_error", "cannot write " + target.string(), target.string());
  }
}

fs::path releases_dir(const Settings& settings, const RepoRef& ref) {
  return settings.cache_dir / "releases" / server_key(settings.endpoint) / ref.ns / ref.name;
}

// SYNFIRE_OFFLINE=1: the newest cached release that the requirement accepts.
nlohmann::json cached_release(const Settings& settings, const RepoRef& ref, const std::string& requirement) {
  std::vector<std::pair<semver::Version, nlohmann::json>> cached;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(releases_dir(settings, ref), error)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    auto release = nlohmann::json::parse(in, nullptr, false);
    if (!release.is_object()) continue;
    if (auto version = semver::parse(release.value("version", ""))) cached.emplace_back(*version, std::move(release));
  }
  std::sort(cached.begin(), cached.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const bool latest = requirement.empty() || requirement == "latest";
  const auto exact = latest ? std::nullopt : semver::parse(requirement);
  std::optional<semver::Requirement> range;
  if (!latest && !exact) {
    std::string problem;
    range = semver::Requirement::parse(requirement, &problem);
    if (!range) throw ClientFailure("invalid_requirement", "'" + requirement + "' is not a version requirement: " + problem, requirement);
  }
  for (const auto& [version, release] : cached) {
    if (exact && version == *exact) return release;
    if (exact || release.value("yanked", false)) continue;
    if (latest && !version.is_prerelease()) return release;
    if (range && range->matches(version)) return release;
  }
  if (latest)
    for (const auto& [version, release] : cached)
      if (!release.value("yanked", false)) return release;  // only pre-releases
  std::string held;
  for (const auto& [version, release] : cached) held += (held.empty() ? "" : ", ") + version.to_string();
  throw ClientFailure("offline_miss", "SYNFIRE_OFFLINE=1 and no cached release of " + ref.ns + "/" + ref.name + " matches '" +
                                          requirement + "' (cached: " + (held.empty() ? "none" : held) + ")");
}

void remember_release(const Settings& settings, const RepoRef& ref, const nlohmann::json& release) {
  const fs::path dir = releases_dir(settings, ref);
  std::error_code error;
  fs::create_directories(dir, error);
  if (!error) write_text(dir / (release.value("version", "unknown") + ".json"), release.dump());
}

}  // namespace

PullResult Client::pull(const PullRequest& request) {
  RepoRef ref = parse_repo_ref(request.repository, true);
  const std::string requirement = ref.requirement.value_or(request.requirement.empty() ? "latest" : request.requirement);
  const std::string repo = ref.ns + "/" + ref.name;
  const Context context{*http_, settings_, cancel_, progress_};

  PullResult result;
  result.release = settings_.offline ? cached_release(settings_, ref, requirement) : release(repo, requirement);
  const std::string version = result.release.at("version").get<std::string>();
  if (!settings_.offline) remember_release(settings_, ref, result.release);
  const auto files = files_of(result.release);

  result.directory = request.dest ? *request.dest
                                  : settings_.cache_dir / "snapshots" / server_key(settings_.endpoint) / ref.ns / ref.name / version;
  std::error_code error;
  fs::create_directories(result.directory, error);
  if (error) throw ClientFailure("io_error", "cannot create " + result.directory.string() + ": " + error.message());

  BlobCache cache(context);
  result.from_cache = true;
  const std::string release_path = repo_path(*http_, ref) + "/releases/" + http_->escape(version);
  for (const auto& file : files) {
    if (!cache.has(file)) {
      if (settings_.offline)
        throw ClientFailure("offline_miss", "SYNFIRE_OFFLINE=1 and " + file.name + " of " + repo + " " + version +
                                                " is not in the cache");
      result.from_cache = false;
      result.bytes_received += cache.fetch(release_path, file);
    }
    context.report("download", file.name, file.size, file.size);
  }
  for (const auto& file : files) {
    const fs::path target = result.directory / file.name;
    place(cache.path(file), target);
    result.files[file.name] = target;
  }
  return result;
}

}  // namespace synfire::client
