#include "synfire/card/card.h"

#include <nlohmann/json.hpp>

#include "testing.h"

namespace synfire::card {
namespace {

TEST(License, StoresTheListsCanonicalCase) {
  EXPECT_EQ(check_license("apache-2.0").canonical, "Apache-2.0");
  EXPECT_EQ(check_license("(mit OR bsd-3-clause)").canonical, "(MIT OR BSD-3-Clause)");
  EXPECT_EQ(check_license("gpl-2.0-only WITH classpath-exception-2.0").canonical,
            "GPL-2.0-only WITH Classpath-exception-2.0");
  EXPECT_EQ(check_license("licenseref-Lab-1.0").canonical, "LicenseRef-Lab-1.0");
  EXPECT_EQ(check_license("Apache-1.0+").canonical, "Apache-1.0+");
}

TEST(License, AcceptsDeprecatedIdsWithAWarning) {
  const Result result = validate(R"({"license": "GPL-2.0"})");
  EXPECT_TRUE(result.valid);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_EQ(result.warnings[0].pointer, "/license");
  EXPECT_EQ(result.warnings[0].code, "deprecated_license");
}

TEST(License, DeprecatedIdsComeWithWhatToWriteInstead) {
  EXPECT_EQ(deprecated_license_advice("GPL-3.0"), "'GPL-3.0-only' or 'GPL-3.0-or-later'");
  EXPECT_EQ(deprecated_license_advice("LGPL-2.1"), "'LGPL-2.1-only' or 'LGPL-2.1-or-later'");
  EXPECT_EQ(deprecated_license_advice("GPL-3.0-with-GCC-exception"),
            "'GPL-3.0-only WITH GCC-exception-3.1' (or GPL-3.0-or-later)");
  EXPECT_EQ(deprecated_license_advice("GPL-2.0-with-GCC-exception"),
            "'GPL-2.0-only WITH GCC-exception-2.0' (or GPL-2.0-or-later)");
  EXPECT_EQ(deprecated_license_advice("Nunit"), "");  // the lists name no successor
  const auto result = validate(R"({"license": "GPL-2.0"})");
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].message.find("GPL-2.0-or-later"), std::string::npos);
}

TEST(License, RefusesBrokenExpressions) {
  for (const char* bad : {"", "MIT OR", "(MIT", "MIT)", "MIT or Apache-2.0", "LLVM-exception", "MIT WITH MIT",
                          "LicenseRef-", "LicenseRef-a_b", "NotALicense-1.0", "MIT AND AND MIT"})
    EXPECT_FALSE(check_license(bad).valid) << bad;
}

TEST(Card, ReportsEveryErrorAtOnce) {
  const Result result = validate(R"({"tags": ["ok", "Not OK"], "description": 3, "links": {"": "https://x.org"}})");
  ASSERT_EQ(result.errors.size(), 4u);
  EXPECT_EQ(result.errors[0].pointer, "/description");
  EXPECT_EQ(result.errors[1].pointer, "/license");
  EXPECT_EQ(result.errors[2].pointer, "/links/");
  EXPECT_EQ(result.errors[2].code, "invalid_value");
  EXPECT_EQ(result.errors[3].pointer, "/tags/1");
}

TEST(Card, AllowsExactlyOneMebibyteAndNotOneByteMore) {
  const std::string head = R"({"license": "MIT", "description": ")", tail = R"("})";
  std::string padding(kMaxCardBytes - head.size() - tail.size(), ' ');
  EXPECT_NE(validate(head + padding + tail).errors.front().code, "too_large");  // too_long, not too_large
  EXPECT_EQ(validate(head + padding + " " + tail).errors.front().code, "too_large");
}

TEST(Card, CountsCodePointsNotBytes) {
  std::string description;
  for (int i = 0; i < 10'000; ++i) description += "\xC3\xA9";  // é: 2 bytes, 1 code point
  EXPECT_TRUE(validate(R"({"license": "MIT", "description": ")" + description + "\"}").valid);
}

TEST(Card, NormalizesCapabilitiesAndKeepsUnknownFields) {
  const Result result = validate(R"({"license": "mit", "capabilities": ["A", "a", "b"], "x-extra": {"k": 1}})");
  ASSERT_TRUE(result.valid);
  const auto card = nlohmann::json::parse(result.normalized_json);
  EXPECT_EQ(card["license"], "MIT");
  EXPECT_EQ(card["capabilities"], nlohmann::json({"A", "b"}));
  EXPECT_EQ(card["x-extra"]["k"], 1);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_EQ(result.warnings[0].pointer, "/x-extra");
}

TEST(Card, RefusesNanAndTrailingGarbage) {
  EXPECT_EQ(validate(R"({"license": "MIT", "x": NaN})").errors.front().code, "invalid_json");
  EXPECT_EQ(validate(R"({"license": "MIT"} x)").errors.front().code, "invalid_json");
}

}  // namespace
}  // namespace synfire::card

namespace synfire::card {
namespace {

// Regression: a license of thousands of '(' overflowed the stack of the recursive
// expression parser (found by fuzz/card_fuzz).
TEST(LicenseRegression, DeeplyNestedParenthesesAreRefusedNotRecursedInto) {
  const std::string deep = std::string(100'000, '(') + "MIT" + std::string(100'000, ')');
  EXPECT_FALSE(check_license(deep).valid);
  EXPECT_TRUE(check_license(std::string(32, '(') + "MIT" + std::string(32, ')')).valid);
  EXPECT_FALSE(validate(R"({"license": ")" + deep + "\"}").valid);
}

TEST(CardRegression, DeeplyNestedJsonIsRefusedCleanly) {
  const std::string deep = std::string(400'000, '[') + std::string(400'000, ']');
  const Result result = validate(deep);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].code, "not_object");
}

}  // namespace
}  // namespace synfire::card
