// The docker-buildx plugin: builds an image with `docker buildx build` or
// `podman buildx build`, tags it by docker/metadata-action's rules, labels it
// with OCI labels, and pushes it when asked.
//
//   [tasks.image]
//   uses = "docker-buildx"
//   with = { image = "ghcr.io/acme/api", context = "services/api", push = true,
//            ref = "${{ git.ref }}", sha = "${{ git.sha }}",
//            default_branch = "${{ git.default_branch }}", event = "${{ git.event }}" }
//
// See docs/plugins/docker-buildx.md.
#include <taskr/sdk.hpp>

#include <stdlib.h>  // mkdtemp
#include <time.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "build_command.h"
#include "tag_policy.h"

namespace taskr::docker_buildx {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLabelPrefix = "org.opencontainers.image.";

// ---- manifest ----

constexpr std::string_view kParams = R"({
  "type": "object",
  "properties": {
    "image": {"type": "string", "minLength": 1, "pattern": "^([^:@/]+(:[0-9]+)?/)?[^:@/]+(/[^:@/]+)*$",
      "description": "The image name without a tag: ghcr.io/acme/api. Lowercased, as metadata-action does.",
      "examples": ["ghcr.io/acme/api", "127.0.0.1:5000/demo"]},
    "context": {"type": "string", "minLength": 1, "default": ".",
      "description": "The build context, relative to the workspace."},
    "file": {"type": "string", "minLength": 1,
      "description": "The Dockerfile, relative to the workspace; default: Dockerfile in the context."},
    "target": {"type": "string", "minLength": 1, "description": "The stage to build."},
    "build_args": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}},
                             {"type": "array", "items": {"type": "string", "minLength": 1}}],
      "default": {}, "description": "--build-arg values: a table, or NAME=value strings (NAME alone takes it from the task's environment)."},
    "labels": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}},
                         {"type": "array", "items": {"type": "string", "minLength": 1}}],
      "default": {}, "description": "Labels, over the OCI ones of the same key: a table, or key=value strings."},
    "platforms": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
      "description": "Target platforms (linux/amd64, linux/arm64); empty: the engine's own."},
    "push": {"type": "boolean", "default": false, "x-taskr-effect": true,
      "description": "Push every tag to the registry. A run with push = true is an effect: never cached."},
    "load": {"type": "boolean", "default": false,
      "description": "docker: load the image into the local image store (--load). podman always keeps it there."},
    "cache_from": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
      "description": "--cache-from sources: type=registry,ref=... (docker), or a repository (podman)."},
    "cache_to": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
      "description": "--cache-to destinations, in the same form."},
    "secrets": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
      "description": "--secret values: id=npm,env=NPM_TOKEN or id=key,src=key.pem; RUN --mount=type=secret,id=... reads them."},
    "provenance": {"type": ["boolean", "string"],
      "description": "docker: --provenance (true, false, or mode=max); not given: BuildKit's default, a minimal provenance attestation. podman makes none."},
    "sbom": {"type": ["boolean", "string"],
      "description": "docker: --sbom (true, false, or generator=...). podman makes none."},
    "tags": {"type": "array", "minItems": 1,
      "items": {"anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "required": ["type"], "additionalProperties": false,
         "properties": {
           "type": {"enum": ["semver", "ref", "raw", "sha"]},
           "pattern": {"type": "string"}, "value": {"type": "string"},
           "event": {"enum": ["branch", "tag", "pr"]}, "format": {"enum": ["short", "long"]},
           "prefix": {"type": "string"}, "suffix": {"type": "string"},
           "enable": {"type": ["boolean", "string"]}, "priority": {"type": "integer"}}}]},
      "description": "Tag rules as docker/metadata-action writes them: type=semver,pattern={{version}}, or tables. Not given: the default set (see the docs)."},
    "flavor": {"type": "array", "items": {"type": "string", "minLength": 1},
      "description": "metadata-action's flavor lines: latest=auto|true|false, prefix=...[,onlatest=true], suffix=...[,onlatest=true]."},
    "ref": {"type": "string", "description": "The git ref: refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge. Not given: $GITHUB_REF."},
    "sha": {"type": "string", "description": "The commit id. Not given: $GITHUB_SHA."},
    "default_branch": {"type": "string", "description": "The repository's default branch. Not given: from $GITHUB_EVENT_PATH."},
    "event": {"type": "string", "description": "The event that started the run: push, pull_request, ... Not given: $GITHUB_EVENT_NAME."},
    "engine": {"enum": ["docker", "podman"], "default": "docker",
      "description": "Which program builds: docker (buildx) or podman."},
    "engine_args": {"type": "array", "items": {"type": "string"}, "default": [],
      "description": "Global flags for the engine, before buildx: [\"--storage-driver\", \"vfs\"]."},
    "tls_verify": {"type": "boolean", "default": true,
      "description": "false: the registry speaks plain HTTP or has a certificate nobody signed (podman --tls-verify=false; docker registry.insecure=true)."}
  },
  "required": ["image"],
  "additionalProperties": false
})";

