#pragma once
// The behaviour every MetadataStore driver must have. A driver's test instantiates
// MetadataStoreConformance with a factory that opens a fresh, empty store.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "synfire/storage/metadata_store.h"

namespace synfire::storage::conformance {

using MetadataStoreFactory = std::function<std::unique_ptr<MetadataStore>()>;

class MetadataStoreConformance : public ::testing::TestWithParam<MetadataStoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam()(); }

  User user(const std::string& name) { return *store_->create_user(name, "hash-of-" + name, false, 100); }

  Release release(std::int64_t repo_id, const std::string& version, const std::string& sort_key,
                  const std::string& blob = std::string(64, 'a')) {
    Release r;
    r.repo_id = repo_id;
    r.version = version;
    r.version_full = version;
    r.sort_key = sort_key;
    r.card_json = R"({"license":"MIT"})";
    r.extract_json = "{}";
    r.findings_json = "[]";
    r.license = "MIT";
    r.created_by = "ada";
    r.created_at = 200;
    r.files = {{"model.nir", 1234, blob}, {"nir-card.json", 20, std::string(64, 'c')}};
    return r;
  }

  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreConformance, UsersAndOrganizationsShareOneNamespace) {
  const User ada = user("ada");
  EXPECT_EQ(store_->find_user("ada")->id, ada.id);
  EXPECT_EQ(store_->find_user_by_id(ada.id)->name, "ada");
  EXPECT_EQ(store_->find_user("ada")->password_hash, "hash-of-ada");
  EXPECT_FALSE(store_->create_user("ada", "x", false, 1));
  EXPECT_FALSE(store_->create_org("ada", ada.id, 1));
  ASSERT_TRUE(store_->create_org("nrg-lab", ada.id, 1));
  EXPECT_FALSE(store_->create_user("nrg-lab", "x", false, 1));
  EXPECT_FALSE(store_->find_user("nobody"));
}

TEST_P(MetadataStoreConformance, TokensAreFoundByTheHashOfTheirSecretAndRevokedByTheirOwner) {
  const User ada = user("ada"), bob = user("bob");
  const Token token = store_->create_token(ada.id, "laptop", std::string(64, '1'), Scope::write, 999, 100);
  store_->create_token(ada.id, "ci", std::string(64, '2'), Scope::read, std::nullopt, 100);
  const auto found = store_->find_token(std::string(64, '1'));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, ada.id);
  EXPECT_EQ(found->scope, Scope::write);
  EXPECT_EQ(found->expires_at, 999);
  EXPECT_EQ(store_->list_tokens(ada.id).size(), 2u);
  EXPECT_FALSE(store_->revoke_token(bob.id, token.id));
  EXPECT_TRUE(store_->revoke_token(ada.id, token.id));
  EXPECT_TRUE(store_->find_token(std::string(64, '1'))->revoked);
  EXPECT_FALSE(store_->find_token(std::string(64, '9')));
}

TEST_P(MetadataStoreConformance, OrganizationsHaveMembersWithRoles) {
  const User ada = user("ada"), bob = user("bob");
  const Org org = *store_->create_org("nrg-lab", ada.id, 1);
  EXPECT_EQ(store_->member_role(org.id, ada.id), Role::owner);
  EXPECT_FALSE(store_->member_role(org.id, bob.id));
  store_->set_member(org.id, bob.id, Role::write);
  store_->set_member(org.id, bob.id, Role::admin);
  EXPECT_EQ(store_->member_role(org.id, bob.id), Role::admin);
  const auto members = store_->list_members(org.id);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].user, "bob");
  EXPECT_TRUE(store_->remove_member(org.id, bob.id));
  EXPECT_FALSE(store_->remove_member(org.id, bob.id));
}

TEST_P(MetadataStoreConformance, RepositoryNamesAreUniquePerNamespace) {
  user("ada");
  const Repo repo = *store_->create_repo("ada", "snn", true, "a model", 5);
  EXPECT_FALSE(store_->create_repo("ada", "snn", false, "", 6));
  const auto found = store_->find_repo("ada", "snn");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, repo.id);
  EXPECT_TRUE(found->is_private);
  EXPECT_FALSE(store_->find_repo("ada", "other"));
}

TEST_P(MetadataStoreConformance, DownloadsAreCountedPerReleaseAndRepository) {
  user("ada");
  const Repo repo = *store_->create_repo("ada", "snn", false, "", 5);
  Release one = release(repo.id, "1.0.0", "b");
  Release two = release(repo.id, "2.0.0", "c", std::string(64, 'c'));
  ASSERT_EQ(store_->create_release(one), CreateResult::created);
  ASSERT_EQ(store_->create_release(two), CreateResult::created);
  store_->count_download(repo.id, one.id);
  store_->count_download(repo.id, one.id);
  store_->count_download(repo.id, two.id);
  EXPECT_EQ(store_->find_repo("ada", "snn")->downloads, 3);
  EXPECT_EQ(store_->find_release(repo.id, "1.0.0")->downloads, 2);
  EXPECT_EQ(store_->find_release(repo.id, "2.0.0")->downloads, 1);
}

