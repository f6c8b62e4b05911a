// taskr/semver.hpp: versions as Semantic Versioning 2.0.0 (semver.org)
// defines them, for plugins that read, order or print versions: image tags,
// chart versions, release tags. Header-only, C++17.
//
//   using taskr::sdk::SemVer;
//   std::optional<SemVer> v = SemVer::Parse("v1.2.3-rc.1", SemVer::Mode::kLoose);
//   v->major;                      // 1
//   v->is_prerelease();            // true
//   v->ToString();                 // "1.2.3-rc.1"
//   *v < *SemVer::Parse("1.2.3");  // true: a pre-release ranks below its release
//
// Precedence follows semver.org §11: major, minor and patch numerically; a
// pre-release below its release; pre-release identifiers one by one, numeric
// ones by value and below alphanumeric ones, a longer list above its prefix.
// Build metadata plays no part in it.
#ifndef TASKR_SEMVER_HPP_
#define TASKR_SEMVER_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::sdk {

/// SemVer is one version: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
struct SemVer {
  /// Mode says how much text around the version Parse accepts.
  enum class Mode {
    /// kStrict: exactly the grammar of semver.org 2.0.0 ("1.2.3-rc.1+b5").
    kStrict,
    /// kLoose: also a leading run of `v`, `=` and spaces, and trailing
    /// spaces, as node-semver's loose mode accepts them ("v1.2.3", "=1.2.3").
    /// What follows must still be strict: no leading zeros, `-` before a
    /// pre-release.
    kLoose,
  };

  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  /// prerelease holds the dot-separated identifiers after `-`; empty for a release.
  std::vector<std::string> prerelease;
  /// build holds the dot-separated identifiers after `+`; they never affect precedence.
  std::vector<std::string> build;

  /// Parse reads `text` as a version, or returns nullopt when it is not one
  /// (a number too large for 64 bits is not one either).
  static std::optional<SemVer> Parse(std::string_view text, Mode mode = Mode::kStrict);

  /// is_prerelease tells whether the version has pre-release identifiers.
  bool is_prerelease() const { return !prerelease.empty(); }

  /// ToString renders the version in its canonical form, build metadata included.
  std::string ToString() const;
  /// ToStringWithoutBuild renders MAJOR.MINOR.PATCH[-PRERELEASE] (node-semver's `version`).
  std::string ToStringWithoutBuild() const;

  /// Compare returns a negative number, zero or a positive number as `a`
  /// ranks below, equal to or above `b`.
  static int Compare(const SemVer& a, const SemVer& b);
};

// The comparison operators order by precedence, so versions that differ only
// in build metadata compare equal (as node-semver's eq does).
inline bool operator<(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) < 0; }
inline bool operator>(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) > 0; }
inline bool operator<=(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) <= 0; }
inline bool operator>=(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) >= 0; }
inline bool operator==(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) == 0; }
inline bool operator!=(const SemVer& a, const SemVer& b) { return SemVer::Compare(a, b) != 0; }

namespace semver_internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

// IsIdentifier: one or more of [0-9A-Za-z-].
inline bool IsIdentifier(std::string_view s) {
  for (char c : s) {
    bool alnum = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && c != '-') return false;
  }
  return !s.empty();
}

// ParseNumber reads a numeric identifier: digits, no leading zero, within 64 bits.
inline std::optional<uint64_t> ParseNumber(std::string_view s) {
  if (!AllDigits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

inline std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Identifiers splits a pre-release or build part; nullopt when an identifier
// is empty or has a character outside [0-9A-Za-z-], or, for a pre-release,
// is numeric with a leading zero.
inline std::optional<std::vector<std::string>> Identifiers(std::string_view s, bool prerelease) {
  std::vector<std::string> out;
  for (std::string_view id : Split(s, '.')) {
    if (!IsIdentifier(id)) return std::nullopt;
    if (prerelease && AllDigits(id) && id.size() > 1 && id[0] == '0') return std::nullopt;
    out.emplace_back(id);
  }
  return out;
}

// CompareIdentifiers orders two pre-release identifiers (semver.org §11.4).
inline int CompareIdentifiers(const std::string& a, const std::string& b) {
  bool numeric_a = AllDigits(a), numeric_b = AllDigits(b);
  if (numeric_a && numeric_b) {
    // No leading zeros, so the longer number is the larger one, at any length.
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (numeric_a != numeric_b) return numeric_a ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

inline std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "." : "") + ids[i];
  return out;
}

}  // namespace semver_internal

inline std::optional<SemVer> SemVer::Parse(std::string_view text, Mode mode) {
  namespace in = semver_internal;
  if (mode == Mode::kLoose) {
    size_t start = text.find_first_not_of("v= \t");
    text = start == std::string_view::npos ? std::string_view() : text.substr(start);
    size_t end = text.find_last_not_of(" \t");
    text = end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
  }
  SemVer v;
  if (size_t plus = text.find('+'); plus != std::string_view::npos) {
    std::optional<std::vector<std::string>> build = in::Identifiers(text.substr(plus + 1), false);
    if (!build) return std::nullopt;
    v.build = std::move(*build);
    text = text.substr(0, plus);
  }
  // Core numbers hold no `-`, so the first one starts the pre-release.
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    std::optional<std::vector<std::string>> pre = in::Identifiers(text.substr(dash + 1), true);
    if (!pre) return std::nullopt;
    v.prerelease = std::move(*pre);
    text = text.substr(0, dash);
  }
  std::vector<std::string_view> core = in::Split(text, '.');
  if (core.size() != 3) return std::nullopt;
  std::optional<uint64_t> major = in::ParseNumber(core[0]);
  std::optional<uint64_t> minor = in::ParseNumber(core[1]);
  std::optional<uint64_t> patch = in::ParseNumber(core[2]);
  if (!major || !minor || !patch) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  v.patch = *patch;
  return v;
}

inline std::string SemVer::ToStringWithoutBuild() const {
  std::string out =
      std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!prerelease.empty()) out += "-" + semver_internal::Join(prerelease);
  return out;
}

inline std::string SemVer::ToString() const {
  std::string out = ToStringWithoutBuild();
  if (!build.empty()) out += "+" + semver_internal::Join(build);
  return out;
}

inline int SemVer::Compare(const SemVer& a, const SemVer& b) {
  const uint64_t core_a[] = {a.major, a.minor, a.patch};
  const uint64_t core_b[] = {b.major, b.minor, b.patch};
  for (int i = 0; i < 3; ++i) {
    if (core_a[i] != core_b[i]) return core_a[i] < core_b[i] ? -1 : 1;
  }
  // A release ranks above its own pre-releases.
  if (a.prerelease.empty() != b.prerelease.empty()) return a.prerelease.empty() ? 1 : -1;
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    int c = semver_internal::CompareIdentifiers(a.prerelease[i], b.prerelease[i]);
    if (c != 0) return c;
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace taskr::sdk

#endif  // TASKR_SEMVER_HPP_
