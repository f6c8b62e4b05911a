#include "runner/model/diagnostic.h"

#include <fmt/core.h>

#include <algorithm>

namespace taskr {

namespace {

std::string_view LineOf(std::string_view source, uint32_t line) {
  for (uint32_t n = 1; n < line; ++n) {
    size_t nl = source.find('\n');
    if (nl == std::string_view::npos) return {};
    source.remove_prefix(nl + 1);
  }
  size_t end = source.find('\n');
  std::string_view text = source.substr(0, end);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

// EditDistance is the optimal string alignment distance: inserts, deletes,
// substitutions and swaps of neighbours each cost one; case is ignored.
size_t EditDistance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) { return std::tolower(x) == std::tolower(y); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& d, std::string_view source) {
  std::string out;
  if (d.loc.line > 0) {
    out = fmt::format("{}:{}:{}: error: {}\n", d.file, d.loc.line, d.loc.column, d.message);
  } else {
    out = fmt::format("{}: error: {}\n", d.file, d.message);
  }
  std::string_view line = d.loc.line > 0 ? LineOf(source, d.loc.line) : std::string_view();
  if (line.empty()) return out;
  std::string gutter = fmt::format("{:>5}", d.loc.line);
  out += fmt::format("{} | {}\n", gutter, line);
  std::string pad;
  for (uint32_t i = 1; i < d.loc.column && i - 1 < line.size(); ++i) {
    pad += line[i - 1] == '\t' ? '\t' : ' ';
  }
  out += fmt::format("{} | {}^\n", std::string(gutter.size(), ' '), pad);
  return out;
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = ClosestMatch(word, candidates);
  return best.empty() ? "" : fmt::format("; did you mean '{}'?", best);
}

}  // namespace taskr
