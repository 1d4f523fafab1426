// The registry core over real stores (SQLite, a folder) and the real model checker
// (the `synfire` binary in a resource-limited child process).

#include "synfire/registry/registry.h"

#include <fstream>

#include "synfire/error.h"
#include "synfire/nir/samples.h"
#include "synfire/nir/writer.h"
#include "testing.h"

namespace synfire::registry {
namespace {

using storage::Role;
using storage::Scope;

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest()
      : metadata_(storage::open_sqlite_metadata_store(dir_.file("meta.sqlite"))),
        blobs_(storage::open_filesystem_blob_store(dir_.path() / "data")),
        checker_(make_process_model_checker(SYNFIRE_CLI, limits())),
        registry_(*metadata_, *blobs_, *checker_, [this] { return now_; }) {}

  static WorkerLimits limits() {
    WorkerLimits l;
    l.wall_seconds = 5;
    l.memory_bytes = 1ULL << 30;
    return l;
  }

  Caller user(const std::string& name, Scope scope = Scope::admin) {
    registry_.sign_up(name, "correct horse battery");
    Caller caller = registry_.authenticate(registry_.log_in(name, "correct horse battery").secret);
    caller.scope = scope;
    return caller;
  }

  std::string upload(const std::string& bytes) {
    storage::BlobIngest ingest(*blobs_, std::nullopt);
    ingest.append(std::as_bytes(std::span(bytes.data(), bytes.size())));
    return ingest.finish().to_string();
  }

  std::string upload_file(const std::string& path) { return upload(synfire::testing::read_text(path)); }

  std::string sample_model() {
    nir::write_file(nir::samples::conv_classifier(), dir_.file("model.nir"));
    return upload_file(dir_.file("model.nir"));
  }

  ReleaseRequest request(const std::string& ns, const std::string& repo, const std::string& version) {
    return {ns, repo, version, {{"model.nir", sample_model()}, {"nir-card.json", upload(R"({"license": "mit"})")}}, false};
  }

  static Error error_of(const std::function<void()>& action) {
    try {
      action();
    } catch (const Failure& failure) {
      return failure.error();
    }
    return {"no error", "", "", {}};
  }

