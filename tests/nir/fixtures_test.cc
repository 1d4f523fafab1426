// Every fixture of ../shared/fixtures/nir: the extraction (or error class) matches
// its .expected.json, and every readable file survives read -> write -> read.

#include <algorithm>

#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/json.h"
#include "synfire/nir/reader.h"
#include "synfire/nir/writer.h"
#include "testing.h"

namespace synfire::nir {
namespace {

using nlohmann::json;
using synfire::testing::fixtures_dir;

std::vector<std::string> fixture_names() { return synfire::testing::fixture_cases("nir"); }

std::string nir_path(const std::string& name) { return (fixtures_dir() / "nir" / (name + ".nir")).string(); }
json expected_for(const std::string& name) {
  return json::parse(synfire::testing::read_text(fixtures_dir() / "nir" / (name + ".expected.json")));
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> readable_fixture_names() {
  std::vector<std::string> names;
  for (const auto& name : fixture_names())
    if (expected_for(name)["ok"].get<bool>()) names.push_back(name);
  return names;
}

class NirFixture : public ::testing::TestWithParam<std::string> {};
class ReadableNirFixture : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NirFixture);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ReadableNirFixture);

TEST(NirFixtures, ArePresent) {
  SYNFIRE_REQUIRE_FIXTURES();
  EXPECT_GE(fixture_names().size(), 50u);
}

TEST_P(NirFixture, MatchesExpectedExtractionOrError) {
  const std::string name = GetParam();
  const json expected = expected_for(name);
  if (!expected["ok"].get<bool>()) {
    try {
      analyze(read_file(nir_path(name)));
      FAIL() << name << " was read, but it must fail with " << expected["error"];
    } catch (const Failure& failure) {
      EXPECT_EQ(failure.error().code, expected["error"].get<std::string>()) << failure.error().message;
      EXPECT_FALSE(failure.error().message.empty());
    }
    return;
  }
  const Analysis analysis = analyze(read_file(nir_path(name)));
  EXPECT_EQ(to_json(analysis.extract), expected["extract"]) << to_json(analysis.extract).dump(1);
  auto expected_codes = expected["finding_codes"].get<std::vector<std::string>>();
  std::sort(expected_codes.begin(), expected_codes.end());
  EXPECT_EQ(codes(analysis.findings), expected_codes);
  for (const auto& finding : analysis.findings) {
    EXPECT_FALSE(finding.path.empty()) << finding.code;
    EXPECT_FALSE(finding.message.empty()) << finding.code;
  }
}

TEST_P(ReadableNirFixture, SurvivesReadWriteRead) {
  const std::string name = GetParam();
  synfire::testing::TempDir dir;
  const Document original = read_file(nir_path(name));
  write_file(original, dir.file("out.nir"));
  const Document copy = read_file(dir.file("out.nir"));
  EXPECT_TRUE(equal(original.graph, copy.graph));
  EXPECT_EQ(copy.version, std::string(kWriterNirVersion));

  // The extraction is unchanged but for the version; legacy v_reset is now written.
  Extract before = analyze(original).extract, after = analyze(copy).extract;
  before.nir_version = after.nir_version;
  EXPECT_EQ(to_json(before), to_json(after));
  auto without_legacy = [](std::vector<std::string> c) {
    c.erase(std::remove(c.begin(), c.end(), "legacy_missing_v_reset"), c.end());
    return c;
  };
  EXPECT_EQ(without_legacy(codes(analyze(original).findings)), codes(analyze(copy).findings));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, NirFixture, ::testing::ValuesIn(fixture_names()), synfire::testing::case_test_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, ReadableNirFixture, ::testing::ValuesIn(readable_fixture_names()), synfire::testing::case_test_name);

}  // namespace
}  // namespace synfire::nir
