// End-to-end: the docker-buildx plugin, loaded by the real taskr binary,
// building with real podman (vfs storage, chroot isolation) and pushing to a
// real registry (docker-registry), checked with skopeo and the registry's API.
// No `docker buildx` exists here, so the docker engine's command line is
// checked against a recording stand-in.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/registry_fixture.h"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using taskr::e2e::Outcome;
using taskr::e2e::RegistryServer;
using taskr::e2e::Workspace;

namespace {

namespace fs = std::filesystem;

constexpr const char* kSha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

struct Command {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Shell runs `command` with sh and returns its exit code and output.
Command Shell(const std::string& command) {
  Command c;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return c;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) c.output.append(buf, n);
  int status = pclose(pipe);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// PodmanStore is a private podman storage (vfs driver) in a temporary folder.
// The constructor fails the test, saying why, when podman is missing or cannot
// run here: the build tests must never pass without a real build.
class PodmanStore {
 public:
  PodmanStore() {
    if (Shell("command -v podman").exit_code != 0) {
      FAIL(
          "podman is not installed: run scripts/install-deps (the docker-buildx tests build "
          "with it)");
    }
    std::string pattern = (fs::temp_directory_path() / "taskr-podman-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    // --tmpdir too, so that none of libpod's state is shared with other tests.
    args_ = {"--root",   (dir_ / "root").string(), "--runroot",        (dir_ / "run").string(),
             "--tmpdir", (dir_ / "tmp").string(),  "--storage-driver", "vfs"};
    Command info = Podman("info");
    if (info.exit_code != 0) {
      fs::remove_all(dir_);
      FAIL("podman cannot run here (podman " << Join(args_, " ") << " info failed), so "
                                             << "the docker-buildx tests cannot build:\n"
                                             << info.output);
    }
  }
  ~PodmanStore() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  PodmanStore(const PodmanStore&) = delete;
  PodmanStore& operator=(const PodmanStore&) = delete;

  // TomlArgs is engine_args as a TOML array.
  std::string TomlArgs() const {
    std::string out = "[";
    for (const std::string& a : args_) out += (out.size() > 1 ? ", " : "") + ("\"" + a + "\"");
    return out + "]";
  }
  // Podman runs `podman <storage flags> <command>`.
  Command Podman(const std::string& command) const {
    return Shell("BUILDAH_ISOLATION=chroot podman " + Join(args_, " ") + " " + command);
  }

 private:
  static std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
  }

