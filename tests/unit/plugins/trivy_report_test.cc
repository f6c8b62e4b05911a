// The trivy plugin's pure parts: trivy's JSON report read into findings (from
// fixtures in tests/fixtures/trivy: hand-written in the shape of trivy's real
// output where a vulnerability database was needed, real output otherwise),
// the counts, fail_on and the summary, and the trivy command line.
#include "plugins/trivy/report.h"

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/trivy/command.h"
#include "plugins/trivy/summary.h"

using Catch::Matchers::ContainsSubstring;
using taskr::trivy::CountBySeverity;
using taskr::trivy::FailOnVerdict;
using taskr::trivy::Issue;
using taskr::trivy::ReadReport;
using taskr::trivy::Report;
using taskr::trivy::ReportScope;
using taskr::trivy::Scan;
using taskr::trivy::Severity;
using taskr::trivy::SeverityCounts;
using taskr::trivy::SummaryMarkdown;
using Argv = std::vector<std::string>;

namespace {

Report Fixture(const std::string& name, const ReportScope& scope) {
  std::filesystem::path path =
      std::filesystem::path(TASKR_SOURCE_DIR) / "tests" / "fixtures" / "trivy" / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return ReadReport(text.str(), scope);
}

// Find returns the issue with `rule` about `where` (a package, or file:line).
const Issue& Find(const Report& r, const std::string& rule, const std::string& where) {
  for (const Issue& i : r.issues) {
    if (i.finding.rule_id == rule && i.where == where) return i;
  }
  FAIL("no issue " << rule << " at " << where);
  throw std::logic_error("unreachable");
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// The flags a trivy 0.63 or later declares in `trivy fs --help`, in its layout.
constexpr const char* kModernHelp = R"(Scan local filesystem

Usage:
  trivy filesystem [flags] PATH

Scan Flags
      --offline-scan                    do not issue API requests to identify dependencies
      --scanners strings                comma-separated list of what security issues to detect (vuln,misconfig,secret,license) (default [vuln,secret])

Report Flags
  -f, --format string                   format (table,json,template,sarif,cyclonedx,spdx,spdx-json,github,cosign-vuln) (default "table")
      --include-non-failures            include successes, available with '--scanners misconfig'

DB Flags
      --no-progress                     suppress progress bar
      --skip-db-update                  skip updating vulnerability database
      --skip-java-db-update             skip updating Java index database

Misconfiguration Flags
      --skip-check-update               skip fetching rego check updates

Global Flags:
      --cache-dir string          cache directory (default "/root/.cache/trivy")
      --disable-telemetry         disable sending anonymous usage data to Aqua
  -q, --quiet                     suppress progress bar and log output
      --skip-version-check        suppress notices about version updates and Trivy announcements
)";

}  // namespace

