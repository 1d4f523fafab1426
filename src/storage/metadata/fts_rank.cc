#include "fts_rank.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace synfire::storage::sqlite {
namespace {

fts5_api* fts5_of(Database& db) {
  fts5_api* api = nullptr;
  Statement query(db, "SELECT fts5(?1)");
  query.bind_pointer(1, static_cast<void*>(&api), "fts5_api_ptr");
  query.step();
  return api;
}

// Tokenizes the row's text with the table's own tokenizer and counts as FTS5 does
// when it stores a row's size (a colocated token, a synonym, is not counted apart).
// xColumnSize would be simpler, but outside a MATCH query SQLite 3.40 answers 0.
void document_tokens(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* context, int,
                     sqlite3_value**) {
  struct Count {
    std::int64_t total = 0;
    std::int64_t column = 0;
  } count;
  for (int column = 0; column < api->xColumnCount(fts); ++column) {
    const char* text = nullptr;
    int bytes = 0;
    int rc = api->xColumnText(fts, column, &text, &bytes);
    count.column = 0;
    if (rc == SQLITE_OK && text)
      rc = api->xTokenize(fts, text, bytes, &count, [](void* user, int flags, const char*, int, int, int) {
        auto* c = static_cast<Count*>(user);
        if ((flags & FTS5_TOKEN_COLOCATED) == 0 || c->column == 0) ++c->column;
        return SQLITE_OK;
      });
    if (rc != SQLITE_OK) return sqlite3_result_error_code(context, rc);
    count.total += count.column;
  }
  sqlite3_result_int64(context, count.total);
}

// What bm25 computes once per query: the inverse document frequency of each phrase
// and the average document length.
struct QueryData {
  double average_length = 0;
  std::vector<double> idf;
  std::vector<double> frequency;  // per phrase, for the current row
};

int count_rows(const Fts5ExtensionApi*, Fts5Context*, void* user) {
  ++*static_cast<std::int64_t*>(user);
  return SQLITE_OK;
}

int query_data(const Fts5ExtensionApi* api, Fts5Context* fts, QueryData** out) {
  if (auto* data = static_cast<QueryData*>(api->xGetAuxdata(fts, 0))) {
    *out = data;
    return SQLITE_OK;
  }
  auto data = std::make_unique<QueryData>();
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc != SQLITE_OK) return rc;
  data->average_length = static_cast<double>(tokens) / static_cast<double>(rows);
  const int phrases = api->xPhraseCount(fts);
  for (int i = 0; i < phrases; ++i) {
    std::int64_t hits = 0;
    rc = api->xQueryPhrase(fts, i, &hits, count_rows);
    if (rc != SQLITE_OK) return rc;
    // As FTS5's bm25: a phrase in more than half the rows would get a negative IDF.
    double idf = std::log((static_cast<double>(rows) - static_cast<double>(hits) + 0.5) / (static_cast<double>(hits) + 0.5));
    data->idf.push_back(idf <= 0.0 ? 1e-6 : idf);
  }
  data->frequency.resize(data->idf.size());
  // FTS5 owns it from here, and deletes it itself if it cannot keep it.
  QueryData* kept = data.release();
  rc = api->xSetAuxdata(fts, kept, [](void* p) { delete static_cast<QueryData*>(p); });
  if (rc != SQLITE_OK) return rc;
  *out = kept;
  return SQLITE_OK;
}

void bm25_known_lengths(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* context, int count,
                        sqlite3_value** args) {
  constexpr double k1 = 1.2, b = 0.75;
  QueryData* data = nullptr;
  int rc = query_data(api, fts, &data);
  if (rc != SQLITE_OK) return sqlite3_result_error_code(context, rc);
  std::fill(data->frequency.begin(), data->frequency.end(), 0.0);
  int instances = 0;
  rc = api->xInstCount(fts, &instances);
  const int weights = count - 1;  // args[0] is the lengths
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK) data->frequency[phrase] += weights > column ? sqlite3_value_double(args[column + 1]) : 1.0;
  }
  if (rc != SQLITE_OK) return sqlite3_result_error_code(context, rc);

  const auto* lengths =
      count > 0 ? static_cast<const DocumentLengths*>(sqlite3_value_pointer(args[0], kDocumentLengthsPointer)) : nullptr;
  const auto rowid = static_cast<std::uint64_t>(api->xRowid(fts));
  int tokens = lengths && rowid < lengths->by_rowid.size() ? static_cast<int>(lengths->by_rowid[rowid]) : 0;
  if (tokens == 0) {
    rc = api->xColumnSize(fts, -1, &tokens);
    if (rc != SQLITE_OK) return sqlite3_result_error_code(context, rc);
  }
  // Term for term as FTS5's bm25, so that the ranks are the same doubles.
  const double D = static_cast<double>(tokens);
  double score = 0.0;
  for (std::size_t i = 0; i < data->idf.size(); ++i) {
    const double f = data->frequency[i];
    score += data->idf[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / data->average_length)));
  }
  sqlite3_result_double(context, -1.0 * score);
}

}  // namespace

void register_fts_functions(Database& db) {
  fts5_api* api = fts5_of(db);
  if (!api || api->iVersion < 2) db.fail("this SQLite has no FTS5");
  if (api->xCreateFunction(api, "document_tokens", nullptr, document_tokens, nullptr) != SQLITE_OK ||
      api->xCreateFunction(api, "bm25_known_lengths", nullptr, bm25_known_lengths, nullptr) != SQLITE_OK)
    db.fail("cannot register the FTS5 ranking functions");
}

}  // namespace synfire::storage::sqlite
