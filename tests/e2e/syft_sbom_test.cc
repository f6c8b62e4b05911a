// End-to-end: the syft-sbom plugin, loaded by the real taskr binary. The trivy
// generator runs for real (the trivy build in TASKR_TOOLS_DIR); its CycloneDX
// output is checked with @cyclonedx/cyclonedx-library's strict validator and
// its SPDX output for the fields SPDX 2.3 requires. syft cannot run here: the
// syft path runs a stand-in that writes the syft-shaped fixtures of
// tests/fixtures/syft/ where syft would.
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using nlohmann::json;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(TASKR_SOURCE_DIR) / "tests" / "fixtures" / "syft";
const std::string kTrivy = TASKR_TRIVY;

// Shell runs `command` with sh in `dir` and returns its exit code.
int Shell(const fs::path& dir, const std::string& command) {
  std::string line = "cd '" + dir.string() + "' && (" + command + ")";
  int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Capture runs `command` with sh and returns what it printed on stdout.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  return out;
}

std::string Sha256Of(const fs::path& file) {
  return Capture("sha256sum '" + file.string() + "'").substr(0, 64);
}

// CopyApp puts the fixture project (package-lock.json, go.mod + go.sum,
// requirements.txt) into `ws` under app/.
void CopyApp(const Workspace& ws) {
  for (const auto& entry : fs::directory_iterator(kFixtures / "app")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    ws.Write(fs::path("app") / entry.path().filename(), text.str());
  }
}

json ReadJson(const Workspace& ws, const fs::path& relative) {
  return json::parse(ws.Read(relative), nullptr, /*allow_exceptions=*/false);
}

json TaskReport(const Workspace& ws, const std::string& id) {
  json report = ReadJson(ws, ".taskr/runs/latest/report.json");
  for (const json& t : report.value("tasks", json::array())) {
    if (t.value("id", "") == id) return t;
  }
  return json();
}

bool IsString(const json& doc, const char* key) {
  return doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty();
}

// SpdxProblems lists what `doc` lacks of what SPDX 2.3 requires of a JSON
// document (spdx-spec v2.3, chapters 6, 7 and 11): the fixed header fields, a
// unique absolute documentNamespace without '#', creationInfo, each
// package's SPDXID, name and downloadLocation, and what the document
// describes when it holds more than one package.
std::vector<std::string> SpdxProblems(const json& doc) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  require(doc.value("spdxVersion", "") == "SPDX-2.3", "spdxVersion is not SPDX-2.3");
  require(doc.value("dataLicense", "") == "CC0-1.0", "dataLicense is not CC0-1.0");
  require(doc.value("SPDXID", "") == "SPDXRef-DOCUMENT", "SPDXID is not SPDXRef-DOCUMENT");
  require(IsString(doc, "name"), "no name");
  static const std::regex kAbsoluteUri(R"(^[A-Za-z][A-Za-z0-9+.\-]*:[^#\s]+$)");
  require(IsString(doc, "documentNamespace") &&
              std::regex_match(doc["documentNamespace"].get<std::string>(), kAbsoluteUri),
          "documentNamespace is not an absolute URI without '#'");
  const json& info = doc.value("creationInfo", json::object());
  static const std::regex kCreated(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");
  require(
      IsString(info, "created") && std::regex_match(info["created"].get<std::string>(), kCreated),
      "creationInfo.created is not YYYY-MM-DDThh:mm:ssZ");
  static const std::regex kCreator(R"(^(Tool|Organization|Person): .+$)");
  const json& creators = info.value("creators", json::array());
  require(creators.is_array() && !creators.empty(), "creationInfo.creators is empty");
  for (const json& c : creators) {
    require(c.is_string() && std::regex_match(c.get<std::string>(), kCreator),
            "creator " + c.dump() + " is not Tool:, Organization: or Person:");
  }

  static const std::regex kSpdxId(R"(^SPDXRef-[A-Za-z0-9.\-]+$)");
  std::set<std::string> ids;
  const json& packages = doc.value("packages", json::array());
  for (const json& p : packages) {
    std::string id = p.value("SPDXID", "");
    require(std::regex_match(id, kSpdxId), "package SPDXID '" + id + "' is not SPDXRef-…");
    require(ids.insert(id).second, "package SPDXID " + id + " is not unique");
    require(IsString(p, "name"), "package " + id + " has no name");
    require(IsString(p, "downloadLocation"), "package " + id + " has no downloadLocation");
  }
  bool describes = !doc.value("documentDescribes", json::array()).empty();
  for (const json& r : doc.value("relationships", json::array())) {
    require(IsString(r, "spdxElementId") && IsString(r, "relationshipType") &&
                IsString(r, "relatedSpdxElement"),
            "relationship " + r.dump() + " lacks a field");
    describes = describes || (r.value("spdxElementId", "") == "SPDXRef-DOCUMENT" &&
                              r.value("relationshipType", "") == "DESCRIBES" &&
                              ids.count(r.value("relatedSpdxElement", "")));
  }
  require(packages.size() <= 1 || describes,
          "more than one package, and no DESCRIBES relationship or documentDescribes");
  return problems;
}

