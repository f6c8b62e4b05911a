#include "report.h"

#include <algorithm>
#include <filesystem>
#include <utility>

namespace taskr::trivy {

namespace {

using sdk::Json;

constexpr std::array<std::string_view, 5> kNames = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

// SeverityOf reads an item's Severity, falling back on the score its
// SeveritySource vendor gave (VendorSeverity: 1 LOW … 4 CRITICAL).
Severity SeverityOf(const Json& item) {
  if (auto s = ParseSeverity(item["Severity"].string_or())) return *s;
  double vendor = item["VendorSeverity"][item["SeveritySource"].string_or()].number_or(0);
  if (vendor >= 1 && vendor <= 4) return static_cast<Severity>(static_cast<int>(vendor));
  return Severity::kUnknown;
}

taskr_finding_level LevelOf(Severity s) {
  if (s >= Severity::kHigh) return TASKR_FINDING_ERROR;
  if (s == Severity::kMedium) return TASKR_FINDING_WARNING;
  return TASKR_FINDING_NOTE;
}

// FixedScore is the score trivy's SARIF gives a severity without CVSS.
double FixedScore(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return 9.5;
    case Severity::kHigh:
      return 8.0;
    case Severity::kMedium:
      return 5.5;
    case Severity::kLow:
      return 2.0;
    case Severity::kUnknown:
      break;
  }
  return 0.0;
}

double VulnerabilityScore(const Json& v, Severity s) {
  double v3 = v["CVSS"][v["SeveritySource"].string_or()]["V3Score"].number_or(0);
  return v3 > 0 ? std::min(v3, 10.0) : FixedScore(s);
}

uint32_t LineOf(const Json& number) {
  double n = number.number_or(0);
  return n >= 1 && n < 4e9 ? static_cast<uint32_t>(n) : 0;
}

// WorkspaceFile maps a path trivy reports to a workspace file, or "" when it
// is not one (an image's path, a remote module, a path that leaves the root).
std::string WorkspaceFile(const ReportScope& scope, std::string_view path) {
  if (!scope.files || path.empty()) return "";
  if (path.find("://") != std::string_view::npos || path.find("::") != std::string_view::npos) {
    return "";
  }
  std::filesystem::path p(path);
  if (p.is_absolute()) return "";
  std::string file = (std::filesystem::path(scope.root) / p).lexically_normal().generic_string();
  if (file.empty() || file == "." || file == ".." || file.starts_with("../")) return "";
  return file;
}

// Place is where an issue is: a workspace file and line, or trivy's target.
struct Place {
  std::string file;
  uint32_t line = 0;
  std::string target;

