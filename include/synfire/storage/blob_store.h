#pragma once
// Content-addressed blob storage: every file Synfire keeps is stored once, under the
// SHA-256 of its bytes. The registry talks to blobs only through BlobStore; drivers
// (filesystem, S3) are leaves. Every key is made by blob_key():
//
//   sha256/ab/cd/abcd0123...   the blob whose SHA-256 is abcd0123... (64 hex digits)
//
// Thread-safety: a BlobStore may be used from several threads at once; a single
// BlobWriter or BlobReader by one thread at a time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "synfire/crypto/sha256.h"

namespace synfire::storage {

inline constexpr std::uint64_t kMaxBlobBytes = 2147483648ULL;  // 2 GiB

std::string blob_key(const crypto::Digest& digest);

// Where a stream of bytes goes. append() copies them; a sink with buffers of its own
// also lets a caller receive straight into them: reserve() gives space to fill
// (empty when the sink has none: then append()), commit_reserved() how much was.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Throws synfire::Failure (e.g. "io_error" when storage fails).
  virtual void append(std::span<const std::byte> bytes) = 0;
  virtual std::span<std::byte> reserve() { return {}; }
  virtual void commit_reserved(std::size_t /*bytes*/) {}
};

// One write in progress. Destroying it without commit() discards the bytes.
class BlobWriter : public ByteSink {
 public:
  virtual std::uint64_t size() const = 0;
  // Makes the bytes durable and visible as `digest` (the caller has checked that they
  // hash to it: see BlobIngest). When the blob exists already, this copy is dropped.
  virtual void commit(const crypto::Digest& digest) = 0;
  // Asks the writer to feed `hasher` every byte itself, in order, off the caller's
  // thread; false when it cannot (the caller hashes). Before the first byte.
  virtual bool hash_into(crypto::Sha256& /*hasher*/) { return false; }
  // Returns once every byte so far has gone through that hasher.
  virtual void finish_hashing() {}
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to buffer.size() bytes; returns 0 at the end. Throws on storage errors.
  virtual std::size_t read(std::span<std::byte> buffer) = 0;
};

// A resumable upload (like an OCI blob upload session): bytes appended in order over
// several requests, surviving restarts, then verified and moved into place.
struct UploadSession {
  std::string id;
  std::string owner;
  std::uint64_t offset = 0;  // bytes received so far
  std::int64_t updated_at = 0;  // Unix seconds of the last append
};

// The bytes one request appends to an upload session; the session may not pass
// kMaxBlobBytes ("too_large": the session is then removed). An appender destroyed
// without finish() (a request cut short) keeps a prefix of what it was given: the
// session's offset says how much.
class UploadAppender : public ByteSink {
 public:
  // Makes every appended byte part of the session; returns its new offset.
  virtual std::uint64_t finish() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // The blob's size, or nullopt when it is absent.
  virtual std::optional<std::uint64_t> size(const crypto::Digest& digest) = 0;
  virtual std::unique_ptr<BlobWriter> begin_write() = 0;
  // Reads from `offset`; nullptr when the blob is absent.
  virtual std::unique_ptr<BlobReader> open(const crypto::Digest& digest, std::uint64_t offset = 0) = 0;
  // Returns false when there was nothing to remove.
  virtual bool remove(const crypto::Digest& digest) = 0;
  virtual std::vector<crypto::Digest> list() = 0;
  // When the blob was stored or last touched (Unix seconds); nullopt when absent.
  virtual std::optional<std::int64_t> touched_at(const crypto::Digest& digest) = 0;
  // Marks the blob as just used, so that the garbage collector's grace period starts
  // again (a release about to reference it). Returns false when absent.
  virtual bool touch(const crypto::Digest& digest) = 0;
  // A local file holding the blob, for readers that need a path (the NIR reader);
  // nullopt when the driver keeps blobs elsewhere (then copy it out with open()).
  virtual std::optional<std::filesystem::path> local_path(const crypto::Digest& digest) = 0;
  // Writes interrupted by a crash leave temporary data: removes what is older than `age`.
  virtual std::size_t purge_incomplete(std::chrono::seconds age) = 0;

  // ---- upload sessions ----
  virtual UploadSession start_upload(const std::string& owner) = 0;
  virtual std::optional<UploadSession> find_upload(const std::string& id) = 0;
  // Starts appending at `offset`, which must be the session's offset
  // ("range_mismatch" otherwise, also while another request appends to it).
  virtual std::unique_ptr<UploadAppender> append_to_upload(const std::string& id, std::uint64_t offset) = 0;
  // Appends one piece; returns the new offset.
  std::uint64_t append_upload(const std::string& id, std::uint64_t offset, std::span<const std::byte> bytes) {
    auto appender = append_to_upload(id, offset);
    appender->append(bytes);
    return appender->finish();
  }
  // Hashes the received bytes, checks them against `expected` ("digest_mismatch"),
  // stores the blob and ends the session; the session is removed either way.
  virtual crypto::Digest complete_upload(const std::string& id, const std::optional<crypto::Digest>& expected) = 0;
  // Returns false when there is no such session.
  virtual bool cancel_upload(const std::string& id) = 0;
  // Removes sessions whose last append is older than `age`.
  virtual std::size_t purge_uploads(std::chrono::seconds age) = 0;
};

// Blobs under ROOT/blobs/<blob_key>, writes in progress under ROOT/tmp/ (written,
// fsynced, renamed into place). Creates the folders when missing.
std::unique_ptr<BlobStore> open_filesystem_blob_store(const std::filesystem::path& root);

// Stores a stream of bytes as a blob, computing its SHA-256 on the way, and refusing
// it (nothing kept) when it passes `max_bytes` (or the expected size), or when its
// digest or size is not the one expected.
class BlobIngest {
 public:
  BlobIngest(BlobStore& store, std::optional<crypto::Digest> expected_digest,
             std::optional<std::uint64_t> expected_size = std::nullopt,
             std::uint64_t max_bytes = kMaxBlobBytes);
  ~BlobIngest();  // the writer goes first: it may be feeding hasher_
  BlobIngest(const BlobIngest&) = delete;
  BlobIngest& operator=(const BlobIngest&) = delete;

  // Throws synfire::Failure "too_large" (over max_bytes) or "size_mismatch" (over
  // the expected size) as soon as the stream passes it.
  void append(std::span<const std::byte> bytes);
  // As BlobWriter's: space to fill in place of append() (empty: use append()), then
  // how much of it was filled; the same limits apply.
  std::span<std::byte> reserve();
  void commit_reserved(std::size_t bytes);
  std::uint64_t size() const { return writer_->size(); }
  // Verifies and commits; throws "digest_mismatch" / "size_mismatch".
  crypto::Digest finish();

 private:
  std::unique_ptr<BlobWriter> writer_;
  void check_limits(std::uint64_t more) const;

  crypto::Sha256 hasher_;
  bool writer_hashes_ = false;  // the writer feeds hasher_ itself (BlobWriter::hash_into)
  std::span<std::byte> reserved_;
  std::optional<crypto::Digest> expected_digest_;
  std::optional<std::uint64_t> expected_size_;
  std::uint64_t max_bytes_;
};

}  // namespace synfire::storage