std::string Problems(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += p + "\n";
  return out;
}

// ValidateCycloneDx runs tests/tools/validate-cyclonedx.mjs on `file`.
int ValidateCycloneDx(const fs::path& file, const std::string& spec_version) {
  std::string command = std::string(TASKR_VALIDATE_CYCLONEDX) + " --spec-version " + spec_version +
                        " '" + file.string() + "'";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// WriteStandInSyft writes bin/syft: for `--version` it prints syft 1.42.3; for
// `scan` it records its arguments and environment in syft-args.txt and copies
// the syft-shaped fixtures to the files named by `-o FORMAT[@VERSION]=FILE`.
void WriteStandInSyft(const Workspace& ws) {
  ws.Write("bin/syft", R"(#!/bin/sh
if [ "$1" = --version ]; then echo "syft 1.42.3"; exit 0; fi
[ "$1" = scan ] || { echo "stand-in syft: unexpected $1" >&2; exit 2; }
echo "$*" > syft-args.txt
echo "SYFT_CHECK_FOR_APP_UPDATE=$SYFT_CHECK_FOR_APP_UPDATE" >> syft-args.txt
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then
    case "$2" in
      spdx-json*) cp ')" + (kFixtures / "app.spdx.json").string() +
                           R"(' "${2#*=}" ;;
      cyclonedx-json*) cp ')" +
                           (kFixtures / "app.cdx.json").string() + R"(' "${2#*=}" ;;
    esac
    shift
  fi
  shift
done
)");
  chmod((ws.dir() / "bin/syft").c_str(), 0755);
}

// WriteImageArchive writes dist/api.tar, a docker-archive (what `docker save`
// writes) of one layer holding a Debian package database and a node module.
void WriteImageArchive(const Workspace& ws) {
  ws.Write("rootfs/etc/os-release",
           "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
           "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
  ws.Write("rootfs/etc/debian_version", "12.5\n");
  ws.Write("rootfs/var/lib/dpkg/status",
           "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n"
           "Version: 12.4+deb12u5\nDescription: Debian base system miscellaneous files\n\n"
           "Package: tzdata\nStatus: install ok installed\nArchitecture: all\n"
           "Version: 2024a-0+deb12u1\nDescription: time zone and daylight-saving time data\n\n");
  ws.Write("rootfs/srv/node_modules/left-pad/package.json",
           R"({"name": "left-pad", "version": "1.3.0", "license": "WTFPL"})");
  REQUIRE(Shell(ws.dir(), R"(set -e
mkdir -p image dist && tar -C rootfs -cf image/layer.tar etc var srv
diff_id=$(sha256sum image/layer.tar | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" > image/config.json
printf '[{"Config":"config.json","RepoTags":["localhost/api:1.0"],"Layers":["layer.tar"]}]' > image/manifest.json
tar -C image -cf dist/api.tar manifest.json config.json layer.tar)") == 0);
}

}  // namespace

TEST_CASE(
    "syft-sbom with generator = \"trivy\" writes SPDX 2.3 and CycloneDX 1.5 files of a folder "
    "(real trivy), counts packages by type, records digests, and is cached",
    "[e2e][syft-sbom]") {
  Workspace ws(R"(
[tasks.sbom]
uses = "syft-sbom"
with = { source = "dir:app", generator = "trivy", binary = ")" +
               kTrivy + R"(" }
inputs = ["app/**"]
outputs = ["sbom/"]

[tasks.after]
needs = ["sbom"]
run = 'echo "${{ needs.sbom.outputs.packages }} ${{ needs.sbom.outputs.spdx }} ${{ needs.sbom.outputs.cyclonedx }}" > outputs.txt'
)");
  CopyApp(ws);
  Outcome o = ws.Run({"run", "after"});
  INFO(o.out << o.err << ws.Read(".taskr/runs/latest/logs/sbom.log"));
  REQUIRE(o.exit_code == 0);
  // trivy lists the lockfiles' packages (not the root project of package-lock.json).
  CHECK(ws.Read("outputs.txt") == "5 sbom/app.spdx.json sbom/app.cdx.json\n");

  // One run, checked part by part (a SECTION would run trivy again for each).
  CHECK(ValidateCycloneDx(ws.dir() / "sbom/app.cdx.json", "1.5") == 0);
  {  // The SPDX file has every field SPDX 2.3 requires.
    json spdx = ReadJson(ws, "sbom/app.spdx.json");
    REQUIRE(spdx.is_object());
    CHECK(Problems(SpdxProblems(spdx)) == "");
    // The check is not vacuous.
    spdx.erase("dataLicense");
    spdx["documentNamespace"] = "https://example.com/x#1";
    spdx["packages"][0].erase("downloadLocation");
    CHECK(SpdxProblems(spdx).size() == 3);
  }
  {  // The summary counts packages by type; both files are artifacts with their sha256.
    std::string summary = ws.Read(".taskr/runs/latest/summary.md");
    CHECK_THAT(summary, ContainsSubstring("### sbom\n\n**syft-sbom**: 5 packages in `dir:app`, "
                                          "catalogued by trivy "));
    CHECK_THAT(summary,
               ContainsSubstring("| package type (purl) | SPDX | CycloneDX |\n|---|--:|--:|\n"
                                 "| `golang` | 1 | 1 |\n| `npm` | 2 | 2 |\n"
                                 "| `pypi` | 2 | 2 |\n| **packages** | **5** | **5** |\n"
                                 "| without a purl | 3 | 3 |\n"));
    CHECK_THAT(summary,
               ContainsSubstring("CycloneDX components by type: application 3, library 5."));
    CHECK_THAT(summary, ContainsSubstring("| `sbom/app.spdx.json` | SPDX 2.3 |\n"
                                          "| `sbom/app.cdx.json` | CycloneDX 1.5 |\n"));
    std::string spdx_sha = Sha256Of(ws.dir() / "sbom/app.spdx.json");
    std::string cdx_sha = Sha256Of(ws.dir() / "sbom/app.cdx.json");
    CHECK_THAT(summary,
               ContainsSubstring("| `sbom/app.spdx.json` | `sha256:" + spdx_sha + "` | sbom |"));
    CHECK_THAT(summary,
               ContainsSubstring("| `sbom/app.cdx.json` | `sha256:" + cdx_sha + "` | sbom |"));

    json task = TaskReport(ws, "sbom");
    CHECK(task["artifacts"] ==
          json::parse(R"([{"path": "sbom/app.spdx.json", "digest": "sha256:)" + spdx_sha +
                      R"("}, {"path": "sbom/app.cdx.json", "digest": "sha256:)" + cdx_sha +
                      R"("}])"));
    CHECK(task["outputs"] == json::parse(R"({"cyclonedx": "sbom/app.cdx.json", "packages": "5",
                                             "spdx": "sbom/app.spdx.json"})"));
    CHECK(task["cache"]["result"] == "miss");
  }
  {  // A second run is a cache hit that restores both files.
    std::string spdx = ws.Read("sbom/app.spdx.json");
    fs::remove_all(ws.dir() / "sbom");
    Outcome again = ws.Run({"run", "after"});
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.out, ContainsSubstring("cached    sbom"));
    CHECK(ws.Read("sbom/app.spdx.json") == spdx);
    CHECK(TaskReport(ws, "sbom")["cache"]["result"] == "hit");
  }
}

