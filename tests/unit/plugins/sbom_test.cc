// The syft-sbom plugin's pure parts: reading SPDX and CycloneDX documents
// (syft's, from fixtures, and trivy's shape) and building syft and trivy
// command lines.
#include "plugins/syft-sbom/sbom.h"

#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <taskr/sdk.hpp>
#include "plugins/syft-sbom/generator.h"
#include "tests/unit/temp_dir.h"

using Catch::Matchers::ContainsSubstring;
using taskr::sbom::Generator;
using taskr::sbom::PathType;
using taskr::sbom::SbomSummary;
using taskr::sdk::Json;
using Types = std::map<std::string, size_t>;
using Argv = std::vector<std::string>;

namespace {

const std::filesystem::path kSyftFixtures =
    std::filesystem::path(TASKR_SOURCE_DIR) / "tests" / "fixtures" / "syft";

Json Fixture(const std::string& name) {
  return taskr::sbom::ReadJsonFile((kSyftFixtures / name).string(), name);
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const taskr::sdk::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE(
    "syft SPDX and CycloneDX output (fixtures in syft 1.x's shape, not a syft run) are counted "
    "by package type",
    "[sbom]") {
  SECTION("a folder: npm, golang and pypi packages, the root project included") {
    SbomSummary spdx = taskr::sbom::SummarizeSpdx(Fixture("app.spdx.json"));
    CHECK(spdx.version == "2.3");
    CHECK(spdx.tool == "syft-1.42.3");
    CHECK(spdx.packages == 6);
    CHECK(spdx.without_purl == 0);  // SPDXRef-DocumentRoot-Directory-app is described, not counted
    CHECK(spdx.by_purl_type == Types{{"golang", 1}, {"npm", 3}, {"pypi", 2}});
    CHECK(spdx.by_component_type.empty());

    SbomSummary cdx = taskr::sbom::SummarizeCycloneDx(Fixture("app.cdx.json"));
    CHECK(cdx.version == "1.5");
    CHECK(cdx.tool == "syft 1.42.3");
    CHECK(cdx.packages == 6);
    CHECK(cdx.without_purl == 0);
    CHECK(cdx.by_purl_type == spdx.by_purl_type);
    CHECK(cdx.by_component_type == Types{{"library", 6}});
  }
  SECTION("an image: deb and golang packages; the distro is a component without a purl") {
    SbomSummary spdx = taskr::sbom::SummarizeSpdx(Fixture("image.spdx.json"));
    CHECK(spdx.version == "2.3");
    CHECK(spdx.packages == 7);  // the image itself (pkg:oci/…) is the described root
    CHECK(spdx.by_purl_type == Types{{"deb", 4}, {"golang", 3}});

    SbomSummary cdx = taskr::sbom::SummarizeCycloneDx(Fixture("image.cdx.json"));
    CHECK(cdx.packages == 7);
    CHECK(cdx.without_purl == 1);
    CHECK(cdx.by_purl_type == spdx.by_purl_type);
    CHECK(cdx.by_component_type == Types{{"library", 7}, {"operating-system", 1}});
  }
}

TEST_CASE("trivy's SBOM shape is counted the same way: lockfiles have no purl, trees nest",
          "[sbom]") {
  // As `trivy fs --format cyclonedx` writes it: one application component per
  // lockfile, and (for images) packages nested in components.
  Json cdx = Json::Parse(R"({
    "bomFormat": "CycloneDX", "specVersion": "1.4",
    "metadata": {"tools": [{"vendor": "aquasecurity", "name": "trivy", "version": "0.58.1"}],
                 "component": {"type": "container", "name": "app.tar", "purl": "pkg:oci/app"}},
    "components": [
      {"type": "application", "name": "package-lock.json", "components": [
        {"type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"},
        {"type": "library", "name": "@babel/core", "purl": "pkg:NPM/%40babel/core@7.0.0"}]},
      {"type": "operating-system", "name": "debian"},
      {"type": "library", "name": "tzdata", "purl": "pkg:deb/debian/tzdata@2024a"},
      {"name": "typeless", "purl": "not a purl"},
      "not an object"
    ]})");
  SbomSummary c = taskr::sbom::SummarizeCycloneDx(cdx);
  CHECK(c.version == "1.4");
  CHECK(c.tool == "trivy 0.58.1");
  CHECK(c.packages == 3);
  CHECK(c.without_purl == 3);
  CHECK(c.by_purl_type == Types{{"deb", 1}, {"npm", 2}});
  CHECK(c.by_component_type ==
        Types{{"(none)", 1}, {"application", 1}, {"library", 3}, {"operating-system", 1}});

  // documentDescribes and DESCRIBED_BY name the subject as well as DESCRIBES does.
  Json spdx = Json::Parse(R"({
    "spdxVersion": "SPDX-2.2",
    "creationInfo": {"creators": ["Organization: aquasecurity", "Tool: trivy-0.58.1"]},
    "documentDescribes": ["SPDXRef-Root"],
    "packages": [
      {"SPDXID": "SPDXRef-Root", "name": "."},
      {"SPDXID": "SPDXRef-Image", "name": "img",
       "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:oci/img"}]},
      {"SPDXID": "SPDXRef-App", "name": "npm"},
      {"SPDXID": "SPDXRef-A", "name": "a", "externalRefs": [
        {"referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:a:a:1:*:*:*:*:*:*:*"},
        {"referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]}
    ],
    "relationships": [
      {"spdxElementId": "SPDXRef-Image", "relationshipType": "DESCRIBED_BY",
       "relatedSpdxElement": "SPDXRef-DOCUMENT"}
    ]})");
  SbomSummary s = taskr::sbom::SummarizeSpdx(spdx);
  CHECK(s.version == "2.2");
  CHECK(s.tool == "trivy-0.58.1");
  CHECK(s.packages == 1);
  CHECK(s.without_purl == 1);
  CHECK(s.by_purl_type == Types{{"npm", 1}});
}

TEST_CASE("PurlType is a package URL's type, lowercased", "[sbom]") {
  CHECK(taskr::sbom::PurlType("pkg:npm/left-pad@1.3.0") == "npm");
  CHECK(taskr::sbom::PurlType("pkg:deb/debian/libc6@2.36?arch=amd64") == "deb");
  CHECK(taskr::sbom::PurlType("PKG:Golang/github.com/google/uuid@v1.6.0") == "golang");
  CHECK(taskr::sbom::PurlType("pkg://pypi/requests@2.31.0") == "pypi");
  CHECK(taskr::sbom::PurlType("pkg:c++/x@1") == "c++");
  CHECK(taskr::sbom::PurlType("pkg:npm") == "");
  CHECK(taskr::sbom::PurlType("pkg:/x") == "");
  CHECK(taskr::sbom::PurlType("pkg:a b/x") == "");
  CHECK(taskr::sbom::PurlType("cpe:2.3:a:x") == "");
  CHECK(taskr::sbom::PurlType("") == "");
}

TEST_CASE("a document of the wrong format, or not JSON, is an error naming the file", "[sbom]") {
  CHECK(ErrorOf([] { taskr::sbom::SummarizeCycloneDx(Fixture("app.spdx.json")); }) ==
        "not a CycloneDX JSON document (bomFormat is not \"CycloneDX\")");
  CHECK(ErrorOf([] { taskr::sbom::SummarizeSpdx(Fixture("app.cdx.json")); }) ==
        "not an SPDX JSON document (spdxVersion is not \"SPDX-<version>\")");
  CHECK(ErrorOf([] {
          taskr::sbom::SummarizeCycloneDx(Json::Parse(R"({"bomFormat": "CycloneDX"})"));
        }) == "the CycloneDX document has no specVersion");

  taskr::test::TempDir dir("sbom");
  std::ofstream(dir.path() / "bad.json") << R"({"bomFormat": "CycloneDX", "x": "\uZZZZ"})";
  std::ofstream(dir.path() / "cut.json") << R"({"bomFormat": )";
  CHECK_THAT(ErrorOf([&] {
               taskr::sbom::ReadJsonFile((dir.path() / "bad.json").string(), "sbom/bad.json");
             }),
             ContainsSubstring("sbom/bad.json: "));
  CHECK(ErrorOf([&] {
          taskr::sbom::ReadJsonFile((dir.path() / "cut.json").string(), "sbom/cut.json");
        }) == "sbom/cut.json: invalid JSON at byte 14: unexpected end");
  CHECK(ErrorOf([&] {
          taskr::sbom::ReadJsonFile((dir.path() / "none.json").string(), "sbom/none.json");
        }) == "cannot read sbom/none.json");
}

TEST_CASE("sources split into syft's scheme and target; the default file name comes from them",
          "[sbom]") {
  using taskr::sbom::DefaultName;
  using taskr::sbom::ParseSource;
  CHECK(ParseSource("dir:.").scheme == "dir");
  CHECK(ParseSource("docker-archive:dist/app.tar").target == "dist/app.tar");
  CHECK(ParseSource("registry:localhost:5000/app:1").target == "localhost:5000/app:1");
  CHECK(ParseSource("localhost:5000/app:1").scheme.empty());
  CHECK(ParseSource("localhost:5000/app:1").target == "localhost:5000/app:1");

  CHECK(taskr::sbom::NamesLocalPath(ParseSource("oci-dir:out/oci")));
  CHECK(taskr::sbom::NamesLocalPath(ParseSource("./app")));
  CHECK(taskr::sbom::NamesLocalPath(ParseSource("app.tar.gz")));
  CHECK_FALSE(taskr::sbom::NamesLocalPath(ParseSource("alpine:3.20")));
  CHECK_FALSE(taskr::sbom::NamesLocalPath(ParseSource("registry:ghcr.io/acme/api:2")));

  CHECK(DefaultName("dir:.") == "sbom");
  CHECK(DefaultName(".") == "sbom");
  CHECK(DefaultName("dir:services/api/") == "api");
  CHECK(DefaultName("docker-archive:dist/app.tar") == "app");
  CHECK(DefaultName("oci-archive:dist/app-oci.tar.gz") == "app-oci");
  CHECK(DefaultName("registry:ghcr.io/acme/api:1.2") == "api");
  CHECK(DefaultName("localhost:5000/acme/api@sha256:abcd") == "api");
  CHECK(DefaultName("alpine") == "alpine");
}

TEST_CASE("syft writes both files in one scan, with the versions pinned", "[sbom]") {
  taskr::sbom::SbomFiles files{"sbom/app.spdx.json", "2.3", "sbom/app.cdx.json", "1.5"};
  CHECK(taskr::sbom::SyftCommand("/usr/bin/syft", "dir:app", files, {"--exclude", "./vendor/**"}) ==
        Argv{"/usr/bin/syft", "scan", "dir:app", "-o", "spdx-json@2.3=sbom/app.spdx.json", "-o",
             "cyclonedx-json@1.5=sbom/app.cdx.json", "--exclude", "./vendor/**"});
  files.spdx_version = files.cyclonedx_version = "";
  CHECK(taskr::sbom::SyftCommand("syft", "alpine", files, {}) ==
        Argv{"syft", "scan", "alpine", "-o", "spdx-json=sbom/app.spdx.json", "-o",
             "cyclonedx-json=sbom/app.cdx.json"});
  CHECK(taskr::sbom::GeneratorEnv(Generator::kSyft) == Argv{"SYFT_CHECK_FOR_APP_UPDATE=false"});
}

TEST_CASE("trivy is pointed at a source the way its commands take it", "[sbom]") {
  auto probe = [](const std::string& path) {
    if (path == "app" || path == "out/oci") return PathType::kDirectory;
    if (path == "dist/app.tar" || path == "go.sum") return PathType::kFile;
    return PathType::kMissing;
  };
  auto target = [&](const char* source) {
    taskr::sbom::TrivyTarget t = taskr::sbom::TrivyTargetFor(source, probe);
    Argv out = {t.command};
    out.insert(out.end(), t.flags.begin(), t.flags.end());
    if (!t.target.empty()) out.push_back("<" + t.target + ">");
    return out;
  };
  CHECK(target("dir:app") == Argv{"fs", "<app>"});
  CHECK(target("app") == Argv{"fs", "<app>"});
  CHECK(target("go.sum") == Argv{"fs", "<go.sum>"});
  CHECK(target("file:go.sum") == Argv{"fs", "<go.sum>"});
  CHECK(target("dist/app.tar") == Argv{"image", "--input", "dist/app.tar"});
  CHECK(target("docker-archive:dist/app.tar") == Argv{"image", "--input", "dist/app.tar"});
  CHECK(target("oci-dir:out/oci") == Argv{"image", "--input", "out/oci"});
  CHECK(target("registry:ghcr.io/acme/api:2") ==
        Argv{"image", "--image-src", "remote", "<ghcr.io/acme/api:2>"});
  CHECK(target("podman:localhost/api:2") ==
        Argv{"image", "--image-src", "podman", "<localhost/api:2>"});
  CHECK(target("alpine:3.20") == Argv{"image", "<alpine:3.20>"});
  CHECK(ErrorOf([&] { target("singularity:img.sif"); }) ==
        "source: trivy cannot read singularity: sources; use generator = \"syft\" for them");

  taskr::sbom::TrivyTarget fs{"fs", {}, "app"};
  CHECK(taskr::sbom::TrivyCommand("/t/trivy", fs, "spdx-json", "sbom/app.spdx.json", {"-q"}) ==
        Argv{"/t/trivy", "fs", "--format", "spdx-json", "--output", "sbom/app.spdx.json",
             "--skip-db-update", "--offline-scan", "-q", "app"});
  taskr::sbom::TrivyTarget archive{"image", {"--input", "dist/app.tar"}, ""};
  CHECK(taskr::sbom::TrivyCommand("trivy", archive, "cyclonedx", "sbom/app.cdx.json", {}) ==
        Argv{"trivy", "image", "--format", "cyclonedx", "--output", "sbom/app.cdx.json",
             "--skip-db-update", "--offline-scan", "--input", "dist/app.tar"});
  CHECK(taskr::sbom::GeneratorEnv(Generator::kTrivy) ==
        Argv{"TRIVY_SKIP_VERSION_CHECK=true", "TRIVY_DISABLE_TELEMETRY=true"});
}

TEST_CASE("the generator's version is the first line of its --version", "[sbom]") {
  CHECK(taskr::sbom::ToolVersion("syft 1.18.1\n") == "1.18.1");
  CHECK(taskr::sbom::ToolVersion("Version: dev\n") == "dev");
  CHECK(taskr::sbom::ToolVersion(
            "Version: 0.58.1\nVulnerability DB:\n  Version: 2\n  UpdatedAt: 2024-12-01\n") ==
        "0.58.1");
  CHECK(taskr::sbom::ToolVersion("\n  trivy 0.50.0  \r\n") == "0.50.0");
  CHECK(taskr::sbom::ToolVersion("") == "");
}

TEST_CASE("FindProgram looks a name up on PATH as a shell does", "[sbom]") {
  taskr::test::TempDir dir("sbom_path");
  std::filesystem::create_directories(dir.path() / "a");
  std::filesystem::create_directories(dir.path() / "b");
  std::filesystem::create_directories(dir.path() / "c" / "syft");  // a folder is no program
  std::ofstream(dir.path() / "a" / "syft") << "#!/bin/sh\n";       // not executable
  std::ofstream(dir.path() / "b" / "syft") << "#!/bin/sh\n";
  chmod((dir.path() / "b" / "syft").c_str(), 0755);
  std::string a = (dir.path() / "a").string(), b = (dir.path() / "b").string(),
              c = (dir.path() / "c").string();
  CHECK(taskr::sbom::FindProgram("syft", c + ":" + a + ":" + b) ==
        (dir.path() / "b" / "syft").string());
  CHECK_FALSE(taskr::sbom::FindProgram("syft", c + ":" + a).has_value());
  CHECK_FALSE(taskr::sbom::FindProgram("trivy", b).has_value());
  CHECK_FALSE(taskr::sbom::FindProgram("syft", "").has_value());
}
