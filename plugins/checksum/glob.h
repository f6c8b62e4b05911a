// Glob is a workspace path pattern, as the checksum plugin's `files` and
// `exclude` parameters take them:
//
//   `**`       a whole segment: any number of folders, none included;
//              last in a pattern: every file at any depth below
//   `*`        any characters within one segment (never `/`)
//   `?`        one character within one segment
//   `[abc]`    one of the characters; `[a-z]` a range; `[!abc]` none of them
//   `\x`       the character x itself
//
// As in a shell, a wildcard does not match a name that starts with `.` (so
// `**` skips `.git/` and `.taskr/`); write the dot to match one: `.github/**`.
//
//   std::string error;
//   std::optional<Glob> g = Glob::Parse("src/**/*.txt", &error);
//   std::vector<std::string> files = g->Expand("/abs/workspace");  // "src/a/b.txt", ...
//   bool hit = g->Match("src/a/b.txt");
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::checksum {

/// Glob is a parsed pattern over `/`-separated relative paths.
class Glob {
 public:
  /// Parse reads `pattern`; on a bad pattern (empty, absolute, with a `..`
  /// segment or an unclosed `[`) it sets `error` and returns nullopt. A
  /// leading `./` and repeated slashes are dropped.
  static std::optional<Glob> Parse(std::string_view pattern, std::string* error);

  /// text is the pattern as the user wrote it.
  const std::string& text() const { return text_; }

  /// Match tells whether the relative path `path` (segments joined by `/`,
  /// no `.` or `..`) matches the whole pattern.
  bool Match(std::string_view path) const;

  /// Expand lists the regular files under `root` that match, as relative
  /// paths joined by `/`, sorted and without duplicates. Symbolic links to
  /// files count as files; `**` does not descend into links to folders, so a
  /// link cycle cannot loop. Unreadable folders are skipped.
  std::vector<std::string> Expand(const std::filesystem::path& root) const;

  /// LiteralPath is the pattern as a path when it has no wildcard, else "".
  std::string LiteralPath() const;

 private:
  bool MatchFrom(size_t segment, const std::vector<std::string_view>& parts, size_t part) const;
  void Walk(const std::filesystem::path& dir, const std::string& relative, size_t segment,
            std::vector<std::string>* out) const;
  void WalkAnyDepth(const std::filesystem::path& dir, const std::string& relative, size_t segment,
                    std::vector<std::string>* out) const;

  std::string text_;
  std::vector<std::string> segments_;  // after normalising; "**" is the any-depth segment
};

}  // namespace taskr::checksum
