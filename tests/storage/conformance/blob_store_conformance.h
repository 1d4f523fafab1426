#pragma once
// The behaviour every BlobStore driver must have. A driver's test instantiates
// BlobStoreConformance with a factory that opens a fresh, empty store; every test
// ends by checking that nothing was left behind (no stray blob, no temporary data).

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>
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

  std::string read_whole(const crypto::Digest& digest) {
    auto reader = store_->open(digest);
    if (!reader) return "<absent>";
    std::string out;
    std::vector<std::byte> buffer(1 << 20);
    for (std::size_t n; (n = reader->read(buffer)) > 0;) out.append(reinterpret_cast<const char*>(buffer.data()), n);
    return out;
  }

  // Bytes that differ everywhere, so that a piece written at the wrong place shows.
  static std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (auto& byte : bytes) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      byte = static_cast<char>(state);
    }
    return bytes;
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

// Large blobs take other paths in a driver (direct I/O, multipart uploads): sizes
// that are not multiples of any block, in pieces of odd sizes.
TEST_P(BlobStoreConformance, StoresALargeBlobWrittenInOddPieces) {
  const std::string bytes = pattern((9 << 20) + 12345);
  const crypto::Digest digest = put(bytes, 100'003);
  EXPECT_EQ(digest.hex, crypto::sha256_hex(bytes));
  EXPECT_EQ(*store_->size(digest), bytes.size());
  EXPECT_TRUE(read_whole(digest) == bytes);
}

TEST_P(BlobStoreConformance, ALargeUploadSessionContinuesAtUnevenOffsets) {
  const std::string bytes = pattern((7 << 20) + 777);
  const UploadSession session = store_->start_upload("ada");
  const std::size_t cuts[] = {0, 4095, (3 << 20) + 1, (6 << 20) + 4097, bytes.size()};
  for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
    auto appender = store_->append_to_upload(session.id, cuts[i]);
    for (std::size_t at = cuts[i]; at < cuts[i + 1]; at += 65'537)
      appender->append(as_bytes(std::string_view(bytes).substr(at, std::min<std::size_t>(65'537, cuts[i + 1] - at))));
    EXPECT_EQ(appender->finish(), cuts[i + 1]);
  }
  const crypto::Digest digest = store_->complete_upload(session.id, crypto::Digest{crypto::sha256_hex(bytes)});
  EXPECT_TRUE(read_whole(digest) == bytes);
}

TEST_P(BlobStoreConformance, AnAppendCutShortKeepsAPrefixToResumeFrom) {
  const std::string bytes = pattern(5 << 20);
  const UploadSession session = store_->start_upload("ada");
  {
    auto appender = store_->append_to_upload(session.id, 0);
    appender->append(as_bytes(std::string_view(bytes).substr(0, (3 << 20) + 5)));
  }  // the request ends without finishing
  const std::uint64_t offset = store_->find_upload(session.id)->offset;
  EXPECT_LE(offset, (3u << 20) + 5);
  EXPECT_EQ(store_->append_upload(session.id, offset, as_bytes(std::string_view(bytes).substr(offset))), bytes.size());
  const crypto::Digest digest = store_->complete_upload(session.id, crypto::Digest{crypto::sha256_hex(bytes)});
  EXPECT_TRUE(read_whole(digest) == bytes);
}

TEST_P(BlobStoreConformance, OneRequestAtATimeAppendsToASession) {
  const UploadSession session = store_->start_upload("ada");
  auto first = store_->append_to_upload(session.id, 0);
  first->append(as_bytes("first"));
  EXPECT_EQ(failure_code([&] { store_->append_to_upload(session.id, 0); }), "range_mismatch");
  EXPECT_EQ(first->finish(), 5u);
  first.reset();
  EXPECT_EQ(store_->append_upload(session.id, 5, as_bytes(" second")), 12u);
  EXPECT_EQ(failure_code([&] { store_->append_to_upload("000000000000000000000000", 0); }), "not_found");
  store_->cancel_upload(session.id);
}

// Receiving in place (reserve + commit_reserved) where a driver offers it, else
// append: the same bytes either way, for a blob and for an upload session.
TEST_P(BlobStoreConformance, StoresWhatIsReceivedInPlace) {
  const std::string bytes = pattern((5 << 20) + 999);
  auto feed = [&](auto& sink, std::size_t from, std::size_t to) {
    for (std::size_t at = from; at < to;) {
      const std::size_t piece = std::min<std::size_t>(300'007, to - at);
      std::span<std::byte> space = sink.reserve();
      if (space.empty()) {
        sink.append(as_bytes(std::string_view(bytes).substr(at, piece)));
        at += piece;
        continue;
      }
      const std::size_t n = std::min(piece, space.size());
      std::memcpy(space.data(), bytes.data() + at, n);
      sink.commit_reserved(n);
      at += n;
    }
  };
  BlobIngest ingest(*store_, crypto::Digest{crypto::sha256_hex(bytes)}, bytes.size());
  feed(ingest, 0, bytes.size());
  EXPECT_TRUE(read_whole(ingest.finish()) == bytes);

  const UploadSession session = store_->start_upload("ada");
  for (const auto& [from, to] : {std::pair<std::size_t, std::size_t>{0, 1'000'001}, {1'000'001, bytes.size()}}) {
    auto appender = store_->append_to_upload(session.id, from);
    feed(*appender, from, to);
    EXPECT_EQ(appender->finish(), to);
  }
  EXPECT_TRUE(read_whole(store_->complete_upload(session.id, crypto::Digest{crypto::sha256_hex(bytes)})) == bytes);
}

}  // namespace synfire::storage::conformance
