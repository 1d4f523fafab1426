#include "synfire/error.h"
#include "synfire/storage/blob_store.h"

namespace synfire::storage {

std::string blob_key(const crypto::Digest& digest) {
  return "sha256/" + digest.hex.substr(0, 2) + "/" + digest.hex.substr(2, 2) + "/" + digest.hex;
}

BlobIngest::BlobIngest(BlobStore& store, std::optional<crypto::Digest> expected_digest,
                       std::optional<std::uint64_t> expected_size, std::uint64_t max_bytes)
    : writer_(store.begin_write()),
      expected_digest_(std::move(expected_digest)),
      expected_size_(expected_size),
      max_bytes_(max_bytes) {
  writer_hashes_ = writer_->hash_into(hasher_);
  if (expected_size_ && *expected_size_ > max_bytes_)
    throw Failure("too_large", "a blob may hold at most " + std::to_string(max_bytes_) + " bytes, not " +
                                   std::to_string(*expected_size_));
}

BlobIngest::~BlobIngest() { writer_.reset(); }

void BlobIngest::append(std::span<const std::byte> bytes) {
  check_limits(bytes.size());
  if (!writer_hashes_) hasher_.update(bytes);
  writer_->append(bytes);
}

std::span<std::byte> BlobIngest::reserve() {
  reserved_ = writer_->reserve();
  return reserved_;
}

void BlobIngest::commit_reserved(std::size_t bytes) {
  check_limits(bytes);
  if (!writer_hashes_) hasher_.update(reserved_.first(bytes));
  writer_->commit_reserved(bytes);
  reserved_ = {};
}

void BlobIngest::check_limits(std::uint64_t more) const {
  const std::uint64_t after = writer_->size() + more;
  if (after > max_bytes_)
    throw Failure("too_large", "the upload passed the limit of " + std::to_string(max_bytes_) + " bytes per file");
  if (expected_size_ && after > *expected_size_)
    throw Failure("size_mismatch", "the upload passed its declared size of " + std::to_string(*expected_size_) + " bytes");
}

crypto::Digest BlobIngest::finish() {
  if (expected_size_ && writer_->size() != *expected_size_)
    throw Failure("size_mismatch", "received " + std::to_string(writer_->size()) + " bytes, but " +
                                       std::to_string(*expected_size_) + " were declared");
  writer_->finish_hashing();
  crypto::Digest actual{hasher_.finish_hex()};
  if (expected_digest_ && actual != *expected_digest_)
    throw Failure("digest_mismatch",
                  "the bytes received hash to " + actual.to_string() + ", not " + expected_digest_->to_string());
  writer_->commit(actual);
  return actual;
}

}  // namespace synfire::storage
