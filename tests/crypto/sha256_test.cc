#include "synfire/crypto/sha256.h"

#include <fstream>

#include "synfire/error.h"
#include "testing.h"

namespace synfire::crypto {
namespace {

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, GivesTheSameDigestInPiecesAndForAFile) {
  Sha256 pieces;
  pieces.update("ab");
  pieces.update("c");
  EXPECT_EQ(pieces.finish_hex(), sha256_hex("abc"));
  synfire::testing::TempDir dir;
  std::ofstream(dir.file("f")) << "abc";
  EXPECT_EQ(sha256_file_hex(dir.file("f")), sha256_hex("abc"));
  EXPECT_THROW(sha256_file_hex(dir.file("absent")), Failure);
}

TEST(Digest, ParsesOnlyLowerCaseSha256) {
  const std::string hex(64, 'a');
  EXPECT_EQ(Digest::parse("sha256:" + hex)->hex, hex);
  EXPECT_EQ(Digest::parse("sha256:" + hex)->to_string(), "sha256:" + hex);
  EXPECT_FALSE(Digest::parse(hex));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(Digest::parse("sha512:" + hex));
  EXPECT_FALSE(Digest::parse("sha256:../../" + std::string(58, 'a')));
}

TEST(PipelinedSha256, EqualsTheOneThreadDigestForEverySizeAndSlicing) {
  std::string data(13 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4} << 20, (std::size_t{4} << 20) + 1, data.size()}) {
    for (const std::size_t slice : {std::size_t{1000}, std::size_t{1} << 20, (std::size_t{3} << 20) + 7}) {
      PipelinedSha256 pipelined;
      for (std::size_t at = 0; at < size; at += slice)
        pipelined.update(std::as_bytes(std::span(data.data() + at, std::min(slice, size - at))));
      EXPECT_EQ(pipelined.finish_hex(), sha256_hex(std::string_view(data.data(), size))) << size << " " << slice;
    }
  }
}

TEST(PipelinedSha256, GoesOnAfterItsWorkerEndedForLackOfWork) {
  std::string data(12 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + (i >> 11));
  PipelinedSha256 pipelined;
  pipelined.update(std::as_bytes(std::span(data.data(), 6 << 20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the worker ends after 1 s idle
  pipelined.update(std::as_bytes(std::span(data.data() + (6 << 20), data.size() - (6 << 20))));
  EXPECT_EQ(pipelined.finish_hex(), sha256_hex(data));
}

TEST(PipelinedSha256, CanBeAbandonedHalfway) {
  const std::string data(6 << 20, 'x');
  PipelinedSha256 pipelined;
  pipelined.update(std::as_bytes(std::span(data.data(), data.size())));
}  // the destructor stops the worker

}  // namespace
}  // namespace synfire::crypto
