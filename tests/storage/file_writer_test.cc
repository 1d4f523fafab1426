#include "file_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "synfire/error.h"
#include "testing.h"

namespace synfire::storage {
namespace {

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 11);
  return bytes;
}

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

class FileWriterTest : public ::testing::TestWithParam<bool> {
 protected:
  bool direct() const { return GetParam(); }
  synfire::testing::TempDir dir_;
};

// Pieces of odd sizes, flushes at unaligned offsets, and a writer that continues a
// file where another stopped: the file holds exactly the bytes, in order.
TEST_P(FileWriterTest, WritesEveryByteInOrderAcrossFlushesAndContinuations) {
  const std::string bytes = pattern((5 << 20) + 4321);
  const std::string path = dir_.file("f");
  const std::size_t cut = (2 << 20) + 777;
  {
    FileWriter writer(path, /*create=*/true, 0, direct());
    for (std::size_t at = 0; at < cut; at += 70'001)
      writer.append(as_bytes(std::string_view(bytes).substr(at, std::min<std::size_t>(70'001, cut - at))));
    writer.flush();
    EXPECT_EQ(writer.end(), cut);
  }
  FileWriter writer(path, /*create=*/false, cut, direct());
  std::size_t at = cut;
  while (at < bytes.size()) {  // half through reserve(), half through append()
    std::span<std::byte> space = writer.reserve();
    const std::size_t n = std::min<std::size_t>({bytes.size() - at, 123'457, space.empty() ? SIZE_MAX : space.size()});
    if (space.empty() || (at / 123'457) % 2 == 0) {
      writer.append(as_bytes(std::string_view(bytes).substr(at, n)));
    } else {
      std::memcpy(space.data(), bytes.data() + at, n);
      writer.commit_reserved(n);
    }
    at += n;
    if (at % 3 == 0) writer.flush();
  }
  writer.sync();
  EXPECT_EQ(writer.end(), bytes.size());
  EXPECT_TRUE(synfire::testing::read_text(path) == bytes);
}

// With a hasher, every byte goes through it in order whichever way it came (full
// buffers hashed on the writer's own thread, heads and tails inline), and the file is
// the same.
TEST_P(FileWriterTest, HashesEveryByteInOrderWhenAskedTo) {
  const std::string bytes = pattern((9 << 20) + 4321);
  const std::string path = dir_.file("f");
  const std::size_t cut = (3 << 20) + 777;
  crypto::Sha256 hasher;
  {
    FileWriter writer(path, /*create=*/true, 0, direct());
    writer.hash_into(&hasher);
    for (std::size_t at = 0; at < cut; at += 70'001)
      writer.append(as_bytes(std::string_view(bytes).substr(at, std::min<std::size_t>(70'001, cut - at))));
    writer.flush();
  }
  FileWriter writer(path, /*create=*/false, cut, direct());
  writer.hash_into(&hasher);
  for (std::size_t at = cut; at < bytes.size();) {
    std::span<std::byte> space = writer.reserve();
    const std::size_t n = std::min<std::size_t>({bytes.size() - at, 300'007, space.empty() ? SIZE_MAX : space.size()});
    if (space.empty()) {
      writer.append(as_bytes(std::string_view(bytes).substr(at, n)));
    } else {
      std::memcpy(space.data(), bytes.data() + at, n);
      writer.commit_reserved(n);
    }
    at += n;
  }
  writer.sync();
  crypto::Sha256 expected;
  expected.update(std::string_view(bytes));
  EXPECT_EQ(hasher.finish_hex(), expected.finish_hex());
  EXPECT_TRUE(synfire::testing::read_text(path) == bytes);
}

// A writer dropped without flush leaves a prefix of what it was given, never a hole.
TEST_P(FileWriterTest, ADroppedWriterLeavesAPrefix) {
  const std::string bytes = pattern(3 << 20);
  const std::string path = dir_.file("f");
  {
    FileWriter writer(path, /*create=*/true, 0, direct());
    writer.append(as_bytes(bytes));
  }
  const std::string kept = synfire::testing::read_text(path);
  EXPECT_LE(kept.size(), bytes.size());
  EXPECT_TRUE(bytes.compare(0, kept.size(), kept) == 0);
}

TEST_P(FileWriterTest, RefusesToCreateAFileThatExists) {
  const std::string path = dir_.file("f");
  FileWriter first(path, /*create=*/true, 0, direct());
  try {
    FileWriter second(path, /*create=*/true, 0, direct());
    FAIL() << "a second writer created the same file";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().code, "io_error");
  }
}

// /dev/full answers every write with ENOSPC, as a full disk does.
TEST_P(FileWriterTest, AFullDiskIsInsufficientStorageNotAnIoError) {
  const std::string bytes = pattern(3 << 20);
  try {
    FileWriter writer("/dev/full", /*create=*/false, 0, direct());
    writer.append(as_bytes(bytes));
    writer.flush();
    FAIL() << "writing to /dev/full succeeded";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().code, "insufficient_storage");
    EXPECT_NE(failure.error().message.find(std::strerror(ENOSPC)), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(DirectAndBuffered, FileWriterTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Direct" : "Buffered"; });

}  // namespace
}  // namespace synfire::storage
