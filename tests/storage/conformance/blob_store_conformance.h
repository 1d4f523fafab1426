#pragma once
// The behaviour every BlobStore driver must have. A driver's test instantiates
// BlobStoreConformance with a factory that opens a fresh, empty store; every test
// ends by checking that nothing was left behind (no stray blob, no temporary data).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "synfire/crypto/sha256.h"
#include "synfire/error.h"
#include "synfire/storage/blob_store.h"

namespace synfire::storage::conformance {

using BlobStoreFactory = std::function<std::unique_ptr<BlobStore>()>;

class BlobStoreConformance : public ::testing::TestWithParam<BlobStoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam()(); }
  void TearDown() override {
    if (!store_) return;
    EXPECT_EQ(store_->purge_incomplete(std::chrono::seconds(-1)), 0u) << "a write left temporary data behind";
    EXPECT_EQ(store_->purge_uploads(std::chrono::seconds(-1)), 0u) << "an upload session was left behind";
    for (const auto& digest : store_->list()) store_->remove(digest);
  }

  crypto::Digest put(const std::string& bytes, std::size_t chunk = 7) {
    BlobIngest ingest(*store_, std::nullopt);
    for (std::size_t i = 0; i < bytes.size(); i += chunk)
      ingest.append(as_bytes(std::string_view(bytes).substr(i, chunk)));
    return ingest.finish();
  }

  std::string read_all(const crypto::Digest& digest, std::uint64_t offset = 0) {
    auto reader = store_->open(digest, offset);
    if (!reader) return "<absent>";
    std::string out;
    std::array<std::byte, 5> buffer;  // small on purpose: many reads
    for (std::size_t n; (n = reader->read(buffer)) > 0;) out.append(reinterpret_cast<const char*>(buffer.data()), n);
    return out;
  }

  static std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

  static std::string failure_code(const std::function<void()>& action) {
    try {
      action();
    } catch (const Failure& failure) {
      return failure.error().code;
    }
    return "no failure";
  }

  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreConformance, AnAbsentBlobIsAbsentEverywhere) {
  const crypto::Digest digest{crypto::sha256_hex("never stored")};
  EXPECT_FALSE(store_->size(digest));
  EXPECT_EQ(store_->open(digest), nullptr);
  EXPECT_FALSE(store_->remove(digest));
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, StoresUnderTheDigestOfTheBytes) {
  const std::string bytes = "spiking neural networks, stored once";
  const crypto::Digest digest = put(bytes);
  EXPECT_EQ(digest.hex, crypto::sha256_hex(bytes));
  EXPECT_EQ(store_->size(digest), bytes.size());
  EXPECT_EQ(read_all(digest), bytes);
  EXPECT_EQ(read_all(digest, 8), bytes.substr(8));
  EXPECT_EQ(read_all(digest, bytes.size()), "");
}

TEST_P(BlobStoreConformance, StoresTheSameBytesOnce) {
  const crypto::Digest a = put("same bytes", 3), b = put("same bytes", 4);
  EXPECT_EQ(a, b);
  EXPECT_EQ(store_->list(), std::vector<crypto::Digest>{a});
  EXPECT_TRUE(store_->remove(a));
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, KnowsWhenABlobWasLastTouched) {
  const crypto::Digest digest = put("touched");
  const auto stored = store_->touched_at(digest);
  ASSERT_TRUE(stored);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::abs(*stored - now), 5);
  EXPECT_TRUE(store_->touch(digest));
  const crypto::Digest absent{crypto::sha256_hex("absent")};
  EXPECT_FALSE(store_->touch(absent));
  EXPECT_FALSE(store_->touched_at(absent));
}

TEST_P(BlobStoreConformance, StoresAnEmptyBlob) {
  const crypto::Digest digest = put("");
  EXPECT_EQ(store_->size(digest), 0u);
  EXPECT_EQ(read_all(digest), "");
}

