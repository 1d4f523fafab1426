// ../shared/fixtures/semver: valid.txt, invalid.txt, order.txt, requirements.tsv.

#include <sstream>

#include "synfire/semver/semver.h"
#include "testing.h"

namespace synfire::semver {
namespace {

std::vector<std::string> lines(const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(synfire::testing::read_text(synfire::testing::fixtures_dir() / "semver" / name));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

TEST(SemverFixtures, AcceptsEveryValidVersion) {
  SYNFIRE_REQUIRE_FIXTURES();
  for (const auto& v : lines("valid.txt")) {
    std::string error;
    EXPECT_TRUE(parse(v, &error)) << v << ": " << error;
  }
}

TEST(SemverFixtures, RefusesEveryInvalidVersion) {
  SYNFIRE_REQUIRE_FIXTURES();
  for (const auto& v : lines("invalid.txt")) EXPECT_FALSE(parse(v)) << v;
}

TEST(SemverFixtures, OrdersByPrecedence) {
  SYNFIRE_REQUIRE_FIXTURES();
  const auto versions = lines("order.txt");
  for (std::size_t i = 0; i + 1 < versions.size(); ++i) {
    const auto a = parse(versions[i]), b = parse(versions[i + 1]);
    ASSERT_TRUE(a && b) << versions[i] << " " << versions[i + 1];
    EXPECT_TRUE(*a < *b) << versions[i] << " < " << versions[i + 1];
    EXPECT_LT(sort_key(*a), sort_key(*b)) << versions[i] << " < " << versions[i + 1];
  }
}

TEST(SemverFixtures, MatchesRequirements) {
  SYNFIRE_REQUIRE_FIXTURES();
  const auto rows = lines("requirements.tsv");
  ASSERT_GT(rows.size(), 1u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::istringstream row(rows[i]);
    std::string requirement, version, matches;
    std::getline(row, requirement, '\t');
    std::getline(row, version, '\t');
    std::getline(row, matches, '\t');
    std::string error;
    const auto req = Requirement::parse(requirement, &error);
    ASSERT_TRUE(req) << requirement << ": " << error;
    const auto v = parse(version);
    ASSERT_TRUE(v) << version;
    EXPECT_EQ(req->matches(*v), matches == "true") << requirement << " vs " << version;
  }
}

}  // namespace
}  // namespace synfire::semver
