// What a peer sends, read with checked bounds: JSON numbers that do not fit, names that would
// forge log lines, and the descriptor budget each binary checks its load against.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "common/descriptor_budget.hpp"
#include "common/json_number.hpp"
#include "common/printable.hpp"

using namespace stampede;

TEST_CASE("JSON integers that do not fit int64 are refused, not wrapped or thrown",
          "[common][json]") {
  CHECK(json_int64(boost::json::parse("41")) == 41);
  CHECK(json_int64(boost::json::parse("-3")) == -3);
  CHECK(json_int64(boost::json::parse("9223372036854775807")) == INT64_MAX);
  CHECK_FALSE(json_int64(boost::json::parse("9223372036854775808")));
  CHECK_FALSE(json_int64(boost::json::parse("18446744073709551615")));
  CHECK_FALSE(json_int64(boost::json::parse("1e308")));
  CHECK_FALSE(json_int64(boost::json::parse("1.0")));
  CHECK_FALSE(json_int64(boost::json::parse("\"abc\"")));
  CHECK(json_uint64(boost::json::parse("18446744073709551615")) == UINT64_MAX);
  CHECK_FALSE(json_uint64(boost::json::parse("-1")));
  CHECK(json_double(boost::json::parse("2.5")) == 2.5);
  CHECK_FALSE(json_double(boost::json::parse("null")));
  auto obj = boost::json::parse(R"({"stock": 18446744073709551615})").as_object();
  auto stock = int64_field(obj, "stock");
  REQUIRE_FALSE(stock);
  CHECK(stock.error().find("'stock' is not a whole number") != std::string::npos);
  CHECK(int64_field(obj, "other").error() == "has no field 'other'");
}

TEST_CASE("peer strings reach logs and terminals escaped and cut", "[common][printable]") {
  CHECK(printable("agent-1") == "agent-1");
  CHECK(printable("a\nstampede coordinator: forged\x1b[2J") ==
        "a\\x0astampede coordinator: forged\\x1b[2J");
  const std::string long_name(10 << 20, 'x');
  const std::string cut = printable(long_name, 64);
  CHECK(cut.size() <= 64 + 3);
  CHECK(cut.ends_with("..."));
  CHECK(is_printable_name("host-7.example:1", 64));
  CHECK_FALSE(is_printable_name("", 64));
  CHECK_FALSE(is_printable_name("a b", 64));
  CHECK_FALSE(is_printable_name("a\nb", 64));
  CHECK_FALSE(is_printable_name(std::string(65, 'a'), 64));
}

TEST_CASE("the descriptor budget leaves room for the process's own descriptors",
          "[common][descriptor_budget]") {
  const DescriptorBudget budget = raise_descriptor_limit();
  REQUIRE(budget.limit > kReservedDescriptors);
  CHECK(budget.connections == budget.limit - kReservedDescriptors);
  const std::string why = budget.explain(budget.connections + 1);
  CHECK(why.find("ulimit -n is " + std::to_string(budget.limit)) != std::string::npos);
}