TEST_CASE(
    "trivy vulnerability JSON of an image (fixture shaped like trivy's real output) becomes "
    "findings, one per vulnerability and package",
    "[trivy]") {
  Report r = Fixture("image-alpine.json", ReportScope{"", false});
  CHECK(r.artifact == "registry.example.com/shop/api:1.4.2");
  REQUIRE(r.issues.size() == 8);

  SECTION("one finding per package, under one rule per vulnerability") {
    const Issue& crypto = Find(r, "CVE-2024-5535", "libcrypto3");
    const Issue& ssl = Find(r, "CVE-2024-5535", "libssl3");
    CHECK(crypto.finding.rule_name == "openssl: SSL_select_next_proto buffer overread");
    CHECK(ssl.finding.rule_name == crypto.finding.rule_name);
    CHECK(crypto.kind == "vulnerability");
    CHECK(crypto.severity == Severity::kCritical);
    CHECK(crypto.finding.level == TASKR_FINDING_ERROR);
    CHECK(crypto.installed == "3.1.4-r5");
    CHECK(crypto.fixed == "3.1.6-r0");
    CHECK(crypto.finding.message ==
          "CVE-2024-5535 in libcrypto3 3.1.4-r5, fixed in 3.1.6-r0: openssl: "
          "SSL_select_next_proto buffer overread — in registry.example.com/shop/api:1.4.2 "
          "(alpine 3.19.1)");
    CHECK(crypto.finding.help == "Upgrade libcrypto3 3.1.4-r5 to 3.1.6-r0.");
    CHECK(crypto.finding.help_uri == "https://avd.aquasec.com/nvd/cve-2024-5535");
  }
  SECTION("the security severity is the CVSS v3 score of the SeveritySource vendor") {
    CHECK(Find(r, "CVE-2024-5535", "libcrypto3").finding.security_severity == 9.1);  // nvd
    // HIGH by its label, but redhat is the source: 5.6, not nvd's 7.5.
    const Issue& redhat = Find(r, "CVE-2024-4741", "libcrypto3");
    CHECK(redhat.severity == Severity::kHigh);
    CHECK(redhat.finding.security_severity == 5.6);
    CHECK(Find(r, "CVE-2021-44228", "org.apache.logging.log4j:log4j-core")
              .finding.security_severity == 10.0);
  }
  SECTION("without a v3 score of that vendor, trivy's fixed score for the severity") {
    CHECK(Find(r, "CVE-2023-42363", "busybox").finding.security_severity == 5.5);  // no CVSS
    CHECK(Find(r, "CVE-2024-2511", "libssl3").finding.security_severity == 2.0);   // v2 only
    const Issue& unknown = Find(r, "CVE-2099-0001", "musl");
    CHECK(unknown.finding.security_severity == 0.0);
    CHECK(unknown.finding.level == TASKR_FINDING_NOTE);
    CHECK(unknown.finding.help_uri.empty());
  }
  SECTION("a missing Severity comes from VendorSeverity of the SeveritySource") {
    const Issue& ghsa = Find(r, "GHSA-2x5j-vhc8-9cwm", "apk-tools");
    CHECK(ghsa.severity == Severity::kHigh);
    CHECK(ghsa.finding.level == TASKR_FINDING_ERROR);
    CHECK(ghsa.finding.security_severity == 8.0);
  }
  SECTION("no fixed version: the help says so with trivy's status") {
    const Issue& busybox = Find(r, "CVE-2023-42363", "busybox");
    CHECK(busybox.fixed.empty());
    CHECK(busybox.finding.level == TASKR_FINDING_WARNING);
    CHECK_THAT(busybox.finding.message, ContainsSubstring("busybox 1.36.1-r15, no fixed version"));
    CHECK(busybox.finding.help == "No fixed version of busybox is known yet (status: affected).");
  }
  SECTION("an image's packages and jars are no workspace files") {
    for (const Issue& i : r.issues) {
      CHECK(i.finding.file.empty());
      CHECK(i.finding.line == 0);
    }
  }
  SECTION("counts, fail_on and the summary") {
    SeverityCounts counts = CountBySeverity(r.issues);
    CHECK(counts.of(Severity::kCritical) == 3);
    CHECK(counts.of(Severity::kHigh) == 2);
    CHECK(counts.of(Severity::kMedium) == 1);
    CHECK(counts.of(Severity::kLow) == 1);
    CHECK(counts.of(Severity::kUnknown) == 1);
    CHECK(counts.total == 8);
    CHECK(FailOnVerdict(counts, Severity::kHigh) ==
          "5 findings at HIGH or above: 3 CRITICAL, 2 HIGH");
    CHECK(FailOnVerdict(counts, Severity::kUnknown) ==
          "8 findings at UNKNOWN or above: 3 CRITICAL, 2 HIGH, 1 MEDIUM, 1 LOW, 1 UNKNOWN");

    std::string md = SummaryMarkdown("**trivy.image** `api`", r, counts, "out/api.json");
    INFO(md);
    CHECK_THAT(md, ContainsSubstring("**trivy.image** `api`: 8 findings\n"));
    CHECK_THAT(md, ContainsSubstring("| CRITICAL | 3 |\n| HIGH | 2 |\n| MEDIUM | 1 |\n"));
    // Most severe first: log4j's 10.0 before openssl's 9.1, with versions.
    CHECK_THAT(md, ContainsSubstring(
                       "|---|---|---|---|---|---|\n| CRITICAL | "
                       "[CVE-2021-44228](https://avd.aquasec.com/nvd/cve-2021-44228) | "
                       "`org.apache.logging.log4j:log4j-core` | `2.14.1` | `2.15.0, 2.12.2` |"));
    CHECK_THAT(md, ContainsSubstring("| `busybox` | `1.36.1-r15` |  | busybox: use-after-free"));
    CHECK_THAT(md, ContainsSubstring("Report: `out/api.json`"));
  }
}

