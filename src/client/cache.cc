// The local cache's inventory and its clearing (layout: blobs/sha256/<hex>[.part|.stat],
// releases/<server>/<ns>/<name>/<version>.json, snapshots/..., hashes/, uploads/).

#include <algorithm>
#include <set>
#include <utility>

#include <sys/stat.h>

#include "synfire/client/client.h"

namespace synfire::client {
namespace fs = std::filesystem;
namespace {

// What the cache writes: only these folders are ever removed (never the cache folder
// itself, which a mistaken XDG_CACHE_HOME could make something else).
constexpr const char* kParts[] = {"blobs", "hashes", "releases", "snapshots", "uploads"};

bool is_hex_digest(const std::string& name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<fs::path> children(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) found.push_back(it->path());
  std::sort(found.begin(), found.end());
  return found;
}

// Bytes of the regular files under `dir`, each inode counted once (snapshots are hard
// links of blobs).
std::uint64_t bytes_under(const fs::path& dir, std::set<std::pair<dev_t, ino_t>>& seen) {
  std::uint64_t bytes = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error), end;
       !error && it != end; it.increment(error)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) == 0 && S_ISREG(info.st_mode) && seen.insert({info.st_dev, info.st_ino}).second)
      bytes += static_cast<std::uint64_t>(info.st_size);
  }
  return bytes;
}

}  // namespace

CacheReport inspect_cache(const Settings& settings) {
  CacheReport report;
  report.directory = settings.cache_dir;
  std::error_code error;
  for (const auto& entry : children(settings.cache_dir / "blobs" / "sha256")) {
    const std::string name = entry.filename().string();
    const auto size = fs::file_size(entry, error);
    if (error) continue;
    if (is_hex_digest(name)) {
      report.files += 1;
      report.file_bytes += size;
    } else if (name.size() == 69 && name.ends_with(".part")) {
      report.partial_bytes += size;
    }
  }
  for (const auto& server : children(settings.cache_dir / "releases"))
    for (const auto& ns : children(server))
      for (const auto& repo : children(ns))
        for (const auto& version : children(repo))
          if (version.extension() == ".json")
            report.releases.push_back({server.filename().string(), ns.filename().string() + "/" + repo.filename().string(),
                                       version.stem().string()});
  for (const auto& upload : children(settings.cache_dir / "uploads"))
    if (upload.extension() == ".json") report.resumable_pushes += 1;
  return report;
}

nlohmann::json to_json(const CacheReport& report) {
  nlohmann::json releases = nlohmann::json::array();
  for (const auto& r : report.releases)
    releases.push_back({{"server", r.server}, {"repository", r.repository}, {"version", r.version}});
  return {{"directory", report.directory.string()}, {"files", report.files}, {"file_bytes", report.file_bytes},
          {"partial_bytes", report.partial_bytes}, {"resumable_pushes", report.resumable_pushes},
          {"releases", releases}};
}

std::uint64_t clear_cache(const Settings& settings) {
  std::set<std::pair<dev_t, ino_t>> seen;
  std::uint64_t freed = 0;
  for (const char* part : kParts) {
    const fs::path dir = settings.cache_dir / part;
    freed += bytes_under(dir, seen);
    std::error_code error;
    fs::remove_all(dir, error);
    if (error) throw ClientFailure("io_error", "cannot empty the cache: " + error.message(), dir.string());
  }
  return freed;
}

}  // namespace synfire::client