  // Shown is the place as the summary names it.
  std::string Shown() const {
    std::string at = file.empty() ? target : file;
    return line ? at + ":" + std::to_string(line) : at;
  }
  // Suffix names the place in a message when no file carries it.
  std::string Suffix() const { return file.empty() && !target.empty() ? " — in " + Shown() : ""; }
};

Issue MakeIssue(std::string_view kind, std::string rule_id, Severity severity, double score,
                const Place& place) {
  Issue issue;
  issue.kind = kind;
  issue.severity = severity;
  issue.finding.rule_id = rule_id.empty() ? std::string(kind) : std::move(rule_id);
  issue.finding.level = LevelOf(severity);
  issue.finding.security_severity = score;
  issue.finding.file = place.file;
  issue.finding.line = place.file.empty() ? 0 : place.line;
  issue.where = place.Shown();
  return issue;
}

// PackageLine is the first line of the lock file where the package is
// declared, when trivy listed the result's packages with locations.
uint32_t PackageLine(const Json& result, const Json& v) {
  std::string id = v["PkgID"].string_or();
  std::string name = v["PkgName"].string_or();
  for (const Json& p : result["Packages"].items()) {
    bool same = !id.empty() ? p["ID"].string_or() == id
                            : !name.empty() && p["Name"].string_or() == name &&
                                  p["Version"].string_or() == v["InstalledVersion"].string_or();
    if (!same) continue;
    const std::vector<Json>& locations = p["Locations"].items();
    return locations.empty() ? 0 : LineOf(locations[0]["StartLine"]);
  }
  return 0;
}

Issue Vulnerability(const Json& v, const Json& result, const ReportScope& scope) {
  std::string id = v["VulnerabilityID"].string_or();
  std::string package = v["PkgName"].string_or(v["PkgID"].string_or("an unnamed package"));
  Severity severity = SeverityOf(v);
  Place place;
  place.target = result["Target"].string_or();
  // OS packages belong to the image or host, never to a file of the workspace.
  if (result["Class"].string_or() != "os-pkgs") {
    place.file = WorkspaceFile(scope, v["PkgPath"].string_or(place.target));
    place.line = PackageLine(result, v);
  }
  Issue issue = MakeIssue("vulnerability", id, severity, VulnerabilityScore(v, severity), place);
  issue.where = package;
  issue.installed = v["InstalledVersion"].string_or();
  issue.fixed = v["FixedVersion"].string_or();
  issue.title = v["Title"].string_or(issue.finding.rule_id);

  sdk::Finding& f = issue.finding;
  f.rule_name = issue.title;
  std::string installed = issue.installed.empty() ? "" : " " + issue.installed;
  f.message = f.rule_id + " in " + package + installed +
              (issue.fixed.empty() ? ", no fixed version" : ", fixed in " + issue.fixed) + ": " +
              issue.title + place.Suffix();
  if (!issue.fixed.empty()) {
    f.help = "Upgrade " + package + installed + " to " + issue.fixed + ".";
  } else {
    std::string status = v["Status"].string_or();
    f.help = "No fixed version of " + package + " is known yet" +
             (status.empty() ? "" : " (status: " + status + ")") + ".";
  }
  f.help_uri = v["PrimaryURL"].string_or();
  return issue;
}

Issue Misconfiguration(const Json& m, const Json& result, const ReportScope& scope) {
  std::string id = m["AVDID"].string_or(m["ID"].string_or());
  Severity severity = SeverityOf(m);
  Place place;
  place.target = result["Target"].string_or();
  place.file = WorkspaceFile(scope, place.target);
  place.line = LineOf(m["CauseMetadata"]["StartLine"]);
  Issue issue = MakeIssue("misconfiguration", id, severity, FixedScore(severity), place);
  issue.title = m["Title"].string_or(issue.finding.rule_id);

  sdk::Finding& f = issue.finding;
  f.rule_name = issue.title;
  std::string detail = m["Message"].string_or();
  f.message =
      issue.title + (detail.empty() || detail == issue.title ? "" : ": " + detail) + place.Suffix();
  f.help = m["Resolution"].string_or();
  f.help_uri = m["PrimaryURL"].string_or();
  if (f.help_uri.empty() && !m["References"].items().empty()) {
    f.help_uri = m["References"].items()[0].string_or();
  }
  return issue;
}

Issue Secret(const Json& s, const Json& result, const ReportScope& scope) {
  Severity severity = SeverityOf(s);
  Place place;
  place.target = result["Target"].string_or();
  place.file = WorkspaceFile(scope, place.target);
  place.line = LineOf(s["StartLine"]);
  Issue issue = MakeIssue("secret", s["RuleID"].string_or(), severity, FixedScore(severity), place);
  issue.title = s["Title"].string_or(issue.finding.rule_id);

  sdk::Finding& f = issue.finding;
  f.rule_name = issue.title;
  // Never the Match: trivy masks the secret in it, but not what stands around it.
  f.message = issue.title + " (" + issue.finding.rule_id + ")" + place.Suffix();
  f.help =
      "Remove the secret from the file and from its history, and revoke it: whoever could read "
      "the file has it.";
  return issue;
}

Issue License(const Json& l, const Json& result, const ReportScope& scope) {
  std::string name = l["Name"].string_or();
  Severity severity = SeverityOf(l);
  Place place;
  place.target = l["FilePath"].string_or(result["Target"].string_or());
  place.file = WorkspaceFile(scope, place.target);
  Issue issue = MakeIssue("license", name, severity, FixedScore(severity), place);
  issue.title = name.empty() ? "license" : name;
  std::string package = l["PkgName"].string_or();
  if (!package.empty()) issue.where = package;

  sdk::Finding& f = issue.finding;
  f.rule_name = "License " + issue.title;
  std::string category = l["Category"].string_or();
  f.message = (package.empty() ? place.Shown() : package) + " is licensed " + issue.title +
              (category.empty() ? "" : " (" + category + ")") + place.Suffix();
  f.help_uri = l["Link"].string_or();
  return issue;
}

}  // namespace

std::string_view SeverityName(Severity severity) { return kNames[static_cast<size_t>(severity)]; }

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

Report ReadReport(std::string_view json, const ReportScope& scope) {
  Json doc = Json::Parse(json);
  if (!doc.is_object()) throw sdk::Error("not a trivy JSON report: the top level is not an object");
  Report report;
  report.artifact = doc["ArtifactName"].string_or();
  for (const Json& result : doc["Results"].items()) {
    for (const Json& v : result["Vulnerabilities"].items()) {
      if (v.is_object()) report.issues.push_back(Vulnerability(v, result, scope));
    }
    for (const Json& m : result["Misconfigurations"].items()) {
      // With --include-non-failures trivy lists passed checks too.
      std::string status = m["Status"].string_or("FAIL");
      if (m.is_object() && status == "FAIL") {
        report.issues.push_back(Misconfiguration(m, result, scope));
      }
    }
    for (const Json& s : result["Secrets"].items()) {
      if (s.is_object()) report.issues.push_back(Secret(s, result, scope));
    }
    for (const Json& l : result["Licenses"].items()) {
      if (l.is_object()) report.issues.push_back(License(l, result, scope));
    }
  }
  return report;
}

SeverityCounts CountBySeverity(const std::vector<Issue>& issues) {
  SeverityCounts counts;
  for (const Issue& i : issues) ++counts.by[static_cast<size_t>(i.severity)];
  counts.total = issues.size();
  return counts;
}

std::optional<std::string> FailOnVerdict(const SeverityCounts& counts, Severity threshold) {
  size_t failing = 0;
  std::string detail;
  for (Severity s : kSeverities) {
    if (s < threshold || counts.of(s) == 0) continue;
    failing += counts.of(s);
    detail += (detail.empty() ? "" : ", ") + std::to_string(counts.of(s)) + " " +
              std::string(SeverityName(s));
  }
  if (failing == 0) return std::nullopt;
  return std::to_string(failing) + (failing == 1 ? " finding" : " findings") + " at " +
         std::string(SeverityName(threshold)) + " or above: " + detail;
}

std::vector<const Issue*> MostSevere(const std::vector<Issue>& issues, size_t limit) {
  std::vector<const Issue*> sorted;
  for (const Issue& i : issues) sorted.push_back(&i);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Issue* a, const Issue* b) {
    if (a->severity != b->severity) return a->severity > b->severity;
    return a->finding.security_severity > b->finding.security_severity;
  });
  if (sorted.size() > limit) sorted.resize(limit);
  return sorted;
}

}  // namespace taskr::trivy
