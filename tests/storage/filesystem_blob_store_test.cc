#include <filesystem>

#include "conformance/blob_store_conformance.h"
#include "testing.h"

namespace synfire::storage {
namespace {

// One folder for the whole test program, removed at exit; each store gets its own.
synfire::testing::TempDir& root() {
  static synfire::testing::TempDir dir;
  return dir;
}

std::unique_ptr<BlobStore> fresh_filesystem_store() {
  static int counter = 0;
  return open_filesystem_blob_store(root().path() / ("store" + std::to_string(counter++)));
}

using conformance::BlobStoreConformance;
INSTANTIATE_TEST_SUITE_P(Filesystem, BlobStoreConformance,
                         ::testing::Values(conformance::BlobStoreFactory(fresh_filesystem_store)));

TEST(FilesystemBlobStore, LaysBlobsOutByTheirDigest) {
  synfire::testing::TempDir dir;
  auto store = open_filesystem_blob_store(dir.path());
  BlobIngest ingest(*store, std::nullopt);
  ingest.append(std::as_bytes(std::span("abc", 3)));
  const crypto::Digest digest = ingest.finish();
  EXPECT_EQ(blob_key(digest), "sha256/ba/78/" + digest.hex);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "blobs" / blob_key(digest)));
}

TEST(FilesystemBlobStore, PurgesTemporaryFilesLeftByACrash) {
  synfire::testing::TempDir dir;
  auto store = open_filesystem_blob_store(dir.path());
  std::ofstream(dir.path() / "tmp" / "write-left-by-a-crash") << "partial";
  EXPECT_EQ(store->purge_incomplete(std::chrono::hours(1)), 0u);  // too young
  EXPECT_EQ(store->purge_incomplete(std::chrono::seconds(-1)), 1u);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "tmp"));
}

}  // namespace
}  // namespace synfire::storage
