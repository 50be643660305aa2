// Per-user data for ${column} placeholders: a CSV file with a header row, or NDJSON (one JSON
// object a line), read into the DataTable a run carries, and each agent's share of its rows.
//
//   auto table = read_data_file("users.csv");         // Expected<v1::DataTable>
//   v1::DataTable mine = rows_for_users(*table, 200, 100);  // users 200..299's rows
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "stampede.pb.h"

namespace stampede::coordinator {

// What a data file may hold: it travels to the coordinator in one frame (64 MiB).
inline constexpr size_t kMaxDataBytes = 48u << 20;
inline constexpr size_t kMaxDataColumns = 64;

// Column names are placeholders: letters, digits and '_', not starting with a digit, and
// none of the engine's own (key, endpoint). No cell may hold a line break, since a cell may
// land in a header. Errors name the line.
Expected<v1::DataTable> parse_data_text(std::string_view text, bool ndjson);
// NDJSON when the name ends in .ndjson or .jsonl, or the first non-blank byte is '{'.
Expected<v1::DataTable> read_data_file(const std::string& path);

inline size_t data_rows(const v1::DataTable& t) {
  return t.columns_size() == 0 ? 0 : static_cast<size_t>(t.cells_size()) / t.columns_size();
}

// The rows of users [first_user, first_user + users): user u takes row u % rows, so the share
// is min(users, rows) rows from first_user % rows on, wrapping; the agent's user i then takes
// the share's row i % its size.
v1::DataTable rows_for_users(const v1::DataTable& all, uint32_t first_user, uint32_t users);

}  // namespace stampede::coordinator