TEST_CASE(
    "trivy vulnerability JSON of a folder (fixture shaped like trivy's real output) points at "
    "lock files and lines in the workspace",
    "[trivy]") {
  // As if `path = "web"` was scanned: trivy's targets are relative to it.
  Report r = Fixture("fs-lockfile.json", ReportScope{"web", true});
  REQUIRE(r.issues.size() == 7);

  SECTION("a package's first location in the lock file, by PkgID or by name and version") {
    const Issue& lodash = Find(r, "CVE-2021-23337", "lodash");
    CHECK(lodash.finding.file == "web/package-lock.json");
    CHECK(lodash.finding.line == 5710);
    CHECK(lodash.finding.security_severity == 7.2);
    CHECK_THAT(lodash.finding.message, !ContainsSubstring(" — in "));
    const Issue& minimist = Find(r, "CVE-2021-44906", "minimist");
    CHECK(minimist.finding.file == "web/package-lock.json");
    CHECK(minimist.finding.line == 6120);
  }
  SECTION("missing fields leave their part empty") {
    const Issue& net = Find(r, "GHSA-4374-p667-p6c8", "golang.org/x/net");
    CHECK(net.finding.file == "web/go.mod");
    CHECK(net.finding.line == 0);
    CHECK(net.installed.empty());
    CHECK(net.title == "GHSA-4374-p667-p6c8");
    CHECK(net.finding.message ==
          "GHSA-4374-p667-p6c8 in golang.org/x/net, fixed in 0.17.0: GHSA-4374-p667-p6c8");
    CHECK(net.finding.help_uri.empty());
    CHECK(net.finding.security_severity == 5.5);
  }
  SECTION("misconfigurations: AVDID, else ID; failures only; remote modules are no file") {
    const Issue& root = Find(r, "AVD-DS-0002", "web/deploy/Dockerfile:7");
    CHECK(root.kind == "misconfiguration");
    CHECK(root.finding.file == "web/deploy/Dockerfile");
    CHECK(root.finding.line == 7);
    CHECK(root.finding.security_severity == 8.0);
    CHECK(root.finding.message ==
          "Image user should not be 'root': Last USER command in Dockerfile should not be 'root'");
    CHECK(root.finding.help == "Add 'USER <non root user name>' line to the Dockerfile");
    const Issue& health = Find(r, "DS026", "web/deploy/Dockerfile");
    CHECK(health.finding.line == 0);
    CHECK(health.finding.help_uri == "https://blog.aquasec.com/docker-security-best-practices");
    for (const Issue& i : r.issues) CHECK(i.finding.rule_id != "AVD-DS-0001");  // a PASS
    const Issue& s3 =
        Find(r, "AVD-AWS-0088",
             "git::https://github.com/example/terraform-modules.git?ref=v1.2.0/s3/main.tf:12");
    CHECK(s3.finding.file.empty());
    CHECK_THAT(s3.finding.message, ContainsSubstring(" — in git::https://github.com/example/"));
  }
  SECTION("a licence is a finding of its own kind") {
    const Issue& gpl = Find(r, "GPL-3.0", "web/LICENSE");
    CHECK(gpl.kind == "license");
    CHECK(gpl.finding.file == "web/LICENSE");
    CHECK(gpl.finding.message == "web/LICENSE is licensed GPL-3.0 (restricted)");
  }
  SECTION("fail_on counts only what is at or above it") {
    SeverityCounts counts = CountBySeverity(r.issues);
    CHECK(FailOnVerdict(counts, Severity::kCritical) ==
          "1 finding at CRITICAL or above: 1 CRITICAL");
    CHECK(FailOnVerdict(counts, Severity::kHigh) ==
          "4 findings at HIGH or above: 1 CRITICAL, 3 HIGH");
  }
}

