// Job split: shares follow weights and always add up exactly.
#include <catch2/catch.hpp>
#include <numeric>

#include "coordinator/daemon/job_split.hpp"

using namespace stampede::coordinator;

TEST_CASE("users and attempts split by weight add up exactly", "[coordinator][split]") {
  auto s = split_shares(1000, 2000, {1, 1, 1});
  REQUIRE(s.size() == 3);
  uint64_t users = 0, attempts = 0;
  for (const auto& x : s) {
    users += x.users;
    attempts += x.attempts;
    CHECK((x.users == 333 || x.users == 334));
  }
  CHECK(users == 1000);
  CHECK(attempts == 2000);
  CHECK(s[1].user_offset == s[0].users);
  CHECK(s[2].user_offset == s[0].users + s[1].users);
}

TEST_CASE("a heavier agent gets a proportionally larger share", "[coordinator][split]") {
  auto s = split_shares(400, 1000, {2, 1, 1});
  CHECK(s[0].users == 200);
  CHECK(s[0].attempts == 500);
  CHECK(s[1].attempts == 250);
}

TEST_CASE("fewer users than agents leaves some agents without work", "[coordinator][split]") {
  auto s = split_shares(2, 7, {1, 1, 1});
  uint64_t attempts = 0;
  for (const auto& x : s) {
    attempts += x.attempts;
    if (x.users == 0) CHECK(x.attempts == 0);
  }
  CHECK(attempts == 7);
}
