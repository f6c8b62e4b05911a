// taskr/glob.hpp: workspace path patterns for plugins and for taskr itself
// (task `inputs`/`outputs`, the checksum plugin's `files`). Header-only, C++17.
// Glob is a workspace path pattern:
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
#ifndef TASKR_GLOB_HPP_
#define TASKR_GLOB_HPP_

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace taskr::sdk {

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

namespace glob_internal {
namespace fs = std::filesystem;

inline constexpr std::string_view kAnyDepth = "**";

inline bool IsWildcard(char c) { return c == '*' || c == '?' || c == '['; }

inline bool IsHidden(std::string_view name) { return !name.empty() && name[0] == '.'; }

// FindClassEnd returns the index of the `]` closing the class that opens at
// `open`, or npos. A `]` right after `[`, `[!` or `[^` is a member.
inline size_t FindClassEnd(std::string_view p, size_t open) {
  size_t i = open + 1;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) ++i;
  if (i < p.size() && p[i] == ']') ++i;
  for (; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      ++i;
    } else if (p[i] == ']') {
      return i;
    }
  }
  return std::string_view::npos;
}

// ReadClassChar reads one (possibly escaped) character of a class at p[*i].
inline char ReadClassChar(std::string_view p, size_t* i) {
  if (p[*i] == '\\' && *i + 1 < p.size()) ++*i;
  return p[(*i)++];
}

// ClassHas tells whether the class p[open..close] admits byte `c`.
inline bool ClassHas(std::string_view p, size_t open, size_t close, char c) {
  size_t i = open + 1;
  bool negate = p[i] == '!' || p[i] == '^';
  if (negate) ++i;
  auto byte = [](char x) { return static_cast<unsigned char>(x); };
  bool found = false;
  while (i < close) {
    char lo = ReadClassChar(p, &i);
    char hi = lo;
    if (i + 1 < close && p[i] == '-') {
      ++i;
      hi = ReadClassChar(p, &i);
    }
    if (byte(c) >= byte(lo) && byte(c) <= byte(hi)) found = true;
  }
  return found != negate;
}

// CodePointSize is the length of the UTF-8 sequence starting at s[i]
// (1 for a stray byte), so `?` matches one character, not one byte.
inline size_t CodePointSize(std::string_view s, size_t i) {
  size_t n = 1;
  while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// MatchToken matches the single non-`*` token at p[*pi] against s at *si and
// advances both on success.
inline bool MatchToken(std::string_view p, size_t* pi, std::string_view s, size_t* si) {
  char c = p[*pi];
  if (c == '?') {
    *si += CodePointSize(s, *si);
    *pi += 1;
    return true;
  }
  if (c == '[') {
    size_t close = FindClassEnd(p, *pi);
    if (close != std::string_view::npos) {
      if (!ClassHas(p, *pi, close, s[*si])) return false;
      *pi = close + 1;
      *si += 1;
      return true;
    }
  }
  if (c == '\\' && *pi + 1 < p.size()) c = p[++*pi];
  if (s[*si] != c) return false;
  *pi += 1;
  *si += 1;
  return true;
}

// MatchSegment matches one path segment against one pattern segment. A
// wildcard never matches a leading `.`.
inline bool MatchSegment(std::string_view p, std::string_view s) {
  if (IsHidden(s) && !p.empty() && IsWildcard(p[0])) return false;
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < p.size() && MatchToken(p, &pi, s, &si)) continue;
    if (star_p == std::string_view::npos) return false;
    // Let the last `*` take one more character and try again from there.
    pi = star_p;
    star_s += CodePointSize(s, star_s);
    si = star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

inline bool IsLiteral(std::string_view segment) {
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '\\') {
      ++i;
    } else if (IsWildcard(segment[i])) {
      return false;
    }
  }
  return true;
}

inline std::string Unescape(std::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '\\' && i + 1 < segment.size()) ++i;
    out += segment[i];
  }
  return out;
}

inline std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

inline std::string Join(const std::string& relative, std::string_view name) {
  return relative.empty() ? std::string(name) : relative + "/" + std::string(name);
}

}  // namespace glob_internal