TEST_CASE("trivy config JSON (real output of the trivy here) becomes misconfiguration findings",
          "[trivy]") {
  Report r = Fixture("config-dockerfile.real.json", ReportScope{"", true});
  REQUIRE(r.issues.size() == 3);
  const Issue& user = Find(r, "AVD-DS-0002", "deploy/Dockerfile:3");
  CHECK(user.severity == Severity::kHigh);
  CHECK(user.finding.file == "deploy/Dockerfile");
  CHECK(user.finding.line == 3);
  CHECK(user.finding.help_uri == "https://avd.aquasec.com/misconfig/ds002");
  CHECK(Find(r, "AVD-DS-0025", "deploy/Dockerfile:2").finding.line == 2);
  CHECK(Find(r, "AVD-DS-0026", "deploy/Dockerfile").severity == Severity::kLow);
}

TEST_CASE("a trivy report without results, or with members of the wrong type, has no findings",
          "[trivy]") {
  Report sparse = Fixture("sparse.json", ReportScope{"", true});
  CHECK(sparse.artifact == "docs");
  CHECK(sparse.issues.empty());
  SeverityCounts none = CountBySeverity(sparse.issues);
  CHECK(none.total == 0);
  CHECK_FALSE(FailOnVerdict(none, Severity::kUnknown).has_value());
  CHECK(SummaryMarkdown("**trivy.fs** `docs`", sparse, none, "r.json") ==
        "**trivy.fs** `docs`: no findings. Report: `r.json`\n");

  Report odd = ReadReport(R"({"Results": [null, 3, {"Target": 5, "Misconfigurations": {},
      "Vulnerabilities": [{}, "x", {"VulnerabilityID": "CVE-1", "CVSS": "bad", "Severity": 7}]}]})",
                          ReportScope{"", true});
  REQUIRE(odd.issues.size() == 2);
  CHECK(odd.issues[0].finding.rule_id == "vulnerability");
  CHECK(odd.issues[0].severity == Severity::kUnknown);
  CHECK(odd.issues[0].finding.message ==
        "vulnerability in an unnamed package, no fixed version: vulnerability");
  CHECK(odd.issues[1].finding.rule_id == "CVE-1");
  CHECK(odd.issues[1].finding.file.empty());

  CHECK_THAT(ErrorOf([] { ReadReport("[]", ReportScope{}); }),
             ContainsSubstring("not a trivy JSON report"));
  CHECK_THAT(ErrorOf([] { ReadReport("{\"Results\": [", ReportScope{}); }),
             ContainsSubstring("invalid JSON at byte"));
}

TEST_CASE("a trivy target outside the workspace names no file", "[trivy]") {
  Report r = ReadReport(R"({"Results": [{"Target": "../../etc/passwd", "Class": "secret",
      "Secrets": [{"RuleID": "private-key", "Title": "Private Key", "Severity": "HIGH",
                   "StartLine": 3, "Match": "****"}]}]})",
                        ReportScope{"sub", true});
  REQUIRE(r.issues.size() == 1);
  CHECK(r.issues[0].finding.file.empty());
  CHECK(r.issues[0].finding.message == "Private Key (private-key) — in ../../etc/passwd:3");
}