  fs::path dir_;
  std::vector<std::string> args_;
};

// WriteApp writes a build context that needs no base image.
void WriteApp(const Workspace& ws,
              const std::string& dockerfile = "FROM scratch\nCOPY hello.txt /hello.txt\n") {
  ws.Write("app/hello.txt", "hello\n");
  ws.Write("app/Dockerfile", dockerfile);
}

// BuildTask is a task that builds app/ with podman; `with` adds parameters.
std::string BuildTask(const std::string& name, const PodmanStore& store, const std::string& image,
                      const std::string& with, const std::string& extra = "") {
  return "[tasks." + name +
         "]\nuses = \"docker-buildx\"\nenv = { BUILDAH_ISOLATION = \"chroot\" }\n" + extra +
         "with = { image = \"" + image +
         "\", context = \"app\", engine = \"podman\", engine_args = " + store.TomlArgs() +
         ", sha = \"" + kSha + "\", default_branch = \"main\", event = \"push\", " + with +
         " }\n\n";
}

// ReportTask writes every output of `task` to outputs.txt, one name=value a line.
std::string ReportTask(const std::string& task) {
  std::string run;
  for (const char* name : {"image", "tags", "tags_json", "version", "digest", "ref", "image_id"}) {
    run += std::string("echo '") + name + "=${{ needs." + task + ".outputs." + name +
           " }}' >> outputs.txt\n";
  }
  return "[tasks.report]\nneeds = [\"" + task + "\"]\nrun = '''\n" + run + "'''\n\n";
}

std::map<std::string, std::string> ReadOutputs(const Workspace& ws) {
  std::map<std::string, std::string> out;
  std::istringstream in(ws.Read("outputs.txt"));
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::set<std::string> RegistryTags(const RegistryServer& registry, const std::string& repo) {
  taskr::e2e::HttpReply r = registry.Get("/v2/" + repo + "/tags/list");
  INFO(r.body);
  REQUIRE(r.status == 200);
  nlohmann::json list = nlohmann::json::parse(r.body);
  std::set<std::string> tags;
  for (const auto& t : list.at("tags")) tags.insert(t.get<std::string>());
  return tags;
}

nlohmann::json SkopeoInspect(const std::string& reference) {
  Command c = Shell("skopeo inspect --tls-verify=false " + Quote("docker://" + reference));
  INFO(c.output);
  REQUIRE(c.exit_code == 0);
  return nlohmann::json::parse(c.output);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Follows tells whether `value` comes right after `flag` somewhere in `argv`.
bool Follows(const std::vector<std::string>& argv, const std::string& flag,
             const std::string& value) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag && argv[i + 1] == value) return true;
  }
  return false;
}

bool Has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

// WriteDockerStub writes bin/docker, which records its arguments one a line in
// the file $DOCKER_STUB_ARGV and writes the files a real buildx would.
void WriteDockerStub(const Workspace& ws) {
  ws.Write("bin/docker", R"(#!/bin/sh
printf '%s\n' "$@" > "$DOCKER_STUB_ARGV"
while [ $# -gt 0 ]; do
  case "$1" in
    --iidfile) echo "sha256:1111111111111111111111111111111111111111111111111111111111111111" > "$2" ;;
    --metadata-file) printf '{"containerimage.config.digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "containerimage.digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}' > "$2" ;;
  esac
  shift
done
echo "#1 [internal] load build definition from Dockerfile"
echo "#6 DONE 0.1s"
)");
  fs::permissions(ws.dir() / "bin/docker", fs::perms::owner_all);
}

// DockerTask is a task that builds with the docker stand-in.
std::string DockerTask(const Workspace& ws, const std::string& name, const std::string& with) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  return "[tasks." + name + "]\nuses = \"docker-buildx\"\nenv = { PATH = \"" +
         (ws.dir() / "bin").string() + ":" + path + "\", DOCKER_STUB_ARGV = \"" +
         (ws.dir() / (name + ".argv")).string() + "\" }\nwith = { " + with + " }\n\n";
}

}  // namespace

