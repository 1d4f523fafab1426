#include "synfire/storage/backup.h"

#include <algorithm>
#include <string>

#include "metadata/sqlite.h"
#include "synfire/error.h"

namespace synfire::storage {
namespace fs = std::filesystem;
namespace {

bool is_blob_name(const std::string& name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void copy_blob(const fs::path& from, const fs::path& to, bool link) {
  std::error_code error;
  fs::create_directories(to.parent_path(), error);
  if (!error && link) fs::create_hard_link(from, to, error);
  if (!error && !link) fs::copy_file(from, to, error);
  if (error) throw Failure("io_error", "cannot back up the blob: " + error.message(), from.string());
}

}  // namespace

BackupReport back_up_embedded(const fs::path& data, const fs::path& target, bool link) {
  const fs::path database = data / "synfire.sqlite";
  std::error_code error;
  if (!fs::is_regular_file(database, error))
    throw Failure("not_found", "no Synfire database in " + data.string() + " (no synfire.sqlite)", data.string());
  if (fs::exists(target, error) && !fs::is_empty(target, error))
    throw Failure("invalid_request", "the backup folder must be new or empty: " + target.string(), target.string());
  fs::create_directories(target, error);
  if (error) throw Failure("io_error", "cannot create the backup folder: " + error.message(), target.string());

  BackupReport report;
  {
    sqlite::Database source(database.string());
    sqlite::Statement snapshot(source, "VACUUM INTO ?");
    snapshot.bind(1, (target / "synfire.sqlite").string());
    snapshot.step();
  }
  report.database_bytes = fs::file_size(target / "synfire.sqlite");
  const fs::path blobs = data / "blobs" / "sha256";
  for (fs::recursive_directory_iterator it(blobs, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_regular_file() || !is_blob_name(it->path().filename().string())) continue;
    copy_blob(it->path(), target / "blobs" / "sha256" / fs::relative(it->path(), blobs), link);
    ++report.blobs;
    report.blob_bytes += it->file_size();
  }
  if (error) throw Failure("io_error", "cannot list the blobs: " + error.message(), blobs.string());
  return report;
}

}  // namespace synfire::storage