TEST_P(BlobStoreConformance, RefusesAWrongDigestAndKeepsNothing) {
  BlobIngest ingest(*store_, crypto::Digest{crypto::sha256_hex("other bytes")});
  ingest.append(as_bytes("these bytes"));
  EXPECT_EQ(failure_code([&] { ingest.finish(); }), "digest_mismatch");
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, RefusesAWrongSizeAndKeepsNothing) {
  {
    BlobIngest shorter(*store_, std::nullopt, 100);
    shorter.append(as_bytes("only a few bytes"));
    EXPECT_EQ(failure_code([&] { shorter.finish(); }), "size_mismatch");
  }
  {
    BlobIngest longer(*store_, std::nullopt, 4);
    EXPECT_EQ(failure_code([&] { longer.append(as_bytes("more than four")); }), "size_mismatch");
  }
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, RefusesPassingTheLimitAndAcceptsExactlyIt) {
  {
    BlobIngest at_limit(*store_, std::nullopt, std::nullopt, /*max_bytes=*/10);
    at_limit.append(as_bytes("0123456789"));
    EXPECT_NO_THROW(at_limit.finish());
  }
  BlobIngest over(*store_, std::nullopt, std::nullopt, /*max_bytes=*/10);
  over.append(as_bytes("01234"));
  EXPECT_EQ(failure_code([&] { over.append(as_bytes("567890")); }), "too_large");
  EXPECT_EQ(failure_code([&] { BlobIngest(*store_, std::nullopt, 11, 10); }), "too_large");
  EXPECT_EQ(store_->list().size(), 1u);
}

TEST_P(BlobStoreConformance, AnAbandonedWriteLeavesNothing) {
  {
    auto writer = store_->begin_write();
    writer->append(as_bytes("abandoned half way"));
  }
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, AnUploadSessionResumesAtItsOffsetAndCompletes) {
  const UploadSession session = store_->start_upload("ada");
  EXPECT_EQ(store_->find_upload(session.id)->owner, "ada");
  EXPECT_EQ(store_->append_upload(session.id, 0, as_bytes("neuro")), 5u);
  EXPECT_EQ(failure_code([&] { store_->append_upload(session.id, 0, as_bytes("again")); }), "range_mismatch");
  EXPECT_EQ(failure_code([&] { store_->append_upload(session.id, 9, as_bytes("ahead")); }), "range_mismatch");
  EXPECT_EQ(store_->append_upload(session.id, 5, as_bytes("morphic")), 12u);
  EXPECT_EQ(store_->find_upload(session.id)->offset, 12u);
  const crypto::Digest digest = store_->complete_upload(session.id, crypto::Digest{crypto::sha256_hex("neuromorphic")});
  EXPECT_EQ(read_all(digest), "neuromorphic");
  EXPECT_FALSE(store_->find_upload(session.id));
  store_->remove(digest);
}

TEST_P(BlobStoreConformance, AnUploadWithTheWrongDigestKeepsNothing) {
  const UploadSession session = store_->start_upload("ada");
  store_->append_upload(session.id, 0, as_bytes("bytes"));
  EXPECT_EQ(failure_code([&] { store_->complete_upload(session.id, crypto::Digest{crypto::sha256_hex("other")}); }),
            "digest_mismatch");
  EXPECT_FALSE(store_->find_upload(session.id));
  EXPECT_TRUE(store_->list().empty());
}

TEST_P(BlobStoreConformance, UploadSessionsAreCancelledAndPurged) {
  const UploadSession a = store_->start_upload("ada"), b = store_->start_upload("bob");
  EXPECT_TRUE(store_->cancel_upload(a.id));
  EXPECT_FALSE(store_->cancel_upload(a.id));
  EXPECT_EQ(store_->purge_uploads(std::chrono::hours(1)), 0u);  // too young
  EXPECT_EQ(store_->purge_uploads(std::chrono::seconds(-1)), 1u);
  EXPECT_FALSE(store_->find_upload(b.id));
  for (const char* bad : {"", "../blobs", "0123456789abcdef0123456/", "not-a-session"})
    EXPECT_FALSE(store_->find_upload(bad)) << bad;
}

}  // namespace synfire::storage::conformance
