#include "sums_file.h"

#include <cctype>

namespace taskr::checksum {

namespace {

bool NeedsEscape(std::string_view path) {
  return path.find_first_of("\\\n") != std::string_view::npos;
}

std::string Escape(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> Unescape(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '\\') {
      out += path[i];
      continue;
    }
    if (++i == path.size()) return std::nullopt;
    if (path[i] == '\\') {
      out += '\\';
    } else if (path[i] == 'n') {
      out += '\n';
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool IsHex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Shown in errors: the start of a bad line, printable.
std::string Preview(std::string_view line) {
  constexpr size_t kMax = 60;
  std::string out;
  for (char c : line.substr(0, kMax)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return line.size() > kMax ? out + "…" : out;
}

// ParseTagLine reads "SHA256 (<path>) = <hex>"; false if the line is not one.
bool ParseTagLine(std::string_view line, SumsEntry* entry, std::optional<Algorithm>* tag) {
  for (Algorithm a : {Algorithm::kSha256, Algorithm::kSha512}) {
    std::string prefix = a == Algorithm::kSha256 ? "SHA256 (" : "SHA512 (";
    if (line.substr(0, prefix.size()) != prefix) continue;
    size_t close = line.rfind(") = ");
    if (close == std::string_view::npos || close < prefix.size()) return false;
    entry->path = std::string(line.substr(prefix.size(), close - prefix.size()));
    entry->hex = std::string(line.substr(close + 4));
    *tag = a;
    return true;
  }
  return false;
}

// ParseGnuLine reads "<hex>  <path>", "<hex> *<path>" or "<hex> <path>".
bool ParseGnuLine(std::string_view line, SumsEntry* entry) {
  size_t space = line.find(' ');
  if (space == std::string_view::npos || space + 1 >= line.size()) return false;
  entry->hex = std::string(line.substr(0, space));
  size_t name = space + 1;
  if (line[name] == ' ' || line[name] == '*') ++name;
  entry->path = std::string(line.substr(name));
  return true;
}

}  // namespace

std::string FormatSumsLine(std::string_view hex, std::string_view path) {
  if (!NeedsEscape(path)) return std::string(hex) + "  " + std::string(path) + "\n";
  return "\\" + std::string(hex) + "  " + Escape(path) + "\n";
}

std::optional<std::vector<SumsEntry>> ParseSums(std::string_view text,
                                                std::optional<Algorithm> forced,
                                                std::string* error) {
  std::vector<SumsEntry> entries;
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    auto fail = [&](const std::string& why) {
      *error = "line " + std::to_string(number) + ": " + why;
      return std::nullopt;
    };
    bool escaped = line[0] == '\\';
    if (escaped) line.remove_prefix(1);
    SumsEntry entry;
    entry.line = number;
    std::optional<Algorithm> tag;
    if (!ParseTagLine(line, &entry, &tag) && !ParseGnuLine(line, &entry)) {
      return fail("not a checksum line: '" + Preview(line) + "'");
    }
    if (!IsHex(entry.hex)) return fail("'" + Preview(entry.hex) + "' is not a hex digest");
    std::optional<Algorithm> by_length = AlgorithmForHexLength(entry.hex.size());
    if (!by_length) {
      return fail("a digest of " + std::to_string(entry.hex.size()) +
                  " hex digits is neither SHA-256 (64) nor SHA-512 (128)");
    }
    if (tag && *tag != *by_length) {
      return fail("a " + std::string(AlgorithmName(*tag)) + " line with a digest of " +
                  std::to_string(entry.hex.size()) + " hex digits");
    }
    if (forced && *forced != *by_length) {
      return fail("a " + std::string(AlgorithmName(*by_length)) + " digest, but algorithm is " +
                  std::string(AlgorithmName(*forced)));
    }
    if (escaped) {
      std::optional<std::string> path = Unescape(entry.path);
      if (!path) return fail("bad escape in the file name '" + Preview(entry.path) + "'");
      entry.path = std::move(*path);
    }
    if (entry.path.empty()) return fail("no file name");
    entry.hex = Lower(entry.hex);
    entry.algorithm = *by_length;
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    *error = "no checksum lines";
    return std::nullopt;
  }
  return entries;
}

}  // namespace taskr::checksum