TEST_CASE("docker-buildx builds with podman and pushes exactly the tags of v1.2.3",
          "[e2e][docker-buildx]") {
  PodmanStore store;
  RegistryServer registry;
  std::string image = registry.Host() + "/Acme/Demo";  // names are lowercased
  std::string lower = registry.Host() + "/acme/demo";
  Workspace ws(BuildTask("image", store, image,
                         "push = true, tls_verify = false, ref = \"refs/tags/v1.2.3\", "
                         "labels = { \"org.example.team\" = \"build\" }") +
               ReportTask("image"));
  WriteApp(ws);
  Outcome o = ws.Run({"run", "report"});
  std::string log = ws.Read(".taskr/runs/latest/logs/image.log");
  INFO(o.out << o.err << log);
  REQUIRE(o.exit_code == 0);

  // The registry holds exactly the platform's tags for a release.
  CHECK(RegistryTags(registry, "acme/demo") ==
        std::set<std::string>{"v1.2.3", "1.2.3", "1.2", "1"});

  // Every tag names the digest the task reported, and so does its ref.
  std::map<std::string, std::string> out = ReadOutputs(ws);
  CHECK_THAT(out["digest"], StartsWith("sha256:"));
  CHECK(out["digest"].size() == 71);
  for (const char* tag : {"v1.2.3", "1.2.3", "1.2", "1"}) {
    INFO(tag);
    CHECK(SkopeoInspect(lower + ":" + tag).at("Digest") == out["digest"]);
  }
  CHECK(out["ref"] == lower + "@" + out["digest"]);
  nlohmann::json by_digest = SkopeoInspect(out["ref"]);
  CHECK(by_digest.at("Digest") == out["digest"]);

  // The OCI labels, and the task's own.
  const nlohmann::json& labels = by_digest.at("Labels");
  CHECK(labels.at("org.opencontainers.image.version") == "1.2.3");
  CHECK(labels.at("org.opencontainers.image.revision") == kSha);
  CHECK(labels.at("org.opencontainers.image.title") == "demo");
  CHECK_THAT(labels.at("org.opencontainers.image.created").get<std::string>(), StartsWith("20"));
  CHECK(labels.at("org.example.team") == "build");

  CHECK(out["image"] == lower);
  CHECK(out["version"] == "1.2.3");
  CHECK(out["tags"] == lower + ":1.2.3," + lower + ":1.2," + lower + ":1," + lower + ":v1.2.3");
  CHECK(nlohmann::json::parse(out["tags_json"]).size() == 4);
  CHECK_THAT(out["image_id"], StartsWith("sha256:"));

  // The build and the pushes stream into the task log.
  CHECK_THAT(log, ContainsSubstring("tags for refs/tags/v1.2.3: 1.2.3, 1.2, 1, v1.2.3"));
  CHECK_THAT(log, ContainsSubstring("STEP 2/"));
  CHECK_THAT(log, ContainsSubstring("COPY hello.txt /hello.txt"));
  CHECK_THAT(log, ContainsSubstring("push --tls-verify=false --digestfile"));
  CHECK_THAT(log, ContainsSubstring("Writing manifest to image destination"));
}

TEST_CASE("docker-buildx: a local build is cached on its context, a push never is",
          "[e2e][docker-buildx]") {
  PodmanStore store;
  RegistryServer registry;
  std::string local = "localhost/acme/cached";
  Workspace ws(
      BuildTask("build", store, local, "ref = \"refs/heads/main\"", "inputs = [\"app/**\"]\n") +
      BuildTask("publish", store, registry.Host() + "/acme/cached",
                "push = true, tls_verify = false, ref = \"refs/heads/main\"",
                "inputs = [\"app/**\"]\n") +
      ReportTask("build"));
  WriteApp(ws);

  Outcome first = ws.Run({"run", "report", "publish"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, ContainsSubstring("ok        build"));
  CHECK_THAT(first.out, ContainsSubstring("ok        publish"));
  // A push to the default branch: the branch with the short sha, and latest.
  CHECK(RegistryTags(registry, "acme/cached") == std::set<std::string>{"main-a1b2c3d", "latest"});

  // The local build is in podman's store under its tags, as its image_id says.
  std::map<std::string, std::string> out = ReadOutputs(ws);
  Command id = store.Podman("image inspect --format '{{.Id}}' " + Quote(local + ":main-a1b2c3d"));
  CHECK(id.exit_code == 0);
  CHECK("sha256:" + id.output.substr(0, id.output.find('\n')) == out["image_id"]);
  CHECK(out["ref"] == out["image_id"]);
  CHECK(out["digest"] == out["image_id"]);

  Outcome second = ws.Run({"run", "report", "publish"});
  INFO(second.out << second.err);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.out, ContainsSubstring("cached    build"));
  CHECK_THAT(second.out, ContainsSubstring("ok        publish"));
  CHECK_THAT(second.out, !ContainsSubstring("cached    publish"));
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/publish.log"),
             ContainsSubstring("Writing manifest to image destination"));

  ws.Write("app/hello.txt", "hello again\n");
  Outcome changed = ws.Run({"run", "build"});
  INFO(changed.out << changed.err);
  CHECK(changed.exit_code == 0);
  CHECK_THAT(changed.out, ContainsSubstring("ok        build"));
}

