#pragma once
// Slows down password guessing: after kFreeFailures failed logins in a row for one
// account from one address, that pair must wait 1 s, then 2, 4 ... up to 5 minutes
// before the next try, which is refused (429) without checking the password. A
// success clears the pair; a pair forgotten for 15 minutes starts over. Other
// addresses are not affected, so nobody can lock an account out for everyone.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace synfire::server {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kLongestWait{300};
  static constexpr std::chrono::seconds kMemory{900};
  static constexpr std::size_t kMaxEntries = 100'000;  // bounded: a flood of names cannot grow it

  // Whole seconds `key` must still wait (0: it may try now).
  long wait_seconds(const std::string& key, Clock::time_point now = Clock::now());
  void failed(const std::string& key, Clock::time_point now = Clock::now());
  void succeeded(const std::string& key);
  std::size_t size();

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point last_failure;
    Clock::time_point blocked_until;
  };
  void make_room(Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by the mutex
};

}  // namespace synfire::server