TEST_P(MetadataStoreConformance, TheAuditLogIsPerNamespaceNewestFirstAndPages) {
  for (int i = 1; i <= 5; ++i)
    store_->append_audit({0, 100 + i, "ada", "release.publish", "lab", "snn@1.0." + std::to_string(i), "{}"});
  store_->append_audit({0, 200, "bob", "token.create", "bob", "7", ""});
  const auto newest = store_->list_audit("lab", 2, 0);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].target, "snn@1.0.5");
  EXPECT_EQ(newest[0].at, 105);
  EXPECT_EQ(newest[0].actor, "ada");
  EXPECT_EQ(newest[1].target, "snn@1.0.4");
  const auto older = store_->list_audit("lab", 10, newest[1].id);
  ASSERT_EQ(older.size(), 3u);
  EXPECT_EQ(older[2].target, "snn@1.0.1");
  ASSERT_EQ(store_->list_audit("bob", 10, 0).size(), 1u);
  EXPECT_TRUE(store_->list_audit("nobody", 10, 0).empty());
}

TEST_P(MetadataStoreConformance, AReleaseIsCreatedOnceWithItsFiles) {
  user("ada");
  const Repo repo = *store_->create_repo("ada", "snn", false, "", 5);
  Release first = release(repo.id, "1.0.0", "b");
  EXPECT_EQ(store_->create_release(first), CreateResult::created);
  Release again = release(repo.id, "1.0.0", "b", std::string(64, 'f'));
  EXPECT_EQ(store_->create_release(again), CreateResult::exists);
  const auto found = store_->find_release(repo.id, "1.0.0");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->files, first.files);
  EXPECT_EQ(store_->referenced_blobs(), (std::vector<std::string>{std::string(64, 'a'), std::string(64, 'c')}));
  EXPECT_TRUE(store_->blob_referenced(std::string(64, 'a')));
  EXPECT_FALSE(store_->blob_referenced(std::string(64, 'f')));
}

TEST_P(MetadataStoreConformance, ListsReleasesNewestFirstAndYanksByFlag) {
  user("ada");
  const Repo repo = *store_->create_repo("ada", "snn", false, "", 5);
  for (auto [version, key] : {std::pair{"1.0.0", "b"}, {"2.0.0", "c"}, {"1.0.0-rc.1", "a"}}) {
    Release r = release(repo.id, version, key);
    ASSERT_EQ(store_->create_release(r), CreateResult::created);
  }
  const auto releases = store_->list_releases(repo.id);
  ASSERT_EQ(releases.size(), 3u);
  EXPECT_EQ(releases[0].version, "2.0.0");
  EXPECT_EQ(releases[2].version, "1.0.0-rc.1");
  EXPECT_TRUE(store_->set_yanked(repo.id, "2.0.0", true, "wrong weights"));
  EXPECT_TRUE(store_->find_release(repo.id, "2.0.0")->yanked);
  EXPECT_EQ(store_->find_release(repo.id, "2.0.0")->yank_reason, "wrong weights");
  EXPECT_EQ(store_->find_release(repo.id, "2.0.0")->files.size(), 2u);  // still downloadable
  EXPECT_EQ(store_->latest_release(repo.id)->version, "1.0.0");  // 2.0.0 yanked, rc is a pre-release
  EXPECT_TRUE(store_->set_yanked(repo.id, "1.0.0", true, "x"));
  EXPECT_EQ(store_->latest_release(repo.id)->version, "1.0.0-rc.1");
  EXPECT_EQ(store_->latest_release(repo.id)->files.size(), 2u);
  EXPECT_TRUE(store_->set_yanked(repo.id, "1.0.0-rc.1", true, "x"));
  EXPECT_FALSE(store_->latest_release(repo.id));
  EXPECT_TRUE(store_->set_yanked(repo.id, "1.0.0", false, ""));
  EXPECT_TRUE(store_->set_yanked(repo.id, "2.0.0", false, ""));
  EXPECT_EQ(store_->latest_release(repo.id)->version, "2.0.0");
  EXPECT_FALSE(store_->find_release(repo.id, "2.0.0")->yanked);
  EXPECT_FALSE(store_->set_yanked(repo.id, "9.9.9", true, "x"));
}

TEST_P(MetadataStoreConformance, ExactlyOneOf32ConcurrentPushesOfAVersionWins) {
  user("ada");
  const Repo repo = *store_->create_repo("ada", "snn", false, "", 5);
  std::atomic<int> created{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i)
    threads.emplace_back([&, i] {
      Release r = release(repo.id, "1.0.0", "b", std::string(63, 'a') + static_cast<char>('a' + i % 6));
      (store_->create_release(r) == CreateResult::created ? created : exists)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), 31);
  EXPECT_EQ(store_->list_releases(repo.id).size(), 1u);
  EXPECT_EQ(store_->find_release(repo.id, "1.0.0")->files.size(), 2u);
}

}  // namespace synfire::storage::conformance