TEST_CASE("docker-buildx: a failing build fails the task with the build log in the task log",
          "[e2e][docker-buildx]") {
  PodmanStore store;
  Workspace ws(BuildTask("bad", store, "localhost/acme/bad", "ref = \"refs/heads/main\""));
  WriteApp(ws, "FROM scratch\nCOPY missing.txt /missing.txt\n");
  Outcome o = ws.Run({"run", "bad"});
  std::string log = ws.Read(".taskr/runs/latest/logs/bad.log");
  INFO(o.out << o.err << log);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    bad"));
  CHECK_THAT(o.out, ContainsSubstring("plugin 'docker-buildx': podman buildx build failed with "
                                      "exit code"));
  CHECK_THAT(o.out, ContainsSubstring("missing.txt"));
  CHECK_THAT(log, ContainsSubstring("STEP 1/"));
  CHECK_THAT(log, ContainsSubstring(": COPY missing.txt /missing.txt"));
  CHECK_THAT(log, ContainsSubstring("Error: building at STEP"));
}

TEST_CASE("docker-buildx refuses what podman cannot do, naming the parameter",
          "[e2e][docker-buildx]") {
  Workspace ws(R"(
[tasks.attest]
uses = "docker-buildx"
with = { image = "localhost/acme/x", engine = "podman", provenance = true, ref = "refs/heads/main" }

[tasks.platforms]
uses = "docker-buildx"
with = { image = "localhost/acme/x", engine = "podman", platforms = ["linux/amd64", "linux/arm64"] }

[tasks.nothing_to_push]
uses = "docker-buildx"
with = { image = "localhost/acme/x", engine = "podman", push = true, ref = "" }

[tasks.bad_rule]
uses = "docker-buildx"
with = { image = "localhost/acme/x", engine = "podman", tags = ["type=sha,formt=long"] }
)");
  Outcome o = ws.Run({"run", "attest", "platforms", "nothing_to_push", "bad_rule", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("provenance: podman makes no build attestations"));
  CHECK_THAT(o.out, ContainsSubstring("platforms: podman builds several platforms only into a "
                                      "manifest list"));
  CHECK_THAT(o.out, ContainsSubstring("push = true, but the tag rules gave no tag for ref ''"));
  CHECK_THAT(o.out, ContainsSubstring("tags[0] 'type=sha,formt=long': type=sha has no attribute "
                                      "'formt'"));
}

TEST_CASE(
    "docker-buildx with engine docker: the buildx command line and the digest of its "
    "metadata file (a recording stand-in: no docker buildx exists here)",
    "[e2e][docker-buildx]") {
  Workspace ws("");
  WriteDockerStub(ws);
  ws.Write(
      "pipeline.toml",
      DockerTask(ws, "release",
                 "image = \"ghcr.io/acme/api\", context = \"app\", file = \"app/Containerfile\", "
                 "target = \"final\", build_args = { A = \"1\", B = \"two\" }, "
                 "platforms = [\"linux/amd64\", \"linux/arm64\"], push = true, "
                 "provenance = false, sbom = true, cache_from = [\"type=registry,ref=ghcr.io/"
                 "acme/api:cache\"], cache_to = [\"type=inline\"], "
                 "secrets = [\"id=npm,env=NPM_TOKEN\"], ref = \"refs/tags/v2.0.0\", "
                 "sha = \"" +
                     std::string(kSha) + "\", default_branch = \"main\"") +
          DockerTask(ws, "insecure",
                     "image = \"127.0.0.1:5000/acme/api\", push = true, tls_verify = false, "
                     "load = true, tags = [\"type=raw,value=dev\"], ref = \"refs/heads/x\"") +
          ReportTask("release"));
  Outcome o = ws.Run({"run", "report", "insecure"});
  INFO(o.out << o.err << ws.Read(".taskr/runs/latest/logs/release.log"));
  REQUIRE(o.exit_code == 0);

  std::vector<std::string> argv = Lines(ws.Read("release.argv"));
  CHECK(std::vector<std::string>(argv.begin(), argv.begin() + 2) ==
        std::vector<std::string>{"buildx", "build"});
  CHECK(argv.back() == "app");
  CHECK(Follows(argv, "--file", "app/Containerfile"));
  CHECK(Follows(argv, "--target", "final"));
  CHECK(Follows(argv, "--build-arg", "A=1"));
  CHECK(Follows(argv, "--build-arg", "B=two"));
  CHECK(Follows(argv, "--platform", "linux/amd64,linux/arm64"));
  CHECK(Follows(argv, "--cache-from", "type=registry,ref=ghcr.io/acme/api:cache"));
  CHECK(Follows(argv, "--cache-to", "type=inline"));
  CHECK(Follows(argv, "--secret", "id=npm,env=NPM_TOKEN"));
  CHECK(Follows(argv, "--label", "org.opencontainers.image.version=2.0.0"));
  CHECK(Follows(argv, "--label", std::string("org.opencontainers.image.revision=") + kSha));
  for (const char* tag : {"2.0.0", "2.0", "2", "v2.0.0"}) {
    CHECK(Follows(argv, "--tag", std::string("ghcr.io/acme/api:") + tag));
  }
  CHECK(Has(argv, "--push"));
  CHECK(Has(argv, "--progress=plain"));
  CHECK(Has(argv, "--provenance=false"));
  CHECK(Has(argv, "--sbom=true"));
  CHECK(Has(argv, "--iidfile"));
  CHECK(Has(argv, "--metadata-file"));
  CHECK_FALSE(Has(argv, "--load"));

  std::map<std::string, std::string> out = ReadOutputs(ws);
  std::string digest = "sha256:" + std::string(64, '2');
  CHECK(out["digest"] == digest);
  CHECK(out["ref"] == "ghcr.io/acme/api@" + digest);
  CHECK(out["image_id"] == "sha256:" + std::string(64, '1'));
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/release.log"),
             ContainsSubstring("#1 [internal] load build definition from Dockerfile"));

  std::vector<std::string> insecure = Lines(ws.Read("insecure.argv"));
  CHECK(Has(insecure, "--output=type=image,push=true,registry.insecure=true"));
  CHECK_FALSE(Has(insecure, "--push"));
  CHECK(Has(insecure, "--load"));
  CHECK(Follows(insecure, "--tag", "127.0.0.1:5000/acme/api:dev"));
  CHECK(insecure.back() == ".");
}

