#include "sqlite.h"

#include "synfire/error.h"

namespace synfire::storage::sqlite {

namespace {

// SQLite's memory statistics take one process-wide mutex on every allocation and
// free: concurrent searches queued on it (a fifth of a search's time at 100,000
// repositories went to waking each other). Must be set before SQLite initializes.
void configure_sqlite_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

// NOMUTEX: the store serializes every use of a connection under its own mutex, so
// SQLite's per-call locking is pure cost (7% of a search at 100,000 repositories).
Database::Database(const std::string& path) {
  configure_sqlite_once();
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Failure("storage_error", "cannot open the database: " + message, path);
  }
  sqlite3_busy_timeout(db_, 10'000);
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* Database::acquire(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return it->second.stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
    fail("cannot prepare a statement");
  if (it == cache_.end() && cache_.size() < kMaxCached) cache_.emplace(sql, Cached{stmt, true});
  return stmt;
}

void Database::release(sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  const char* sql = sqlite3_sql(stmt);
  auto it = sql ? cache_.find(sql) : cache_.end();
  if (it != cache_.end() && it->second.stmt == stmt) {
    it->second.in_use = false;
    return;
  }
  sqlite3_finalize(stmt);  // not cached: a second concurrent use, or the cache is full
}

void Database::exec(const char* sql) {
  char* error = nullptr;
  if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw Failure((rc & 0xff) == SQLITE_FULL ? "insufficient_storage" : "storage_error", "database error: " + message);
  }
}

void Database::fail(const std::string& what) const {
  const bool full = (sqlite3_errcode(db_) & 0xff) == SQLITE_FULL;  // extended codes are on
  throw Failure(full ? "insufficient_storage" : "storage_error", what + ": " + sqlite3_errmsg(db_));
}

Statement::Statement(Database& db, const char* sql) : db_(db), stmt_(db.acquire(sql)) {}

Statement::~Statement() { db_.release(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

void Statement::reset() { sqlite3_reset(stmt_); }

Statement& Statement::bind_real(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_pointer(int index, void* value, const char* type) {
  if (sqlite3_bind_pointer(stmt_, index, value, type, nullptr) != SQLITE_OK) db_.fail("cannot bind a value");
  return *this;
}

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if ((rc & 0xFF) == SQLITE_CONSTRAINT) {
    constraint_violated_ = true;
    return false;
  }
  db_.fail("database step failed");
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column)) : std::string();
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace synfire::storage::sqlite
