#include <sqlite3.h>

#include "conformance/metadata_store_conformance.h"
#include "synfire/error.h"
#include "testing.h"

namespace synfire::storage {
namespace {

synfire::testing::TempDir& root() {
  static synfire::testing::TempDir dir;
  return dir;
}

std::unique_ptr<MetadataStore> fresh_sqlite_store() {
  static int counter = 0;
  return open_sqlite_metadata_store(root().file("meta" + std::to_string(counter++) + ".sqlite"));
}

using conformance::MetadataStoreConformance;
INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreConformance,
                         ::testing::Values(conformance::MetadataStoreFactory(fresh_sqlite_store)));

int raw_exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

TEST(SqliteMetadataStore, KeepsDataAcrossReopeningAndMigratesOnce) {
  synfire::testing::TempDir dir;
  const std::string path = dir.file("meta.sqlite");
  open_sqlite_metadata_store(path)->create_user("ada", "h", true, 1);
  auto store = open_sqlite_metadata_store(path);
  EXPECT_TRUE(store->find_user("ada")->admin);
}

TEST(SqliteMetadataStore, RefusesADatabaseFromANewerVersion) {
  synfire::testing::TempDir dir;
  const std::string path = dir.file("meta.sqlite");
  open_sqlite_metadata_store(path);
  ASSERT_EQ(raw_exec(path, "INSERT INTO schema_migrations VALUES (999, 0)"), SQLITE_OK);
  EXPECT_THROW(open_sqlite_metadata_store(path), Failure);
}

TEST(SqliteMetadataStore, TheDatabaseItselfRefusesToChangeAReleasesFiles) {
  synfire::testing::TempDir dir;
  const std::string path = dir.file("meta.sqlite");
  {
    auto store = open_sqlite_metadata_store(path);
    store->create_user("ada", "h", false, 1);
    const Repo repo = *store->create_repo("ada", "snn", false, "", 1);
    Release r;
    r.repo_id = repo.id;
    r.version = r.version_full = "1.0.0";
    r.files = {{"model.nir", 1, std::string(64, 'a')}};
    ASSERT_EQ(store->create_release(r), CreateResult::created);
  }
  EXPECT_NE(raw_exec(path, "UPDATE release_files SET sha256 = 'x'"), SQLITE_OK);
  EXPECT_NE(raw_exec(path, "DELETE FROM release_files"), SQLITE_OK);
}

}  // namespace
}  // namespace synfire::storage
