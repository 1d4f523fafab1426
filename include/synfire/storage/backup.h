#pragma once
// A backup of the embedded default (SQLite + blob folder) that a server can be started
// on as it is: `synfire-server --data BACKUP`. Safe while the server runs.

#include <cstdint>
#include <filesystem>

namespace synfire::storage {

struct BackupReport {
  std::uint64_t blobs = 0, blob_bytes = 0, database_bytes = 0;
};

// Copies the database first (one consistent snapshot, SQLite's VACUUM INTO), then every
// stored blob, so each blob the snapshot's releases name is in the backup (blobs are
// immutable, and referenced ones are never removed). `target` must not exist or be
// empty. `link`: hard-link blobs instead of copying them (same file system only; the
// backup then shares the disk's fate). Throws synfire::Failure.
BackupReport back_up_embedded(const std::filesystem::path& data, const std::filesystem::path& target, bool link);

}  // namespace synfire::storage