TEST_CASE(
    "syft-sbom with generator = \"auto\" and no syft on PATH makes an image archive's SBOMs with "
    "trivy (real trivy)",
    "[e2e][syft-sbom]") {
  Workspace ws("");
  ws.Write("pipeline.toml", R"(
[tasks.image_sbom]
uses = "syft-sbom"
with = { source = "docker-archive:dist/api.tar", generator = "auto", output_dir = "out/sboms" }
env = { PATH = ")" + (ws.dir() / "bin").string() +
                                R"(:/usr/bin:/bin" }
)");
  ws.Write("bin/.keep", "");
  fs::create_symlink(kTrivy, ws.dir() / "bin/trivy");
  WriteImageArchive(ws);
  Outcome o = ws.Run({"run", "image_sbom"});
  std::string log = ws.Read(".taskr/runs/latest/logs/image_sbom.log");
  INFO(o.out << o.err << log);
  REQUIRE(o.exit_code == 0);
  CHECK_THAT(log, ContainsSubstring("with " + (ws.dir() / "bin/trivy").string()));
  CHECK_THAT(log,
             ContainsSubstring("trivy image --format cyclonedx --output out/sboms/api.cdx.json "
                               "--skip-db-update --offline-scan --input dist/api.tar\n"));
  CHECK_THAT(log,
             ContainsSubstring("out/sboms/api.spdx.json: SPDX 2.3, 3 packages (deb 2, npm 1)"));
  CHECK_THAT(log,
             ContainsSubstring("out/sboms/api.cdx.json: CycloneDX 1.5, 3 packages (deb 2, npm 1)"));
  CHECK_THAT(ws.Read(".taskr/runs/latest/summary.md"),
             ContainsSubstring("CycloneDX components by type: library 3, operating-system 1."));
  CHECK(ValidateCycloneDx(ws.dir() / "out/sboms/api.cdx.json", "1.5") == 0);
  json spdx = ReadJson(ws, "out/sboms/api.spdx.json");
  CHECK(Problems(SpdxProblems(spdx)) == "");
}

