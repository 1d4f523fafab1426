#pragma once
// Helpers shared by the test suites.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace synfire::testing {

// The conformance fixtures (../shared/fixtures), or an empty path when absent.
inline std::filesystem::path fixtures_dir() {
  std::filesystem::path dir = SYNFIRE_FIXTURES_DIR;
  return std::filesystem::is_directory(dir) ? std::filesystem::canonical(dir) : std::filesystem::path{};
}

#define SYNFIRE_REQUIRE_FIXTURES()                                                                 \
  if (::synfire::testing::fixtures_dir().empty())                                                  \
  GTEST_SKIP() << "conformance fixtures not found at " SYNFIRE_FIXTURES_DIR                       \
                  " (../shared/fixtures is absent in this checkout); skipping fixture tests"

// Files of a fixture folder ending in `suffix`, sorted.
inline std::vector<std::filesystem::path> fixture_files(const std::string& folder, const std::string& suffix) {
  std::vector<std::filesystem::path> files;
  const auto dir = fixtures_dir() / folder;
  if (fixtures_dir().empty() || !std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Names of a fixture folder's cases: "NAME" for every "NAME.expected.json".
inline std::vector<std::string> fixture_cases(const std::string& folder) {
  const std::string suffix = ".expected.json";
  std::vector<std::string> names;
  for (const auto& path : fixture_files(folder, suffix)) {
    const std::string name = path.filename().string();
    names.push_back(name.substr(0, name.size() - suffix.size()));
  }
  return names;
}

// A GoogleTest parameter name made of a fixture name (letters, digits, '_').
inline std::string case_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "synfire-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace synfire::testing
