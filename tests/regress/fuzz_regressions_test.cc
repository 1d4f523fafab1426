// Inputs found by fuzzing (fuzz/) that once crashed, leaked or hung the reader or the
// card parser. Each must now give a clean result: a document or a synfire::Failure.

#include <filesystem>

#include "synfire/card/card.h"
#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/reader.h"
#include "testing.h"

namespace {

std::vector<std::filesystem::path> inputs(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(SYNFIRE_REGRESS_DIR) / "fuzz" / folder;
  if (std::filesystem::is_directory(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FuzzRegressions, NirInputsAreReadOrRefusedCleanly) {
  for (const auto& path : inputs("nir")) {
    const std::string bytes = synfire::testing::read_text(path);
    try {
      synfire::nir::analyze(synfire::nir::read_memory(std::as_bytes(std::span(bytes.data(), bytes.size()))));
    } catch (const synfire::Failure& failure) {
      EXPECT_FALSE(failure.error().code.empty()) << path;
    }
  }
}

TEST(FuzzRegressions, CardInputsGiveAResult) {
  for (const auto& path : inputs("card")) {
    const auto result = synfire::card::validate(synfire::testing::read_text(path));
    EXPECT_EQ(result.valid, result.errors.empty()) << path;
  }
}

}  // namespace
