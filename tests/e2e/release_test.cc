// End-to-end: examples/release/pipeline.toml, the release of a version tag,
// with every tool real: podman builds a FROM-scratch image and pushes it to a
// docker-registry on 127.0.0.1 with the tags computed for refs/tags/v1.2.3;
// the registry API and skopeo confirm the tags and the digest; trivy scans
// the saved image; SBOMs are written (trivy generates them: syft does not run
// here); checksum writes SHA256SUMS. The job summary and the SARIF log must
// show all of it.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/registry_fixture.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Outcome;
using taskr::e2e::RegistryServer;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

struct Command {
  int status = -1;
  std::string output;
};

Command Shell(const std::string& command) {
  Command c;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return c;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, p)) c.output.append(buffer, n);
  int status = pclose(p);
  c.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// CopyExample copies examples/release into the workspace.
void CopyExample(const Workspace& ws) {
  fs::copy(fs::path(TASKR_SOURCE_DIR) / "examples/release", ws.dir(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("the release example pushes v1.2.3's tags, scans, writes SBOMs and checksums",
          "[e2e][release]") {
  RegistryServer registry;
  Workspace ws("");
  CopyExample(ws);
  // A key left in the image by mistake, for the scan to find (split so that
  // no scanner flags this source file).
  ws.Write("app/config.env", "AWS_ACCESS_KEY_ID=" + std::string("AKIA") + "2E0A8F3B244C9986\n");

  // A private podman store, chosen by environment so that the pipeline's own
  // `podman save` and the plugin's build share it.
  fs::path store = ws.dir() / ".podman";
  ws.Write(".podman/storage.conf", "[storage]\ndriver = \"vfs\"\nrunroot = \"" +
                                       (store / "run").string() + "\"\ngraphroot = \"" +
                                       (store / "root").string() + "\"\n");
  ws.Write(".podman/containers.conf", "[engine]\ntmp_dir = \"" + (store / "tmp").string() + "\"\n");
  // trivy on PATH under its usual name; syft is not installed, so the SBOM
  // generator "auto" picks trivy.
  fs::create_directories(ws.dir() / ".bin");
  fs::create_symlink(TASKR_TRIVY, ws.dir() / ".bin/trivy");

  REQUIRE(Shell("cd '" + ws.dir().string() +
                "' && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm "
                "release && git tag v1.2.3")
              .status == 0);
  std::string sha = Shell("git -C '" + ws.dir().string() + "' rev-parse HEAD").output;
  sha.erase(sha.find_last_not_of("\n") + 1);

  std::vector<std::string> env = {
      "CONTAINERS_STORAGE_CONF=" + (store / "storage.conf").string(),
      "CONTAINERS_CONF=" + (store / "containers.conf").string(),
      "PATH=" + (ws.dir() / ".bin").string() + ":" + std::getenv("PATH"),
      "GITHUB_ACTIONS=true",
      "GITHUB_REF=refs/tags/v1.2.3",
      "GITHUB_SHA=" + sha,
      "GITHUB_EVENT_NAME=push",
      "GITHUB_SERVER_URL=https://github.com",
      "GITHUB_REPOSITORY=acme/hello",
      "GITHUB_RUN_ID=99",
      "GITHUB_WORKSPACE=" + ws.dir().string(),
      "GITHUB_STEP_SUMMARY=" + (ws.dir() / "step-summary.md").string(),
      "GITHUB_OUTPUT=" + (ws.dir() / "github-output.txt").string(),
      "NO_COLOR=1",
  };
  std::string registry_input = registry.Host() + "/acme";
  // No vulnerability database can be downloaded here: the scan looks for secrets.
  Outcome o = ws.Run(
      {"run", "release", "--input", "registry=" + registry_input, "--input", "scan=secrets"}, env);
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);  // the scan fails on the key, but allow_failure keeps the release

  // 1. The registry holds exactly the tags metadata-action gives v1.2.3.
  auto tags = nlohmann::json::parse(registry.Get("/v2/acme/hello/tags/list").body);
  std::vector<std::string> listed = tags["tags"];
  std::sort(listed.begin(), listed.end());
  CHECK(listed == std::vector<std::string>{"1", "1.2", "1.2.3", "v1.2.3"});

  // 2. The digest the task reported is the registry's, as skopeo sees it.
  auto report = nlohmann::json::parse(ws.Read(".taskr/runs/latest/report.json"));
  nlohmann::json image;
  for (const auto& t : report["tasks"]) {
    if (t["id"] == "image") image = t;
  }
  REQUIRE(image.is_object());
  std::string digest = image["outputs"]["digest"];
  CHECK(digest.starts_with("sha256:"));
  CHECK(image["outputs"]["ref"] == registry_input + "/hello@" + digest);
  Command inspect =
      Shell("skopeo inspect --tls-verify=false docker://" + registry_input + "/hello:1.2.3");
  INFO(inspect.output);
  REQUIRE(inspect.status == 0);
  CHECK(nlohmann::json::parse(inspect.output)["Digest"] == digest);

  // 3. The scan found the key in the saved image, failed, and was allowed to.
  CHECK_THAT(o.out, ContainsSubstring("allowed scan"));
  CHECK_THAT(o.out, ContainsSubstring("aws-access-key-id"));

  // 4. The SBOMs are there, and 5. SHA256SUMS checks out.
  CHECK(ws.Exists("dist/hello.spdx.json"));
  CHECK(ws.Exists("dist/hello.cdx.json"));
  Command sums = Shell("cd '" + ws.dir().string() + "/dist' && sha256sum -c SHA256SUMS");
  INFO(sums.output);
  CHECK(sums.status == 0);
  CHECK_THAT(sums.output, ContainsSubstring("hello.tar: OK"));
  CHECK_THAT(sums.output, ContainsSubstring("hello.cdx.json: OK"));

  // The job summary shows all of it.
  std::string summary = ws.Read("step-summary.md");
  INFO(summary);
  CHECK_THAT(summary, ContainsSubstring("## ✅ taskr: hello — pipeline release succeeded"));
  CHECK_THAT(summary, ContainsSubstring("| ⚠️ | scan | allowed |"));
  CHECK_THAT(summary, ContainsSubstring("| critical | aws-access-key-id |"));
  CHECK_THAT(summary, ContainsSubstring("| `dist/hello.cdx.json` | `sha256:"));
  CHECK_THAT(summary, ContainsSubstring("| `dist/SHA256SUMS` | `sha256:"));
  CHECK_THAT(summary, ContainsSubstring("### image"));
  CHECK_THAT(summary, ContainsSubstring("### sbom"));
  CHECK_THAT(summary, ContainsSubstring("[Deploy this release]"));
  // The exported outputs reach the workflow.
  CHECK_THAT(ws.Read("github-output.txt"), ContainsSubstring(registry_input + "/hello@" + digest));

  // The SARIF log carries trivy's finding and is valid SARIF 2.1.0.
  fs::path sarif = ws.dir() / ".taskr/runs/latest/results.sarif";
  auto log = nlohmann::json::parse(ReadText(sarif));
  bool trivy_run = false;
  for (const auto& run : log["runs"]) {
    if (run["tool"]["driver"]["name"] == "trivy" && !run["results"].empty()) trivy_run = true;
  }
  CHECK(trivy_run);
  Command valid = Shell(std::string(TASKR_VALIDATE_SARIF) + " '" + sarif.string() + "'");
  INFO(valid.output);
  CHECK(valid.status == 0);
}
