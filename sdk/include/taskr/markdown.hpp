// Markdown for job summaries: text that is safe inside a table cell.
//
//   ctx.AppendSummary("| file | digest |\n|---|---|\n| " + taskr::sdk::MarkdownCode(path) +
//                     " | " + taskr::sdk::MarkdownCell(digest) + " |\n");
#pragma once

#include <string>
#include <string_view>

namespace taskr::sdk {

/// MarkdownCell makes `text` one table cell: `|` escaped, line breaks turned
/// into spaces, and `<` written as `&lt;` so markdown takes no HTML from it.
inline std::string MarkdownCell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

/// MarkdownCode renders `text` as a code span in a table cell ("" stays
/// empty); a backtick in it gets the double-backtick form.
inline std::string MarkdownCode(std::string_view text) {
  if (text.empty()) return "";
  std::string body;
  for (char c : text) {
    if (c == '|') {
      body += "\\|";
    } else {
      body += c == '\n' || c == '\r' ? ' ' : c;
    }
  }
  return body.find('`') == std::string::npos ? "`" + body + "`" : "`` " + body + " ``";
}

}  // namespace taskr::sdk