TEST_CASE("the trivy command line turns telemetry and the version check off where trivy knows how",
          "[trivy]") {
  Scan scan;
  scan.binary = "/opt/trivy";
  scan.command = "fs";
  scan.target = "/ws/src";
  scan.report = "/ws/.taskr/runs/1/trivy/scan.json";
  scan.cache_dir = "/cache";
  scan.severities = {"HIGH", "CRITICAL"};
  scan.scanners = {"secret"};
  scan.offline = true;
  scan.skip_dirs = {"/ws/.taskr"};
  scan.extra_args = {"--skip-files", "src/generated.go"};

  SECTION("a trivy 0.63 or later: the flags, and the newer name of the check-bundle switch") {
    std::set<std::string> known = taskr::trivy::FlagsInHelp(kModernHelp);
    CHECK(known.count("--disable-telemetry") == 1);
    CHECK(known.count("--format") == 1);
    CHECK(known.count("--scanners") == 1);  // not "--scanners misconfig" from a description
    CHECK(taskr::trivy::TrivyArgs(scan, known) == Argv{"/opt/trivy",
                                                       "fs",
                                                       "--skip-version-check",
                                                       "--disable-telemetry",
                                                       "--no-progress",
                                                       "--cache-dir",
                                                       "/cache",
                                                       "--format",
                                                       "json",
                                                       "--output",
                                                       "/ws/.taskr/runs/1/trivy/scan.json",
                                                       "--exit-code",
                                                       "0",
                                                       "--severity",
                                                       "HIGH,CRITICAL",
                                                       "--scanners",
                                                       "secret",
                                                       "--skip-db-update",
                                                       "--skip-java-db-update",
                                                       "--offline-scan",
                                                       "--skip-check-update",
                                                       "--skip-dirs",
                                                       "/ws/.taskr",
                                                       "--skip-files",
                                                       "src/generated.go",
                                                       "/ws/src"});
  }
  SECTION("an older trivy that has neither: no unknown flag; the environment still says so") {
    std::set<std::string> known = {"--skip-db-update", "--skip-policy-update", "--no-progress"};
    Argv argv = taskr::trivy::TrivyArgs(scan, known);
    CHECK(std::count(argv.begin(), argv.end(), "--disable-telemetry") == 0);
    CHECK(std::count(argv.begin(), argv.end(), "--skip-version-check") == 0);
    CHECK(std::count(argv.begin(), argv.end(), "--skip-policy-update") == 1);
    CHECK(std::count(argv.begin(), argv.end(), "--offline-scan") == 0);
    CHECK(taskr::trivy::kNoTelemetryEnv ==
          Argv{"TRIVY_DISABLE_TELEMETRY=true", "TRIVY_SKIP_VERSION_CHECK=true"});
  }
  SECTION("an image archive goes with --input") {
    scan.command = "image";
    scan.input = true;
    scan.target = "/ws/img.tar";
    Argv argv = taskr::trivy::TrivyArgs(scan, {});
    CHECK(Argv(argv.end() - 2, argv.end()) == Argv{"--input", "/ws/img.tar"});
  }
  SECTION("extra arguments may not take over what the plugin sets") {
    CHECK(taskr::trivy::ExtraArgsProblem("--format=sarif") ==
          "'--format=sarif': the plugin sets --format itself (taskr reads trivy's JSON report)");
    CHECK_THAT(taskr::trivy::ExtraArgsProblem("-otrivy.json"), ContainsSubstring("--output"));
    CHECK_THAT(taskr::trivy::ExtraArgsProblem("--disable-telemetry=false"),
               ContainsSubstring("always off"));
    CHECK(taskr::trivy::ExtraArgsProblem("--skip-dirs").empty());
    CHECK(taskr::trivy::ExtraArgsProblem("--formatted").empty());
  }
}
