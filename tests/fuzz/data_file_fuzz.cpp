// The --data readers on arbitrary bytes, as CSV and as NDJSON: never a crash, and whatever is
// accepted is a whole table (cells filling rows, no line break in a cell) whose shares an agent
// can take without reading past it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coordinator/spec/data_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool ndjson : {false, true}) {
    const auto table = stampede::coordinator::parse_data_text(text, ndjson);
    if (!table) continue;
    const auto columns = static_cast<size_t>(table->columns_size());
    if (columns == 0 || table->cells_size() == 0 || table->cells_size() % columns != 0) abort();
    for (const auto& cell : table->cells()) {
      if (cell.find_first_of("\r\n") != std::string::npos) abort();
    }
    const auto share = stampede::coordinator::rows_for_users(*table, 7, 3);
    if (share.cells_size() % columns != 0) abort();
  }
  return 0;
}
