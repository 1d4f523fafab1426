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

}  // namespace
}  // namespace synfire::crypto