inline std::optional<Glob> Glob::Parse(std::string_view pattern, std::string* error) {
  Glob g;
  g.text_ = std::string(pattern);
  if (pattern.empty()) {
    *error = "a glob cannot be empty";
    return std::nullopt;
  }
  if (pattern[0] == '/') {
    *error = "'" + g.text_ + "' is absolute; globs are relative to the workspace";
    return std::nullopt;
  }
  for (std::string_view part : glob_internal::Split(pattern)) {
    if (part == ".") continue;
    if (part == "..") {
      *error = "'" + g.text_ + "' leaves the workspace ('..'); globs stay inside it";
      return std::nullopt;
    }
    for (size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '\\') {
        ++i;
      } else if (part[i] == '[' && glob_internal::FindClassEnd(part, i) == std::string_view::npos) {
        *error = "'" + g.text_ + "' has a '[' without its ']' (write '\\[' for the character)";
        return std::nullopt;
      }
    }
    // `**` next to `**` adds nothing but work.
    if (part == glob_internal::kAnyDepth && !g.segments_.empty() &&
        g.segments_.back() == glob_internal::kAnyDepth)
      continue;
    g.segments_.emplace_back(part);
  }
  if (g.segments_.empty()) {
    *error = "'" + g.text_ + "' names the workspace itself, not files in it";
    return std::nullopt;
  }
  return g;
}

inline std::string Glob::LiteralPath() const {
  std::string out;
  for (const std::string& s : segments_) {
    if (s == glob_internal::kAnyDepth || !glob_internal::IsLiteral(s)) return "";
    out = glob_internal::Join(out, glob_internal::Unescape(s));
  }
  return out;
}

inline bool Glob::Match(std::string_view path) const {
  return MatchFrom(0, glob_internal::Split(path), 0);
}

inline bool Glob::MatchFrom(size_t segment, const std::vector<std::string_view>& parts,
                            size_t part) const {
  if (segment == segments_.size()) return part == parts.size();
  const std::string& pattern = segments_[segment];
  if (pattern != glob_internal::kAnyDepth) {
    return part < parts.size() && glob_internal::MatchSegment(pattern, parts[part]) &&
           MatchFrom(segment + 1, parts, part + 1);
  }
  if (segment + 1 == segments_.size()) {
    // A trailing `**` is every file below: at least one part, none hidden.
    return part < parts.size() && std::none_of(parts.begin() + static_cast<long>(part), parts.end(),
                                               glob_internal::IsHidden);
  }
  for (size_t k = part;; ++k) {
    if (MatchFrom(segment + 1, parts, k)) return true;
    if (k == parts.size() || glob_internal::IsHidden(parts[k])) return false;
  }
}

inline std::vector<std::string> Glob::Expand(const std::filesystem::path& root) const {
  std::vector<std::string> out;
  Walk(root, "", 0, &out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

inline void Glob::Walk(const std::filesystem::path& dir, const std::string& relative,
                       size_t segment, std::vector<std::string>* out) const {
  const std::string& pattern = segments_[segment];
  if (pattern == glob_internal::kAnyDepth) return WalkAnyDepth(dir, relative, segment, out);
  bool last = segment + 1 == segments_.size();
  std::error_code ec;
  if (glob_internal::IsLiteral(pattern)) {
    // A literal segment costs one stat, not a folder listing.
    std::string name = glob_internal::Unescape(pattern);
    std::filesystem::file_status st = std::filesystem::status(dir / name, ec);
    if (last && std::filesystem::is_regular_file(st))
      out->push_back(glob_internal::Join(relative, name));
    if (!last && std::filesystem::is_directory(st))
      Walk(dir / name, glob_internal::Join(relative, name), segment + 1, out);
    return;
  }
  for (std::filesystem::directory_iterator
           it(dir, std::filesystem::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!glob_internal::MatchSegment(pattern, name)) continue;
    std::error_code type_ec;
    if (last && it->is_regular_file(type_ec)) out->push_back(glob_internal::Join(relative, name));
    if (!last && it->is_directory(type_ec)) {
      Walk(it->path(), glob_internal::Join(relative, name), segment + 1, out);
    }
  }
}

inline void Glob::WalkAnyDepth(const std::filesystem::path& dir, const std::string& relative,
                               size_t segment, std::vector<std::string>* out) const {
  bool last = segment + 1 == segments_.size();
  if (!last) Walk(dir, relative, segment + 1, out);  // `**` as no folder at all
  std::error_code ec;
  for (std::filesystem::directory_iterator
           it(dir, std::filesystem::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (glob_internal::IsHidden(name)) continue;
    std::error_code type_ec;
    if (last && it->is_regular_file(type_ec)) out->push_back(glob_internal::Join(relative, name));
    if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
      WalkAnyDepth(it->path(), glob_internal::Join(relative, name), segment, out);
    }
  }
}

}  // namespace taskr::sdk

#endif  // TASKR_GLOB_HPP_
