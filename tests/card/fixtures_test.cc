// Every fixture of ../shared/fixtures/cards gives exactly its expected (pointer, code) set.

#include <nlohmann/json.hpp>
#include <set>

#include "synfire/card/card.h"
#include "testing.h"

namespace synfire::card {
namespace {

using nlohmann::json;

std::vector<std::string> card_names() { return synfire::testing::fixture_cases("cards"); }

class CardFixture : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CardFixture);

TEST(CardFixtures, ArePresent) {
  SYNFIRE_REQUIRE_FIXTURES();
  EXPECT_GE(card_names().size(), 30u);
}

TEST_P(CardFixture, GivesTheExpectedErrors) {
  const auto dir = synfire::testing::fixtures_dir() / "cards";
  const json expected = json::parse(synfire::testing::read_text(dir / (GetParam() + ".expected.json")));
  const Result result = validate_file((dir / (GetParam() + ".json")).string());

  EXPECT_EQ(result.valid, expected["valid"].get<bool>());
  std::set<std::pair<std::string, std::string>> got, want;
  for (const auto& e : result.errors) {
    got.emplace(e.pointer, e.code);
    EXPECT_FALSE(e.message.empty());
  }
  if (expected.contains("errors"))
    for (const auto& e : expected["errors"]) want.emplace(e["pointer"], e["code"]);
  EXPECT_EQ(got, want);
  if (expected.contains("license")) {
    EXPECT_EQ(result.license, expected["license"].get<std::string>());
  }
  if (expected.contains("warnings"))
    for (const auto& pointer : expected["warnings"]) {
      bool warned = false;
      for (const auto& w : result.warnings) warned = warned || w.pointer == pointer.get<std::string>();
      EXPECT_TRUE(warned) << pointer;
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CardFixture, ::testing::ValuesIn(card_names()), synfire::testing::case_test_name);

}  // namespace
}  // namespace synfire::card