sdk::ActionInfo BuildAction() {
  return {"build",
          "Build an image with docker or podman buildx, tag it by docker/metadata-action's "
          "rules, label it, and push it when push = true",
          /*pure=*/true,
          std::string(kParams),
          {{"image", "the image name, lowercased"},
           {"tags", "every image reference built, name:tag, comma-separated"},
           {"tags_json", "the same references as a JSON array"},
           {"version", "metadata-action's version: the first tag the rules gave"},
           {"digest", "pushed: the manifest digest in the registry; else the image ID"},
           {"ref", "pushed: name@digest; else the image ID"},
           {"image_id", "the image ID (the digest of its config)"},
           {"labels", "the labels set, key=value, one a line"}}};
}

// ---- parameters ----

// Strings reads an optional array of strings.
std::vector<std::string> Strings(const sdk::Json& value) {
  return value.is_null() ? std::vector<std::string>{} : value.as_strings();
}

// Assignments reads a table or a list of key=value strings as key=value strings.
std::vector<std::string> Assignments(const sdk::Json& value) {
  if (!value.is_object()) return Strings(value);
  std::vector<std::string> out;
  for (const auto& [key, v] : value.as_object()) out.push_back(key + "=" + v.as_string());
  return out;
}

// Switch reads provenance/sbom: true, false, or a string of options.
std::optional<std::string> Switch(const sdk::Json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  return value.as_string();
}

// Fact is a git fact from its parameter, else from the environment variable.
std::string Fact(const sdk::Context& ctx, std::string_view param, std::string_view env) {
  const sdk::Json& value = ctx.params()[param];
  if (value.is_string()) return value.as_string();
  return ctx.Env(env).value_or("");
}

// DefaultBranchFromEvent reads repository.default_branch from the GitHub event payload.
std::string DefaultBranchFromEvent(const sdk::Context& ctx) {
  std::optional<std::string> path = ctx.Env("GITHUB_EVENT_PATH");
  if (!path || path->empty()) return "";
  std::ifstream in(*path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const sdk::Json payload = sdk::Json::Parse(text.str());
    const sdk::Json& branch = payload["repository"]["default_branch"];
    return branch.is_string() ? branch.as_string() : "";
  } catch (const sdk::Error& e) {
    ctx.Warn("cannot read the default branch from " + *path + ": " + e.what());
    return "";
  }
}

GitFacts ReadGitFacts(const sdk::Context& ctx) {
  GitFacts git;
  git.ref = Fact(ctx, "ref", "GITHUB_REF");
  git.sha = Fact(ctx, "sha", "GITHUB_SHA");
  git.event = Fact(ctx, "event", "GITHUB_EVENT_NAME");
  const sdk::Json& branch = ctx.params()["default_branch"];
  git.default_branch = branch.is_string() ? branch.as_string() : DefaultBranchFromEvent(ctx);
  return git;
}

