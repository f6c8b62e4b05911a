#include "runner/exec/output_file.h"

#include <fmt/core.h>

namespace taskr {

Result<ValueObject> ParseOutputFile(std::string_view text) {
  ValueObject out;
  size_t line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (text.empty()) return false;
    size_t nl = text.find('\n');
    line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    return true;
  };
  std::string_view line;
  while (next_line(line)) {
    if (line.empty()) continue;
    size_t eq = line.find('=');
    size_t heredoc = line.find("<<");
    if (heredoc != std::string_view::npos && (eq == std::string_view::npos || heredoc < eq)) {
      std::string key(line.substr(0, heredoc));
      std::string_view delimiter = line.substr(heredoc + 2);
      size_t start_line = line_no;
      if (key.empty() || delimiter.empty()) {
        return Status::Error(
            fmt::format("$TASKR_OUTPUT line {}: expected NAME<<DELIMITER", line_no));
      }
      std::string value;
      bool closed = false;
      bool first = true;
      while (next_line(line)) {
        if (line == delimiter) {
          closed = true;
          break;
        }
        if (!first) value += '\n';
        value += line;
        first = false;
      }
      if (!closed) {
        return Status::Error(fmt::format("$TASKR_OUTPUT line {}: no line '{}' ends the value of {}",
                                         start_line, delimiter, key));
      }
      out.insert_or_assign(std::move(key), Value(std::move(value)));
    } else if (eq != std::string_view::npos && eq > 0) {
      out.insert_or_assign(std::string(line.substr(0, eq)), Value(line.substr(eq + 1)));
    } else {
      return Status::Error(
          fmt::format("$TASKR_OUTPUT line {}: expected NAME=value or NAME<<DELIMITER, got '{}'",
                      line_no, line));
    }
  }
  return out;
}

}  // namespace taskr
