// The client's offline rules: repository references, version suggestions, rates,
// settings and credentials (the transfers are tested end to end by the pytest suites).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "synfire/client/client.h"
#include "testing.h"

namespace synfire::client {
namespace {

namespace fs = std::filesystem;

TEST(RepoRef, SplitsNamespaceNameAndRequirement) {
  const RepoRef ref = parse_repo_ref("nrg-lab/snn-classifier@^1.0", true);
  EXPECT_EQ(ref.ns, "nrg-lab");
  EXPECT_EQ(ref.name, "snn-classifier");
  EXPECT_EQ(ref.requirement, "^1.0");
  EXPECT_FALSE(parse_repo_ref("a/b", true).requirement);
}

TEST(RepoRef, RefusesWhatIsNotNamespaceSlashName) {
  for (const char* bad : {"no-slash", "/name", "ns/", "a/b/c", "a/b@"}) {
    try {
      parse_repo_ref(bad, true);
      ADD_FAILURE() << bad;
    } catch (const ClientFailure& failure) {
      EXPECT_EQ(failure.error().code, "invalid_input") << bad;
    }
  }
  EXPECT_THROW(parse_repo_ref("a/b@1.0.0", false), ClientFailure);
}

TEST(NextPatchVersion, DropsPreReleaseAndBuild) {
  EXPECT_EQ(next_patch_version("1.0.0"), "1.0.1");
  EXPECT_EQ(next_patch_version("2.3.9-rc.1+build.5"), "2.3.10");
}

TEST(Rate, TakesSuffixes) {
  EXPECT_EQ(parse_rate("500"), 500u);
  EXPECT_EQ(parse_rate("500K"), 500u * 1024);
  EXPECT_EQ(parse_rate("20M"), 20u << 20);
  EXPECT_EQ(parse_rate("1.5G"), 3ull << 29);
  for (const char* bad : {"", "fast", "-1M", "10X"}) EXPECT_THROW(parse_rate(bad), ClientFailure) << bad;
}

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = temp_.path();
    ::setenv("XDG_CONFIG_HOME", (root_ / "config").c_str(), 1);
    ::setenv("XDG_CACHE_HOME", (root_ / "cache").c_str(), 1);
    for (const char* name : {"SYNFIRE_ENDPOINT", "SYNFIRE_TOKEN", "SYNFIRE_OFFLINE", "SYNFIRE_LIMIT_RATE"}) ::unsetenv(name);
  }
  synfire::testing::TempDir temp_;
  fs::path root_;
};

TEST_F(SettingsTest, EndpointFromFlagThenEnvironmentThenConfigThenDefault) {
  EXPECT_EQ(load_settings().endpoint, "http://127.0.0.1:8080");
  fs::create_directories(root_ / "config" / "synfire");
  std::ofstream(root_ / "config" / "synfire" / "config.toml") << "endpoint = \"https://models.example.org/\"\n";
  EXPECT_EQ(load_settings().endpoint, "https://models.example.org");
  ::setenv("SYNFIRE_ENDPOINT", "http://localhost:9000", 1);
  EXPECT_EQ(load_settings().endpoint, "http://localhost:9000");
  EXPECT_EQ(load_settings(std::string("http://flag:1")).endpoint, "http://flag:1");
  EXPECT_THROW(load_settings(std::string("ftp://x")), ClientFailure);
}

TEST_F(SettingsTest, CredentialsArePerEndpointAndPrivate) {
  const Settings a = load_settings(std::string("http://a:1"));
  const Settings b = load_settings(std::string("http://b:2"));
  save_credentials(a, "token-a", "ada");
  save_credentials(b, "token-b", "bob");
  EXPECT_EQ(load_settings(std::string("http://a:1")).token, "token-a");
  EXPECT_EQ(load_settings(std::string("http://b:2")).token, "token-b");
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "config" / "synfire" / "credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ::setenv("SYNFIRE_TOKEN", "from-env", 1);
  EXPECT_EQ(load_settings(std::string("http://a:1")).token, "from-env");
  ::unsetenv("SYNFIRE_TOKEN");

  EXPECT_TRUE(forget_credentials(a));
  EXPECT_FALSE(forget_credentials(a));
  EXPECT_EQ(load_settings(std::string("http://a:1")).token, "");
  EXPECT_EQ(load_settings(std::string("http://b:2")).token, "token-b");
}

TEST_F(SettingsTest, OfflineAndRateFromTheEnvironment) {
  EXPECT_FALSE(load_settings().offline);
  ::setenv("SYNFIRE_OFFLINE", "1", 1);
  ::setenv("SYNFIRE_LIMIT_RATE", "2M", 1);
  const Settings settings = load_settings();
  EXPECT_TRUE(settings.offline);
  EXPECT_EQ(settings.max_rate, 2u << 20);
}

TEST_F(SettingsTest, OfflinePullWithAnEmptyCacheSaysSo) {
  ::setenv("SYNFIRE_OFFLINE", "1", 1);
  Client client(load_settings());
  try {
    client.pull({"nrg-lab/model", "^1.0", root_ / "out"});
    ADD_FAILURE();
  } catch (const ClientFailure& failure) {
    EXPECT_EQ(failure.error().code, "offline_miss");
    EXPECT_NE(failure.error().message.find("cached: none"), std::string::npos) << failure.error().message;
  }
}

TEST_F(SettingsTest, PushWithoutATokenFailsAfterLocalChecksWithoutNetwork) {
  Client client(load_settings(std::string("http://127.0.0.1:9")));
  try {
    client.push({"nrg-lab/model", "1.0.0", root_ / "missing.nir", root_ / "missing.json", {}, {}, false});
    ADD_FAILURE();
  } catch (const ClientFailure& failure) {
    EXPECT_EQ(failure.error().code, "invalid_input");
    EXPECT_NE(failure.error().where.find("missing.nir"), std::string::npos);
  }
  try {
    client.push({"nrg-lab/model", "1.0", root_ / "missing.nir", root_ / "missing.json", {}, {}, false});
    ADD_FAILURE();
  } catch (const ClientFailure& failure) {
    EXPECT_EQ(failure.error().code, "invalid_version");
  }
}

}  // namespace
}  // namespace synfire::client
