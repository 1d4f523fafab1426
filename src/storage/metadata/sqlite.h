#pragma once
// A small RAII layer over the SQLite C API, private to the SQLite metadata driver.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synfire::storage::sqlite {

class Database {
 public:
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* get() const { return db_; }
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what) const;

  // A prepared statement for `sql`, from the cache when one is free (preparing is a
  // good part of a small query's cost); give it back with release().
  sqlite3_stmt* acquire(const char* sql);
  void release(sqlite3_stmt* stmt);

 private:
  struct Cached {
    sqlite3_stmt* stmt;
    bool in_use;
  };
  static constexpr std::size_t kMaxCached = 256;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Cached> cache_;  // not thread-safe: the driver holds a mutex
};

class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind_null(int index);
  Statement& bind_real(int index, double value);
  // Passes a C++ object to an SQL function of ours (sqlite3_bind_pointer): `type`
  // must be a string literal the function asks for; `value` must outlive the step.
  Statement& bind_pointer(int index, void* value, const char* type);

  // Steps once: true when a row is available, false when done. A constraint
  // violation returns false and sets constraint_violated().
  bool step();
  void run() { step(); }
  // Ready to run again (bindings kept until rebound).
  void reset();
  bool constraint_violated() const { return constraint_violated_; }

  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool constraint_violated_ = false;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace synfire::storage::sqlite
