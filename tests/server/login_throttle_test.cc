#include "login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace synfire::server {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

TEST(LoginThrottle, FiveFailuresAreFreeThenTheWaitDoublesUpToFiveMinutes) {
  LoginThrottle throttle;
  const Clock::time_point t0{};
  for (int i = 0; i < 4; ++i) throttle.failed("ip/ada", t0);
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0), 0);
  throttle.failed("ip/ada", t0);  // the fifth
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0), 1);
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0 + 1s), 0);
  throttle.failed("ip/ada", t0 + 1s);
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0 + 1s), 2);
  throttle.failed("ip/ada", t0 + 3s);
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0 + 3s), 4);
  Clock::time_point now = t0 + 3s;
  for (int i = 0; i < 20; ++i) throttle.failed("ip/ada", now += 1s);
  EXPECT_EQ(throttle.wait_seconds("ip/ada", now), 300);
  EXPECT_EQ(throttle.wait_seconds("other-ip/ada", now), 0);
  EXPECT_EQ(throttle.wait_seconds("ip/bob", now), 0);
}

TEST(LoginThrottle, ASuccessOrFifteenQuietMinutesStartOver) {
  LoginThrottle throttle;
  const Clock::time_point t0{};
  for (int i = 0; i < 5; ++i) throttle.failed("ip/ada", t0);
  throttle.succeeded("ip/ada");
  EXPECT_EQ(throttle.wait_seconds("ip/ada", t0), 0);
  for (int i = 0; i < 4; ++i) throttle.failed("ip/bob", t0);
  throttle.failed("ip/bob", t0 + 16min);  // counted as the first of a new series
  EXPECT_EQ(throttle.wait_seconds("ip/bob", t0 + 16min), 0);
}

TEST(LoginThrottle, AFloodOfNamesStaysBoundedAndKeepsTheRecentPairs) {
  LoginThrottle throttle;
  Clock::time_point now{};
  for (int i = 0; i < 5; ++i) throttle.failed("ip/ada", now);
  for (std::size_t i = 0; i < LoginThrottle::kMaxEntries + 10; ++i) throttle.failed("ip/name" + std::to_string(i), now += 1ms);
  for (int i = 0; i < 5; ++i) throttle.failed("ip/late", now);
  EXPECT_GT(throttle.wait_seconds("ip/late", now), 0);
  EXPECT_LE(throttle.size(), LoginThrottle::kMaxEntries);
}

}  // namespace
}  // namespace synfire::server
