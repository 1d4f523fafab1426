#pragma once
// FTS5 auxiliary functions of the SQLite metadata driver: BM25 ranking with each
// document's length taken from memory instead of FTS5's `_docsize` table.

#include <cstdint>
#include <vector>

#include "sqlite.h"

namespace synfire::storage::sqlite {

// Total tokens of each document of an FTS5 table, by rowid (0: not known).
struct DocumentLengths {
  std::vector<std::uint32_t> by_rowid;
};

// The type sqlite3_bind_pointer and the ranking function agree on.
inline constexpr const char* kDocumentLengthsPointer = "synfire.DocumentLengths";

// Registers on `db`:
//   document_tokens(table)                 the row's total tokens, every column
//   bm25_known_lengths(table, lengths, w...) FTS5's bm25(table, w...) exactly, but a
//     row's length comes from `lengths` (a bound DocumentLengths) when known there;
//     bm25 reads it from `_docsize`, one B-tree lookup per matched row.
void register_fts_functions(Database& db);

}  // namespace synfire::storage::sqlite
