// --data files: CSV and NDJSON as users write them, each malformed file refused with its line,
// and each agent's share of the rows.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "coordinator/spec/data_file.hpp"

using namespace stampede::coordinator;
using stampede::v1::DataTable;

namespace {

std::vector<std::string> cells(const DataTable& t) {
  return {t.cells().begin(), t.cells().end()};
}

std::string problem(std::string_view text, bool ndjson = false) {
  auto t = parse_data_text(text, ndjson);
  REQUIRE_FALSE(t);
  return t.error();
}

}  // namespace

TEST_CASE("CSV with quotes, blank lines and CRLF reads as rows", "[coordinator][data]") {
  auto t = parse_data_text(
      "user_id,token,note\r\n"
      "buyer-1,tok-1,plain\r\n"
      "\r\n"
      "buyer-2,\"tok,2\",\"says \"\"hi\"\"\"\n"
      "buyer-3,,\"\"\n",
      false);
  REQUIRE(t);
  CHECK(std::vector<std::string>(t->columns().begin(), t->columns().end()) ==
        std::vector<std::string>{"user_id", "token", "note"});
  CHECK(data_rows(*t) == 3);
  CHECK(cells(*t) == std::vector<std::string>{"buyer-1", "tok-1", "plain", "buyer-2", "tok,2",
                                              "says \"hi\"", "buyer-3", "", ""});
}

TEST_CASE("NDJSON takes the first object's fields as columns", "[coordinator][data]") {
  auto t = parse_data_text(
      "{\"user_id\": \"b1\", \"n\": 7, \"vip\": true}\n"
      "\n"
      "{\"vip\": false, \"user_id\": \"b2\", \"n\": 8}\n",
      true);
  REQUIRE(t);
  CHECK(data_rows(*t) == 2);
  CHECK(cells(*t) == std::vector<std::string>{"b1", "7", "true", "b2", "8", "false"});
}

TEST_CASE("a malformed data file is refused with the line that is wrong", "[coordinator][data]") {
  CHECK(problem("") == "no header row");
  CHECK(problem("user_id,token\n") == "no rows below the header");
  CHECK(problem("user_id,token\nb1\n") == "line 2: 1 cells, want 2");
  CHECK(problem("user id\nb1\n").starts_with("line 1: column 'user id' is not a placeholder"));
  CHECK(problem("a,a\n1,2\n") == "line 1: column 'a' is named twice");
  CHECK(problem("key\n1\n").starts_with("line 1: column 'key' would hide"));
  CHECK(problem("a\n\"open\n") == "line 2: a quoted cell runs past its line");
  CHECK(problem("a\n\"x\"y\n") == "line 2: text after a quoted cell");
  CHECK(problem("{\"a\":1}\n[1]\n", true) == "line 2: not a JSON object");
  CHECK(problem("{\"a\":1}\n{\"b\":1}\n", true) == "line 2: no field 'a'");
  CHECK(problem("{\"a\":{\"x\":1}}\n", true) ==
        "line 1: a: values must be strings, numbers or booleans");
  CHECK(problem("{\"a\":\"x\\ny\"}\n", true) == "line 1: a: a value may not hold a line break");
}

TEST_CASE("a data file is read from disk, and a missing one named", "[coordinator][data]") {
  const std::string path = "data_file_test_users.ndjson";
  {
    std::ofstream out(path);
    out << "{\"user_id\":\"b1\"}\n{\"user_id\":\"b2\"}\n";
  }
  auto t = read_data_file(path);
  std::remove(path.c_str());
  REQUIRE(t);
  CHECK(data_rows(*t) == 2);
  auto missing = read_data_file("no-such-file.csv");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "no-such-file.csv: cannot open");
}

TEST_CASE("each agent gets the rows of its users only", "[coordinator][data]") {
  DataTable all;
  all.add_columns("user_id");
  for (int i = 0; i < 5; ++i) all.add_cells("b" + std::to_string(i));
  all.set_cycle(true);
  // Users 3..4 take rows 3, 4.
  CHECK(cells(rows_for_users(all, 3, 2)) == std::vector<std::string>{"b3", "b4"});
  // Users 4..10 wrap: at most one copy of each row, from row 4 on.
  CHECK(cells(rows_for_users(all, 4, 7)) == std::vector<std::string>{"b4", "b0", "b1", "b2", "b3"});
  const DataTable share = rows_for_users(all, 4, 7);
  CHECK(share.cycle());
  // The agent's user i takes the share's row i % 5: user 4 + 5 = 9 is row 9 % 5 = 4, "b4".
  CHECK(share.cells(5 % share.cells_size()) == "b4");
}
