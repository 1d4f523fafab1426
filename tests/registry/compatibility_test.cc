#include "synfire/registry/compatibility.h"

#include "testing.h"

namespace synfire::registry {
namespace {

TEST(Compatibility, AFrameworkLoadsAModelWhenItReadsEveryPrimitive) {
  const auto result = compatibility({{"primitives", {{"Input", 1}, {"Affine", 2}, {"LIF", 2}, {"Output", 1}}}});
  EXPECT_TRUE(result["frameworks"]["Norse"]["can_load"]);
  EXPECT_TRUE(result["frameworks"]["Lava"]["can_load"]);
  EXPECT_FALSE(result["frameworks"]["hxtorch"]["can_load"]);
  EXPECT_EQ(result["frameworks"]["hxtorch"]["missing"], nlohmann::json({"Affine", "LIF"}));
  EXPECT_TRUE(result["hardware"]["Intel Loihi 2"]["can_load"]);
  EXPECT_EQ(result["table_date"], "early 2026");
}

TEST(Compatibility, WritingOnlyIsNotReading) {
  // Norse writes Linear ("W") but does not read it; Spyx writes LI only.
  const auto linear = compatibility({{"primitives", {{"Linear", 1}}}});
  EXPECT_FALSE(linear["frameworks"]["Norse"]["can_load"]);
  EXPECT_TRUE(linear["frameworks"]["snnTorch"]["can_load"]);
  EXPECT_FALSE(compatibility({{"primitives", {{"LI", 1}}}})["frameworks"]["Spyx"]["can_load"]);
}

TEST(Compatibility, SubgraphsAndPortsDoNotCount) {
  const auto result = compatibility({{"primitives", {{"NIRGraph", 1}, {"Input", 2}, {"Output", 2}, {"CubaLI", 1}}}});
  EXPECT_TRUE(result["frameworks"]["hxtorch"]["can_load"]);
  EXPECT_TRUE(result["hardware"]["BrainScaleS-2"]["can_load"]);
  EXPECT_FALSE(result["hardware"]["SynSense Speck"]["can_load"]);
}

}  // namespace
}  // namespace synfire::registry
