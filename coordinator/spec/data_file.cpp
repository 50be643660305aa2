// CSV (RFC 4180 quoting) and NDJSON readers for --data, and the per-agent share of its rows.
#include "coordinator/spec/data_file.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "coordinator/spec/value_checks.hpp"

namespace stampede::coordinator {
namespace {

std::string line_problem(size_t line, const std::string& what) {
  return "line " + std::to_string(line) + ": " + what;
}

std::string column_problem(std::string_view name) {
  if (name.empty()) return "a column has no name";
  if (!placeholder_name(name))
    return "column '" + std::string(name) + "' is not a placeholder name ([A-Za-z_][A-Za-z0-9_]*)";
  if (name == "key" || name == "endpoint") {
    return "column '" + std::string(name) + "' would hide the engine's own ${" + std::string(name) +
           "}";
  }
  return {};
}

// One CSV record from text at pos (which it moves past the record's line end). Quoted fields
// may hold commas and doubled quotes, not line breaks.
Expected<std::vector<std::string>> csv_record(std::string_view text, size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false, was_quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          fields.back() += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else if (c == '\n' || c == '\r') {
        return unexpected(std::string("a quoted cell runs past its line"));
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      break;
    } else if (c == '\r') {
      if (pos < text.size() && text[pos] == '\n') ++pos;
      break;
    } else if (was_quoted) {
      return unexpected(std::string("text after a quoted cell"));
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return unexpected(std::string("a quoted cell is not closed"));
  return fields;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

Expected<v1::DataTable> parse_csv(std::string_view text) {
  v1::DataTable t;
  size_t pos = 0, line = 0;
  bool header = true;
  while (pos < text.size()) {
    ++line;
    const size_t end = text.find('\n', pos);
    if (blank(text.substr(pos, end == std::string_view::npos ? end : end - pos))) {
      pos = end == std::string_view::npos ? text.size() : end + 1;
      continue;
    }
    auto fields = csv_record(text, pos);
    if (!fields) return unexpected(line_problem(line, fields.error()));
    if (header) {
      header = false;
      std::unordered_set<std::string> seen;
      if (fields->size() > kMaxDataColumns) {
        return unexpected(line_problem(line, "more than 64 columns"));
      }
      for (auto& name : *fields) {
        if (auto problem = column_problem(name); !problem.empty()) {
          return unexpected(line_problem(line, problem));
        }
        if (!seen.insert(name).second) {
          return unexpected(line_problem(line, "column '" + name + "' is named twice"));
        }
        t.add_columns(name);
      }
      continue;
    }
    if (fields->size() != static_cast<size_t>(t.columns_size())) {
      return unexpected(line_problem(line, std::to_string(fields->size()) + " cells, want " +
                                               std::to_string(t.columns_size())));
    }
    for (auto& cell : *fields) t.add_cells(std::move(cell));
  }
  return t;
}

Expected<std::string> json_cell(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (v.is_double()) {
    std::ostringstream out;
    out << v.get_double();
    return out.str();
  }
  return unexpected(std::string("values must be strings, numbers or booleans"));
}

Expected<v1::DataTable> parse_ndjson(std::string_view text) {
  v1::DataTable t;
  size_t pos = 0, line = 0;
  while (pos < text.size()) {
    ++line;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    if (blank(row)) continue;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(row, ec);
    if (ec || !v.is_object()) return unexpected(line_problem(line, "not a JSON object"));
    const auto& obj = v.get_object();
    if (t.columns_size() == 0) {
      // The first object names the columns, in its own order.
      if (obj.size() > kMaxDataColumns) {
        return unexpected(line_problem(line, "more than 64 fields"));
      }
      for (const auto& field : obj) {
        const std::string name(field.key());
        if (auto problem = column_problem(name); !problem.empty()) {
          return unexpected(line_problem(line, problem));
        }
        t.add_columns(name);
      }
      if (t.columns_size() == 0) return unexpected(line_problem(line, "an object without fields"));
    }
    if (obj.size() != static_cast<size_t>(t.columns_size())) {
      return unexpected(line_problem(line, "its fields differ from the first line's"));
    }
    for (const auto& column : t.columns()) {
      const auto* cell = obj.if_contains(column);
      if (cell == nullptr) return unexpected(line_problem(line, "no field '" + column + "'"));
      auto text_cell = json_cell(*cell);
      if (!text_cell) return unexpected(line_problem(line, column + ": " + text_cell.error()));
      if (text_cell->find_first_of("\r\n") != std::string::npos) {
        return unexpected(line_problem(line, column + ": a value may not hold a line break"));
      }
      t.add_cells(std::move(*text_cell));
    }
  }
  return t;
}

}  // namespace

Expected<v1::DataTable> parse_data_text(std::string_view text, bool ndjson) {
  auto table = ndjson ? parse_ndjson(text) : parse_csv(text);
  if (!table) return table;
  if (table->columns_size() == 0) return unexpected(std::string("no header row"));
  if (table->cells_size() == 0) return unexpected(std::string("no rows below the header"));
  return table;
}

Expected<v1::DataTable> read_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) return unexpected(path + ": cannot read");
  if (static_cast<size_t>(size) > kMaxDataBytes) {
    return unexpected(path + ": over 48 MiB; a run carries its data in one message");
  }
  in.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) return unexpected(path + ": cannot read");
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool ndjson = path.ends_with(".ndjson") || path.ends_with(".jsonl") ||
                      (first != std::string::npos && text[first] == '{');
  auto table = parse_data_text(text, ndjson);
  if (!table) return unexpected(path + ": " + table.error());
  return table;
}

v1::DataTable rows_for_users(const v1::DataTable& all, uint32_t first_user, uint32_t users) {
  v1::DataTable share;
  const size_t rows = data_rows(all);
  if (rows == 0) return share;
  *share.mutable_columns() = all.columns();
  share.set_cycle(all.cycle());
  const size_t width = static_cast<size_t>(all.columns_size());
  const size_t count = std::min<size_t>(users, rows);
  for (size_t i = 0; i < count; ++i) {
    const size_t row = (first_user + i) % rows;
    for (size_t c = 0; c < width; ++c)
      share.add_cells(all.cells(static_cast<int>(row * width + c)));
  }
  return share;
}

}  // namespace stampede::coordinator
