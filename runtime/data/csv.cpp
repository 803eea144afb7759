// A deliberately small CSV dialect: comma separated, cells trimmed of
// blanks, optional double quotes around a cell, blank lines ignored, CRLF or
// LF line ends (quoted commas or newlines do not occur in numeric tables).
#include "runtime/data/csv.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "ir/error.h"
#include "runtime/data/file_stream.h"

namespace graphc::runtime::data {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string_view> split_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(trim(line.substr(start)));
      return cells;
    }
    cells.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

// A finite number taking the whole cell, or nullopt.
std::optional<float> parse_number(std::string_view cell) {
  if (cell.starts_with('+')) cell.remove_prefix(1);
  float value = 0;
  auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (cell.empty() || error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

struct Line {
  size_t number;  // 1-based
  std::string_view text;
};

std::vector<Line> non_blank_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t number = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    if (!trim(line).empty()) lines.push_back({number, line});
    start = end + 1;
  }
  return lines;
}
}  // namespace

Dataset load_csv(const std::string& path, int64_t target_count) {
  if (target_count < 1) throw Error(cat(path, ": needs at least one target column, asked for ", target_count));
  FileStream in(path);
  return parse_csv(in.read_rest(), path, target_count);
}

Dataset parse_csv(std::string_view text, const std::string& path, int64_t target_count) {
  if (target_count < 1) throw Error(cat(path, ": needs at least one target column, asked for ", target_count));
  const std::vector<Line> lines = non_blank_lines(text);
  if (lines.empty()) throw Error(cat(path, ": empty CSV file"));

  Dataset ds;
  ds.source = path;
  const std::vector<std::string_view> first = split_cells(lines[0].text);
  const int64_t columns = static_cast<int64_t>(first.size());
  bool has_header = false;
  for (std::string_view cell : first) has_header = has_header || !parse_number(cell);
  if (has_header)
    for (std::string_view cell : first) ds.column_names.emplace_back(cell);
  if (columns <= target_count)
    throw Error(cat(path, ":", lines[0].number, ": ", columns, " columns leave none for features with ", target_count,
                    " target column(s)"));
  const int64_t features = columns - target_count;

  for (size_t i = has_header ? 1 : 0; i < lines.size(); ++i) {
    const std::vector<std::string_view> cells = split_cells(lines[i].text);
    if (static_cast<int64_t>(cells.size()) != columns)
      throw Error(cat(path, ":", lines[i].number, ": row has ", cells.size(), " columns, expected ", columns,
                      " as on line ", lines[0].number));
    for (int64_t c = 0; c < columns; ++c) {
      std::optional<float> value = parse_number(cells[c]);
      if (!value) {
        std::string column_name;
        if (has_header) column_name = cat(" (", ds.column_names[c], ")");
        throw Error(cat(path, ":", lines[i].number, ": column ", c + 1, column_name, ": '", cells[c],
                        "' is not a finite number"));
      }
      if (c < features) {
        ds.features.push_back(*value);
      } else {
        ds.targets.push_back(*value);
      }
    }
    ++ds.count;
  }
  if (ds.count == 0) throw Error(cat(path, ": no data rows after the header"));
  ds.sample_shape = Shape{features};
  ds.target_count = target_count;
  ds.check();
  return ds;
}

}  // namespace graphc::runtime::data