TEST_CASE(
    "syft-sbom with generator = \"syft\" and no syft on PATH fails naming generator = \"trivy\"",
    "[e2e][syft-sbom]") {
  Workspace ws(R"(
[tasks.sbom]
uses = "syft-sbom"
with = { source = "dir:app" }
env = { PATH = "/usr/bin:/bin" }
)");
  CopyApp(ws);
  REQUIRE_FALSE(fs::exists("/usr/bin/syft"));
  REQUIRE_FALSE(fs::exists("/bin/syft"));
  Outcome o = ws.Run({"run", "sbom"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring(
                        "plugin 'syft-sbom': syft is not on PATH (/usr/bin:/bin); install it, "
                        "point binary at it, or set generator = \"trivy\" to make the same SBOM "
                        "files with trivy"));
  CHECK_FALSE(ws.Exists("sbom"));
}

TEST_CASE(
    "syft-sbom runs syft scan with both outputs pinned, and counts syft's files (a stand-in "
    "syft that writes the syft-shaped fixtures)",
    "[e2e][syft-sbom]") {
  Workspace ws(R"(
[tasks.sbom]
uses = "syft-sbom"
with = { source = "dir:app", binary = "bin/syft", args = ["--exclude", "./vendor/**"] }

[tasks.newer]
uses = "syft-sbom"
with = { source = "dir:app", binary = "bin/syft", name = "newer", cyclonedx_version = "1.6" }

[tasks.missing]
uses = "syft-sbom"
with = { source = "docker-archive:dist/missing.tar", binary = "bin/syft" }
)");
  CopyApp(ws);
  WriteStandInSyft(ws);
  Outcome o = ws.Run({"run", "sbom"});
  INFO(o.out << o.err << ws.Read(".taskr/runs/latest/logs/sbom.log"));
  REQUIRE(o.exit_code == 0);
  CHECK(ws.Read("syft-args.txt") ==
        "scan dir:app -o spdx-json@2.3=sbom/app.spdx.json -o cyclonedx-json@1.5=sbom/app.cdx.json "
        "--exclude ./vendor/**\nSYFT_CHECK_FOR_APP_UPDATE=false\n");
  std::string summary = ws.Read(".taskr/runs/latest/summary.md");
  CHECK_THAT(summary, ContainsSubstring("**syft-sbom**: 6 packages in `dir:app`, catalogued by "
                                        "syft 1.42.3\n"));
  CHECK_THAT(summary, ContainsSubstring("| `golang` | 1 | 1 |\n| `npm` | 3 | 3 |\n"
                                        "| `pypi` | 2 | 2 |\n| **packages** | **6** | **6** |\n"
                                        "| without a purl | 0 | 0 |\n"));
  CHECK(TaskReport(ws, "sbom")["outputs"]["packages"] == "6");

  // The fixture is CycloneDX 1.5: a pin the file does not meet fails the task.
  Outcome newer = ws.Run({"run", "newer"});
  CHECK(newer.exit_code == 1);
  CHECK_THAT(newer.out, ContainsSubstring("plugin 'syft-sbom': sbom/newer.cdx.json is CycloneDX "
                                          "1.5, but cyclonedx_version = \"1.6\""));

  // A source path that does not exist fails before syft runs.
  fs::remove(ws.dir() / "syft-args.txt");
  Outcome missing = ws.Run({"run", "missing"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.out, ContainsSubstring("plugin 'syft-sbom': source: dist/missing.tar does "
                                            "not exist (paths are relative to the workspace "));
  CHECK_FALSE(ws.Exists("syft-args.txt"));
}

TEST_CASE("taskr plugins info syft-sbom lists its parameters and outputs", "[e2e][syft-sbom]") {
  Workspace ws("");
  Outcome o = ws.Run({"plugins", "info", "syft-sbom"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("syft-sbom 1.0.0"));
  CHECK_THAT(o.out, ContainsSubstring("action sbom, the default (pure: may be cached)"));
  CHECK_THAT(o.out, ContainsSubstring("source             string, required"));
  CHECK_THAT(o.out, ContainsSubstring("generator          string, default \"syft\""));
  CHECK_THAT(o.out, ContainsSubstring("cyclonedx_version  string, default \"1.5\""));
  CHECK_THAT(o.out, ContainsSubstring("packages  — how many packages"));
}