// TableRule reads a tag rule written as a TOML table.
TagRule TableRule(const sdk::Json& table, const std::string& shown) {
  std::vector<TagAttribute> attributes;
  for (const auto& [key, value] : table.as_object()) {
    std::string text;
    if (value.is_bool()) {
      text = value.as_bool() ? "true" : "false";
    } else if (value.is_number()) {
      text = std::to_string(value.as_int());
    } else {
      text = value.as_string();
    }
    attributes.emplace_back(key, text);
  }
  return MakeTagRule(attributes, shown);
}

TagPolicy ReadTagPolicy(const sdk::Json& params) {
  TagPolicy policy;
  if (params.contains("tags")) {
    policy.rules.emplace();
    const std::vector<sdk::Json>& entries = params["tags"].as_array();
    for (size_t i = 0; i < entries.size(); ++i) {
      std::string shown = "tags[" + std::to_string(i) + "]";
      policy.rules->push_back(entries[i].is_object()
                                  ? TableRule(entries[i], shown)
                                  : MakeTagRule(SplitTagEntry(entries[i].as_string()),
                                                shown + " '" + entries[i].as_string() + "'"));
    }
  }
  policy.flavor = ParseFlavor(Strings(params["flavor"]));
  return policy;
}

// ---- labels ----

// Created is the time of the build for org.opencontainers.image.created:
// $SOURCE_DATE_EPOCH when set (reproducible builds), else now, in the form of
// JavaScript's toISOString as metadata-action writes it.
std::string Created(const sdk::Context& ctx) {
  using namespace std::chrono;
  auto now = system_clock::now();
  if (std::optional<std::string> epoch = ctx.Env("SOURCE_DATE_EPOCH"); epoch && !epoch->empty()) {
    try {
      now = system_clock::time_point(seconds(std::stoll(*epoch)));
    } catch (const std::exception&) {
      throw sdk::Error("SOURCE_DATE_EPOCH must be a number of seconds, not '" + *epoch + "'");
    }
  }
  time_t t = system_clock::to_time_t(now);
  tm utc{};
  gmtime_r(&t, &utc);
  char text[40];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms));
  return std::string(text) + millis;
}

// Labels are the OCI labels metadata-action sets that taskr knows without
// GitHub's API, then the task's own, which win by key.
std::map<std::string, std::string> Labels(const sdk::Context& ctx, const std::string& image,
                                          const GitFacts& git, const ImageTags& tags) {
  std::map<std::string, std::string> labels;
  auto set = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) labels[std::string(kLabelPrefix) + std::string(key)] = value;
  };
  std::string repository = ctx.Env("GITHUB_REPOSITORY").value_or("");
  std::string server = ctx.Env("GITHUB_SERVER_URL").value_or("");
  set("created", Created(ctx));
  set("revision", git.sha);
  set("version", tags.version);
  if (!repository.empty() && !server.empty()) set("source", server + "/" + repository);
  set("title", repository.empty() ? image.substr(image.rfind('/') + 1)
                                  : repository.substr(repository.rfind('/') + 1));
  for (const std::string& label : Assignments(ctx.params()["labels"])) {
    size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw sdk::Error("labels: '" + label + "' must be key=value");
    }
    labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  return labels;
}

// ---- running ----

// TempDir is a private folder for the files the engine writes, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "taskr-buildx-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw sdk::Error("cannot make a temporary folder in " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Join(const std::vector<std::string>& values, std::string_view sep) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : std::string(sep)) + v;
  return out;
}

// Reason is the line of a failed command's output that says why: its last
// line naming an error, else its last line.
std::string Reason(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string lower = *it;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("error") != std::string::npos) return *it;
  }
  return lines.empty() ? "" : lines.back();
}