  synfire::testing::TempDir dir_;
  std::int64_t now_ = 1'700'000'000;
  std::unique_ptr<storage::MetadataStore> metadata_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<ModelChecker> checker_;
  Registry registry_;
};

TEST(Names, FollowTheRules) {
  EXPECT_FALSE(name_problem("nrg-lab"));
  EXPECT_FALSE(name_problem("snn_classifier.v2"));
  for (const char* bad : {"", "Upper", "../etc", "a..b", ".hidden", "-dash", "has space", "api", "a/b",
                          "ü", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    EXPECT_TRUE(name_problem(bad)) << bad;
}

TEST_F(RegistryTest, SignsUpLogsInAndAuthenticates) {
  registry_.sign_up("ada", "correct horse battery");
  EXPECT_EQ(error_of([&] { registry_.sign_up("ada", "another password"); }).code, "name_taken");
  EXPECT_EQ(error_of([&] { registry_.sign_up("bob", "short"); }).code, "invalid_password");
  EXPECT_EQ(error_of([&] { registry_.log_in("ada", "wrong password!"); }).code, "unauthorized");
  EXPECT_EQ(error_of([&] { registry_.log_in("nobody", "correct horse battery"); }).code, "unauthorized");
  const NewToken login = registry_.log_in("ada", "correct horse battery");
  EXPECT_EQ(registry_.authenticate(login.secret).user->name, "ada");
  EXPECT_NE(metadata_->find_user("ada")->password_hash.find("$argon2id$"), std::string::npos);
  EXPECT_FALSE(metadata_->find_token(crypto::sha256_hex(login.secret))->secret_sha256.empty());
  EXPECT_EQ(error_of([&] { registry_.authenticate("sf_not_a_token"); }).code, "unauthorized");
}

TEST_F(RegistryTest, TokensExpireAndAreRevoked) {
  const Caller ada = user("ada");
  const NewToken token = registry_.create_token(ada, "ci", Scope::read, now_ + 60);
  EXPECT_EQ(registry_.authenticate(token.secret).scope, Scope::read);
  now_ += 61;
  EXPECT_EQ(error_of([&] { registry_.authenticate(token.secret); }).code, "unauthorized");
  const NewToken other = registry_.create_token(ada, "laptop", Scope::write, std::nullopt);
  registry_.revoke_token(ada, other.token.id);
  EXPECT_EQ(error_of([&] { registry_.authenticate(other.secret); }).code, "unauthorized");
  const Caller reader = registry_.authenticate(registry_.create_token(ada, "r", Scope::read, std::nullopt).secret);
  EXPECT_EQ(error_of([&] { registry_.create_token(reader, "w", Scope::write, std::nullopt); }).code, "forbidden");
}

TEST_F(RegistryTest, OrganizationRolesGovernMembership) {
  const Caller ada = user("ada"), bob = user("bob"), eve = user("eve");
  registry_.create_org(ada, "nrg-lab");
  EXPECT_EQ(error_of([&] { registry_.create_org(bob, "ada"); }).code, "name_taken");
  registry_.set_member(ada, "nrg-lab", "bob", Role::write);
  EXPECT_EQ(error_of([&] { registry_.set_member(bob, "nrg-lab", "eve", Role::read); }).code, "forbidden");
  EXPECT_EQ(error_of([&] { registry_.set_member(eve, "nrg-lab", "eve", Role::owner); }).code, "not_found");
  EXPECT_EQ(error_of([&] { registry_.remove_member(ada, "nrg-lab", "ada"); }).code, "forbidden");  // last owner
  EXPECT_EQ(registry_.list_members(bob, "nrg-lab").size(), 2u);
  registry_.remove_member(ada, "nrg-lab", "bob");
  EXPECT_EQ(error_of([&] { registry_.list_members(bob, "nrg-lab"); }).code, "not_found");
}

TEST_F(RegistryTest, APrivateRepositoryIsNotFoundForWhoeverMayNotReadIt) {
  const Caller ada = user("ada"), bob = user("bob");
  registry_.create_org(ada, "nrg-lab");
  registry_.create_repo(ada, "nrg-lab", "secret", true, "");
  EXPECT_EQ(error_of([&] { registry_.get_repo(bob, "nrg-lab", "secret"); }).code, "not_found");
  EXPECT_EQ(error_of([&] { registry_.get_repo(Caller{}, "nrg-lab", "secret"); }).code, "not_found");
  registry_.set_member(ada, "nrg-lab", "bob", Role::read);
  EXPECT_EQ(registry_.get_repo(bob, "nrg-lab", "secret").name, "secret");
  EXPECT_EQ(error_of([&] { registry_.create_repo(bob, "nrg-lab", "other", false, ""); }).code, "forbidden");
  EXPECT_EQ(error_of([&] { registry_.create_repo(ada, "nrg-lab", "secret", false, ""); }).code, "repo_exists");
  EXPECT_EQ(error_of([&] { registry_.create_repo(ada, "nrg-lab", "../x", false, ""); }).code, "invalid_name");
}

TEST_F(RegistryTest, PublishesAnImmutableReleaseWithItsExtractedMetadata) {
  const Caller ada = user("ada");
  const storage::Release release = registry_.publish(ada, request("ada", "snn", "1.0.0+build.1"));
  EXPECT_EQ(release.version, "1.0.0");
  EXPECT_EQ(release.version_full, "1.0.0+build.1");
  EXPECT_EQ(release.license, "MIT");
  EXPECT_NE(release.extract_json.find("\"linear_ops\":[\"Affine\",\"Conv2d\"]"), std::string::npos);
  EXPECT_EQ(release.findings_json, "[]");
  EXPECT_EQ(release.files.size(), 2u);
  const Error again = error_of([&] { registry_.publish(ada, request("ada", "snn", "1.0.0+build.2")); });
  EXPECT_EQ(again.code, "release_exists");
  EXPECT_NE(again.message.find("immutable"), std::string::npos);
  EXPECT_EQ(registry_.get_release(Caller{}, "ada", "snn", "1.0.0").files, release.files);
}

TEST_F(RegistryTest, RefusesAnInvalidReleaseWithEveryError) {
  const Caller ada = user("ada");
  ReleaseRequest bad = request("ada", "snn", "1.0.0");
  bad.files["nir-card.json"] = upload(R"({"tags": ["Not OK"]})");
  bad.files["model.nir"] = upload("this is not an HDF5 file");
  const Error error = error_of([&] { registry_.publish(ada, bad); });
  EXPECT_EQ(error.code, "invalid_release");
  std::set<std::string> codes;
  for (const auto& d : error.details) codes.insert(d.code);
  EXPECT_EQ(codes, (std::set<std::string>{"required", "invalid_tag", "not_hdf5"}));
  EXPECT_FALSE(metadata_->find_repo("ada", "snn"));  // nothing created
  EXPECT_EQ(error_of([&] { registry_.publish(ada, request("ada", "snn", "v1.0")); }).code, "invalid_version");
  ReleaseRequest missing = request("ada", "snn", "1.0.0");
  missing.files["model.nir"] = "sha256:" + std::string(64, '0');
  EXPECT_EQ(error_of([&] { registry_.publish(ada, missing); }).code, "blob_unknown");
}

TEST_F(RegistryTest, AModelThatCrashesOrHangsLibhdf5CostsOneRefusal) {
  const std::string regress = std::string(SYNFIRE_REGRESS_DIR) + "/libhdf5/";
  const Caller ada = user("ada");
  for (const char* file : {"link-table-bad-free.nir", "global-heap-loop-version-string.nir"}) {
    ReleaseRequest hostile = request("ada", "snn", "1.0.0");
    hostile.files["model.nir"] = upload_file(regress + file);
    const Error error = error_of([&] { registry_.publish(ada, hostile); });
    EXPECT_EQ(error.code, "invalid_release") << file;
    ASSERT_EQ(error.details.size(), 1u) << file;
    EXPECT_TRUE(error.details[0].code == "worker_failed" || error.details[0].code == "not_hdf5")
        << file << ": " << error.details[0].code << " " << error.details[0].message;
  }
  EXPECT_EQ(registry_.publish(ada, request("ada", "snn", "1.0.0")).version, "1.0.0");  // still serving
}

TEST_F(RegistryTest, LatestResolveAndYank) {
  const Caller ada = user("ada");
  for (const char* v : {"1.0.0", "1.2.0", "2.0.0-rc.1", "1.10.0"}) registry_.publish(ada, request("ada", "snn", v));
  EXPECT_EQ(registry_.latest(Caller{}, "ada", "snn").version, "1.10.0");
  EXPECT_EQ(registry_.resolve(Caller{}, "ada", "snn", "^1.2").version, "1.10.0");
  EXPECT_EQ(registry_.resolve(Caller{}, "ada", "snn", "~1.2").version, "1.2.0");
  EXPECT_EQ(registry_.resolve(Caller{}, "ada", "snn", ">=2.0.0-rc.1").version, "2.0.0-rc.1");
  EXPECT_EQ(error_of([&] { registry_.set_yanked(ada, "ada", "snn", "1.10.0", true, ""); }).code, "invalid_request");
  registry_.set_yanked(ada, "ada", "snn", "1.10.0", true, "wrong weights");
  EXPECT_EQ(registry_.latest(Caller{}, "ada", "snn").version, "1.2.0");
  EXPECT_EQ(registry_.resolve(Caller{}, "ada", "snn", "^1").version, "1.2.0");
  EXPECT_TRUE(registry_.get_release(Caller{}, "ada", "snn", "1.10.0").yanked);  // still there by exact version
  EXPECT_EQ(error_of([&] { registry_.resolve(Caller{}, "ada", "snn", "^9"); }).code, "not_found");
  EXPECT_EQ(error_of([&] { registry_.resolve(Caller{}, "ada", "snn", "1.2.x"); }).code, "invalid_requirement");
  const Caller bob = user("bob");
  EXPECT_EQ(error_of([&] { registry_.set_yanked(bob, "ada", "snn", "1.0.0", true, "x"); }).code, "forbidden");
}

TEST_F(RegistryTest, CollectsUnreferencedBlobsAfterTheGracePeriodOnly) {
  const Caller ada = user("ada");
  const storage::Release release = registry_.publish(ada, request("ada", "snn", "1.0.0"));
  const auto orphan = *crypto::Digest::parse(upload("uploaded, never released"));
  const auto session = blobs_->start_upload("ada");
  now_ = system_clock_now();
  EXPECT_EQ(registry_.collect_garbage(std::chrono::hours(1)).blobs_removed, 0u);  // within the grace period
  now_ += 2 * 3600;
  const auto report = registry_.collect_garbage(std::chrono::hours(1));
  EXPECT_EQ(report.blobs_removed, 1u);
  EXPECT_FALSE(blobs_->size(orphan));
  for (const auto& file : release.files) EXPECT_TRUE(blobs_->size(crypto::Digest{file.sha256})) << file.name;
  EXPECT_TRUE(blobs_->find_upload(session.id));  // its files are not old on disk yet
}

}  // namespace
}  // namespace synfire::registry