TEST_CASE("docker-buildx reads the git facts from GitHub's variables when the task gives none",
          "[e2e][docker-buildx]") {
  Workspace ws("");
  WriteDockerStub(ws);
  ws.Write("event.json", R"({"repository": {"default_branch": "trunk"}})");
  ws.Write("pipeline.toml",
           DockerTask(ws, "image", "image = \"ghcr.io/acme/api\"") + ReportTask("image"));
  std::string event = "GITHUB_EVENT_PATH=" + (ws.dir() / "event.json").string();
  Outcome trunk =
      ws.Run({"run", "report"}, {"GITHUB_REF=refs/heads/trunk", std::string("GITHUB_SHA=") + kSha,
                                 "GITHUB_EVENT_NAME=push", event});
  INFO(trunk.out << trunk.err);
  REQUIRE(trunk.exit_code == 0);
  CHECK(ReadOutputs(ws)["tags"] == "ghcr.io/acme/api:trunk-a1b2c3d,ghcr.io/acme/api:latest");

  fs::remove(ws.dir() / "outputs.txt");
  Outcome pr =
      ws.Run({"run", "report"}, {"GITHUB_REF=refs/pull/42/merge", std::string("GITHUB_SHA=") + kSha,
                                 "GITHUB_EVENT_NAME=pull_request", event});
  INFO(pr.out << pr.err);
  REQUIRE(pr.exit_code == 0);
  CHECK(ReadOutputs(ws)["tags"] == "ghcr.io/acme/api:pr-42");
  CHECK(ReadOutputs(ws)["version"] == "pr-42");
}