// RunOrThrow runs `argv` with its output in the task log, and fails the task
// with the reason when it fails.
void RunOrThrow(const sdk::Context& ctx, const std::vector<std::string>& argv,
                std::string_view what) {
  sdk::ProcessResult r = ctx.Run(argv);
  if (r.ok()) return;
  std::string how = r.signal ? "was killed by signal " + std::to_string(r.signal)
                             : "failed with exit code " + std::to_string(r.exit_code);
  std::string reason = Reason(r.output);
  throw sdk::Error(std::string(what) + " " + how + (reason.empty() ? "" : ": " + reason) +
                   " (the whole log is in the task log)");
}

// CommandLine renders argv for the log, one word per space.
std::string CommandLine(const std::vector<std::string>& argv) { return Join(argv, " "); }

class DockerBuildxPlugin {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "docker-buildx";
    m.version = "1.0.0";
    m.description = "Builds, tags (docker/metadata-action's rules) and pushes container images";
    m.actions.push_back(BuildAction());
    return m;
  }

  void Run(sdk::Context& ctx) {
    // The tags, from the git facts and the task's policy.
    GitFacts git = ReadGitFacts(ctx);
    ImageTags tags = ComputeTags(ReadTagPolicy(ctx.params()), git);
    for (const std::string& warning : tags.warnings) ctx.Warn(warning);
    ctx.Info("tags for " + (git.ref.empty() ? std::string("an unknown ref") : git.ref) + ": " +
             (tags.tags.empty() ? std::string("none") : Join(tags.tags, ", ")));

    // The build as the engine will see it, writing its files to a private folder.
    std::string image = SanitizeImageName(ctx.params()["image"].as_string());
    TempDir temp;
    BuildSpec spec = Spec(ctx.params(), image, tags, Labels(ctx, image, git, tags), temp);
    if (spec.push && spec.refs.empty()) {
      throw sdk::Error("push = true, but the tag rules gave no tag for ref '" + git.ref +
                       "' (pass ref = \"${{ git.ref }}\", or give tags)");
    }

    // Build, with the engine's log streaming into the task log.
    std::vector<std::string> build = BuildArgv(spec);
    ctx.Info("$ " + CommandLine(build));
    RunOrThrow(ctx, build, std::string(EngineName(spec.engine)) + " buildx build");
    std::string image_id = ReadTrimmed(spec.iidfile);
    if (image_id.empty()) throw sdk::Error("the build wrote no image ID to --iidfile");

    // Push (podman pushes after the build) and publish what later tasks need.
    std::string digest = spec.push ? Push(ctx, spec, temp) : image_id;
    Publish(ctx, image, spec, tags.version, image_id, digest);
  }

  std::string ToolIdentity(sdk::Context& ctx) {
    Engine engine = EngineOf(ctx.params());
    std::vector<std::string> argv = {std::string(EngineName(engine))};
    for (const std::string& arg : Strings(ctx.params()["engine_args"])) argv.push_back(arg);
    if (engine == Engine::kDocker) {
      argv.insert(argv.end(), {"buildx", "version"});
    } else {
      argv.push_back("--version");
    }
    sdk::RunOptions quiet;
    quiet.capture_only = true;
    sdk::ProcessResult r = ctx.Run(argv, quiet);
    if (!r.ok())
      throw sdk::Error("cannot tell the version: " + CommandLine(argv) + ": " + r.output);
    return r.output;
  }

 private:
  static Engine EngineOf(const sdk::Json& p) {
    return p["engine"].is_string() && p["engine"].as_string() == "podman" ? Engine::kPodman
                                                                          : Engine::kDocker;
  }

  static BuildSpec Spec(const sdk::Json& p, const std::string& image, const ImageTags& tags,
                        const std::map<std::string, std::string>& labels, const TempDir& temp) {
    BuildSpec spec;
    spec.engine = EngineOf(p);
    spec.engine_args = Strings(p["engine_args"]);
    spec.context = p["context"].is_string() ? p["context"].as_string() : ".";
    if (p["file"].is_string()) spec.file = p["file"].as_string();
    if (p["target"].is_string()) spec.target = p["target"].as_string();
    spec.build_args = Assignments(p["build_args"]);
    spec.platforms = Strings(p["platforms"]);
    spec.cache_from = Strings(p["cache_from"]);
    spec.cache_to = Strings(p["cache_to"]);
    spec.secrets = Strings(p["secrets"]);
    for (const std::string& tag : tags.tags) spec.refs.push_back(image + ":" + tag);
    spec.push = p["push"].as_bool();
    spec.load = p["load"].is_bool() && p["load"].as_bool();
    spec.tls_verify = !p["tls_verify"].is_bool() || p["tls_verify"].as_bool();
    spec.provenance = Switch(p["provenance"]);
    spec.sbom = Switch(p["sbom"]);
    for (const auto& [key, value] : labels) spec.labels.push_back(key + "=" + value);
    spec.iidfile = temp.File("iid");
    spec.metadata_file = temp.File("metadata.json");
    return spec;
  }

  // Push returns the digest of the pushed manifest: from docker's build
  // metadata, or from one `podman push` per tag, which must all agree.
  static std::string Push(const sdk::Context& ctx, const BuildSpec& spec, const TempDir& temp) {
    if (PushesWhileBuilding(spec.engine)) {
      std::string text = ReadTrimmed(spec.metadata_file);
      std::string digest;
      try {
        const sdk::Json metadata = sdk::Json::Parse(text);
        if (metadata["containerimage.digest"].is_string()) {
          digest = metadata["containerimage.digest"].as_string();
        }
      } catch (const sdk::Error& e) {
        throw sdk::Error("cannot read the build metadata (--metadata-file): " +
                         std::string(e.what()));
      }
      if (digest.empty()) throw sdk::Error("the build metadata names no containerimage.digest");
      return digest;
    }
    std::string digest;
    for (size_t i = 0; i < spec.refs.size(); ++i) {
      std::string file = temp.File("digest-" + std::to_string(i));
      std::vector<std::string> argv = PushArgv(spec, spec.refs[i], file);
      ctx.Info("$ " + CommandLine(argv));
      RunOrThrow(ctx, argv, std::string(EngineName(spec.engine)) + " push " + spec.refs[i]);
      std::string pushed = ReadTrimmed(file);
      if (pushed.empty()) throw sdk::Error("podman push wrote no digest for " + spec.refs[i]);
      if (!digest.empty() && pushed != digest) {
        throw sdk::Error("the registry holds " + spec.refs[i] + " as " + pushed + ", but " +
                         spec.refs[0] + " as " + digest + "; the tags name different manifests");
      }
      digest = pushed;
    }
    return digest;
  }

  static void Publish(const sdk::Context& ctx, const std::string& image, const BuildSpec& spec,
                      const std::string& version, const std::string& image_id,
                      const std::string& digest) {
    const std::vector<std::string>& refs = spec.refs;
    std::string tags_json = "[";
    for (size_t i = 0; i < refs.size(); ++i)
      tags_json += (i ? "," : "") + sdk::Json::Quote(refs[i]);
    tags_json += "]";
    std::string ref = spec.push ? image + "@" + digest : image_id;
    ctx.SetOutput("image", image);
    ctx.SetOutput("tags", Join(refs, ","));
    ctx.SetOutput("tags_json", tags_json);
    ctx.SetOutput("version", version);
    ctx.SetOutput("digest", digest);
    ctx.SetOutput("ref", ref);
    ctx.SetOutput("image_id", image_id);
    ctx.SetOutput("labels", Join(spec.labels, "\n"));
    ctx.Info((spec.push ? "pushed " : "built ") + ref);

    std::string summary =
        "**docker-buildx**: " + std::string(spec.push ? "pushed" : "built") + " `" + ref + "`\n\n";
    for (const std::string& r : refs) summary += "- `" + r + "`\n";
    ctx.AppendSummary(summary);
  }
};

}  // namespace

}  // namespace taskr::docker_buildx

TASKR_PLUGIN(taskr::docker_buildx::DockerBuildxPlugin)
