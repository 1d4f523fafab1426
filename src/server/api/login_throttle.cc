#include "login_throttle.h"

#include <algorithm>
#include <vector>

namespace synfire::server {

long LoginThrottle::wait_seconds(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.blocked_until <= now) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.blocked_until - now);
  return static_cast<long>(left.count());
}

void LoginThrottle::failed(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!entries_.count(key) && entries_.size() >= kMaxEntries) make_room(now);
  Entry& entry = entries_[key];
  if (now - entry.last_failure > kMemory) entry.failures = 0;
  entry.failures += 1;
  entry.last_failure = now;
  if (entry.failures >= kFreeFailures) {
    const int doublings = std::min(entry.failures - kFreeFailures, 16);
    entry.blocked_until = now + std::min<std::chrono::seconds>(std::chrono::seconds(1L << doublings), kLongestWait);
  }
}

void LoginThrottle::succeeded(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

std::size_t LoginThrottle::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

// Drops the pairs that no longer matter; if every one still does, the oldest half.
void LoginThrottle::make_room(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.blocked_until <= now && now - item.second.last_failure > kMemory;
  });
  if (entries_.size() < kMaxEntries) return;
  std::vector<Clock::time_point> times;
  times.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) times.push_back(entry.last_failure);
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  const auto cut = *middle;
  std::erase_if(entries_, [&](const auto& item) { return item.second.last_failure <= cut; });
}

}  // namespace synfire::server
