// trivy's JSON report (`--format json`, SchemaVersion 2) read into findings:
// one per (vulnerability, package), misconfiguration, secret and licence.
// Almost every field of that report is optional, so a missing one never
// fails the read; it only leaves its part of a finding empty.
//
//   Report r = ReadReport(json_text, ReportScope{"src", true});
//   for (const Issue& i : r.issues) ctx.ReportFinding(i.finding);
//   SeverityCounts counts = CountBySeverity(r.issues);
//   if (auto why = FailOnVerdict(counts, Severity::kHigh)) throw sdk::Error(*why);
//
// Mapping, as trivy's own SARIF writer does it: the rule is the
// VulnerabilityID, the misconfiguration's AVDID (else ID), the secret's
// RuleID, or the licence name; CRITICAL and HIGH are errors, MEDIUM warnings,
// LOW and UNKNOWN notes; the security severity is the CVSS v3 score of the
// SeveritySource vendor, else 9.5, 8.0, 5.5, 2.0 or 0.0 by severity.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <taskr/sdk.hpp>

namespace taskr::trivy {

/// Severity is trivy's scale, lowest first.
enum class Severity { kUnknown, kLow, kMedium, kHigh, kCritical };

/// kSeverities lists every severity, most severe first.
inline constexpr std::array<Severity, 5> kSeverities = {
    Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kUnknown};

/// SeverityName is trivy's spelling: "CRITICAL", …, "UNKNOWN".
std::string_view SeverityName(Severity severity);
/// ParseSeverity reads trivy's spelling; nullopt for anything else.
std::optional<Severity> ParseSeverity(std::string_view name);

/// Issue is one finding of the report, with the trivy facts the summary shows.
struct Issue {
  sdk::Finding finding;
  Severity severity = Severity::kUnknown;
  std::string kind;       // "vulnerability", "misconfiguration", "secret" or "license"
  std::string where;      // the package, or file:line, or trivy's target
  std::string installed;  // vulnerabilities: the installed version
  std::string fixed;      // vulnerabilities: the fixed version(s); "" when none
  std::string title;      // trivy's title, or the rule id
};

/// ReportScope says how trivy's targets map to files of the workspace.
struct ReportScope {
  /// root is the workspace-relative folder that trivy's targets are relative
  /// to ("" for the workspace itself): the scanned folder, or a scanned
  /// file's folder.
  std::string root;
  /// files is false when targets are not workspace files: an image scan, or
  /// a scan of a path outside the workspace. Findings then name no file.
  bool files = false;
};

/// Report is what ReadReport found.
struct Report {
  std::string artifact;  // ArtifactName: what was scanned, as trivy names it
  std::vector<Issue> issues;
};

/// ReadReport reads trivy's JSON report. It throws sdk::Error only when the
/// text is not JSON or not an object; a report without Results has no issues.
Report ReadReport(std::string_view json, const ReportScope& scope);

/// SeverityCounts counts issues by severity.
struct SeverityCounts {
  std::array<size_t, 5> by{};  // indexed by static_cast<size_t>(Severity)
  size_t total = 0;
  size_t of(Severity s) const { return by[static_cast<size_t>(s)]; }
};

/// CountBySeverity counts `issues` by their trivy severity.
SeverityCounts CountBySeverity(const std::vector<Issue>& issues);

/// FailOnVerdict says why the task fails when any issue is at `threshold` or
/// above: "3 findings at HIGH or above: 1 CRITICAL, 2 HIGH"; nullopt when none is.
std::optional<std::string> FailOnVerdict(const SeverityCounts& counts, Severity threshold);

/// MostSevere returns up to `limit` issues, most severe first (severity, then
/// security severity), in report order among equals.
std::vector<const Issue*> MostSevere(const std::vector<Issue>& issues, size_t limit);

}  // namespace taskr::trivy
