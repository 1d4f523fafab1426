#include "synfire/semver/semver.h"

#include "testing.h"

namespace synfire::semver {
namespace {

Version v(const char* text) { return *parse(text); }

TEST(Semver, IgnoresBuildMetadataForIdentity) {
  EXPECT_EQ(v("1.2.3+a"), v("1.2.3+b"));
  EXPECT_EQ(sort_key(v("1.2.3+a")), sort_key(v("1.2.3")));
  EXPECT_EQ(v("1.2.3+build.7").to_string(), "1.2.3+build.7");
  EXPECT_EQ(v("1.2.3+build.7").to_string_without_build(), "1.2.3");
}

TEST(Semver, NumericIdentifiersFitIn64Bits) {
  EXPECT_TRUE(parse("18446744073709551615.0.0"));
  EXPECT_FALSE(parse("18446744073709551616.0.0"));
  EXPECT_FALSE(parse("1.0.0-18446744073709551616"));
}

TEST(Semver, ExplainsWhyAVersionIsInvalid) {
  std::string error;
  EXPECT_FALSE(parse("01.2.3", &error));
  EXPECT_NE(error.find("leading zero"), std::string::npos);
}

TEST(Requirement, PartialVersionsAreRanges) {
  const auto minor = Requirement::parse("1.2");
  EXPECT_TRUE(minor->matches(v("1.2.9")));
  EXPECT_FALSE(minor->matches(v("1.3.0")));
  const auto major = Requirement::parse("1");
  EXPECT_TRUE(major->matches(v("1.99.0")));
  EXPECT_FALSE(major->matches(v("2.0.0")));
  EXPECT_TRUE(Requirement::parse("~1")->matches(v("1.5.0")));
  EXPECT_TRUE(Requirement::parse(">=1.2")->matches(v("1.2.0")));
  EXPECT_TRUE(Requirement::parse("^0.0")->matches(v("0.0.7")));
  EXPECT_FALSE(Requirement::parse("^0.0")->matches(v("0.1.0")));
}

TEST(Requirement, RefusesBadSyntax) {
  for (const char* bad : {"", ">=", "1.2.3,", "!1.2.3", "v1.2.3", "1.2.x", ">= 1.2.3 <2"})
    EXPECT_FALSE(Requirement::parse(bad)) << bad;
  std::string error;
  EXPECT_FALSE(Requirement::parse(">=1 <2", &error));
  EXPECT_NE(error.find("join them with ','"), std::string::npos) << error;
  EXPECT_TRUE(Requirement::parse(">= 1.2, < 2"));  // spaces after an operator and around ',' are fine
}

}  // namespace
}  // namespace synfire::semver
