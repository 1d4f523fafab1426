#include "fts_rank.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "testing.h"

namespace synfire::storage::sqlite {
namespace {

class FtsRankTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<Database>((dir_.path() / "fts.sqlite").string());
    db_->exec("CREATE VIRTUAL TABLE docs USING fts5(name, description, keywords)");
    const std::vector<std::vector<std::string>> rows = {
        {"ada mnist", "digits with a spiking convolutional network", "mnist digits"},
        {"bob braille", "braille reading with recurrent LIF neurons, a long description of many words", ""},
        {"cy mnist-small", "mnist", "mnist mnist"},
        {"dee gesture", "DVS gestures; trained on mnist first, then on gestures", "dvs gesture"},
        {"eve speech", "spoken digits", "audio"},
    };
    for (const auto& row : rows) {
      Statement insert(*db_, "INSERT INTO docs (name, description, keywords) VALUES (?, ?, ?)");
      insert.bind(1, row[0]).bind(2, row[1]).bind(3, row[2]).run();
    }
    register_fts_functions(*db_);
    Statement tokens(*db_, "SELECT rowid, document_tokens(docs) FROM docs");
    while (tokens.step()) {
      lengths_.by_rowid.resize(static_cast<std::size_t>(tokens.integer(0)) + 1);
      lengths_.by_rowid[static_cast<std::size_t>(tokens.integer(0))] = static_cast<std::uint32_t>(tokens.integer(1));
    }
  }

  std::vector<std::pair<std::int64_t, double>> ranks(const char* sql, const std::string& match, bool with_lengths) {
    Statement s(*db_, sql);
    s.bind(1, match);
    if (with_lengths) s.bind_pointer(2, &lengths_, kDocumentLengthsPointer);
    std::vector<std::pair<std::int64_t, double>> out;
    while (s.step()) out.emplace_back(s.integer(0), s.real(1));
    return out;
  }

  synfire::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  DocumentLengths lengths_;
};

TEST_F(FtsRankTest, CountsTheTokensOfEveryColumn) {
  EXPECT_EQ(lengths_.by_rowid.at(1), 2u + 6u + 2u);
  EXPECT_EQ(lengths_.by_rowid.at(3), 3u + 1u + 2u);  // "mnist-small" is two tokens
}

TEST_F(FtsRankTest, GivesFts5sBm25ToTheLastBit) {
  for (const std::string match : {"\"mnist\"*", "\"digits\"*", "\"mnist\"* \"digits\"*", "\"braille\"* OR \"dvs\"*",
                                  "\"gesture\"*"}) {
    const auto expected = ranks("SELECT rowid, bm25(docs, 10.0, 2.0, 5.0) FROM docs WHERE docs MATCH ?1", match, false);
    const auto known = ranks("SELECT rowid, bm25_known_lengths(docs, ?2, 10.0, 2.0, 5.0) FROM docs WHERE docs MATCH ?1",
                             match, true);
    // Without lengths (or a row missing from them) it reads FTS5's own, as bm25 does.
    const auto unknown = ranks("SELECT rowid, bm25_known_lengths(docs, NULL, 10.0, 2.0, 5.0) FROM docs WHERE docs MATCH ?1",
                               match, false);
    ASSERT_FALSE(expected.empty()) << match;
    EXPECT_EQ(known, expected) << match;
    EXPECT_EQ(unknown, expected) << match;
  }
}

TEST_F(FtsRankTest, UsesTheLengthsItIsGiven) {
  const char* sql = "SELECT rowid, bm25_known_lengths(docs, ?2) FROM docs WHERE docs MATCH ?1";
  const auto before = ranks(sql, "\"digits\"*", true);  // rows 1 and 5
  lengths_.by_rowid.at(5) *= 10;                       // a longer document ranks lower
  const auto after = ranks(sql, "\"digits\"*", true);
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[1].first, 5);
  EXPECT_GT(after[1].second, before[1].second);  // ranks are negative scores: larger is worse
}

}  // namespace
}  // namespace synfire::storage::sqlite
