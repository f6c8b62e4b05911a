// The syft-sbom plugin: an SPDX and a CycloneDX SBOM of a folder, an image
// archive or an image, made by syft (or by trivy where syft is absent), with
// their packages counted by type in the job summary.
//
//   [tasks.sbom]
//   uses = "syft-sbom"
//   with = { source = "dir:.", generator = "auto" }
//   inputs = ["package-lock.json", "go.sum"]
//   outputs = ["sbom/"]
//
// See docs/plugins/syft-sbom.md.
#include <taskr/markdown.hpp>
#include <taskr/sdk.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "generator.h"
#include "sbom.h"

namespace taskr::sbom {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kParams = R"({
  "type": "object",
  "properties": {
    "source": {
      "type": "string", "minLength": 1,
      "description": "What to catalog, as syft takes it: a folder or file relative to the workspace, an image archive or an image reference, optionally with a scheme: dir:, file:, docker-archive:, oci-archive:, oci-dir:, registry:, docker:, podman:, containerd:, singularity:. Without one, syft decides; with trivy, an existing folder or file is scanned as such (a .tar, .tar.gz or .tgz as an image archive) and anything else is an image reference.",
      "examples": ["dir:.", "docker-archive:dist/app.tar", "registry:ghcr.io/acme/app:1.2.3"]
    },
    "output_dir": {
      "type": "string", "minLength": 1, "default": "sbom",
      "description": "The folder for the two files, relative to the workspace; it is created."
    },
    "name": {
      "type": "string", "pattern": "^[^/]*$", "default": "",
      "description": "The files' base name: <name>.spdx.json and <name>.cdx.json. Empty: from the source, its last path segment without tag or archive extension (app for docker-archive:dist/app.tar), or sbom."
    },
    "spdx_version": {
      "type": "string", "pattern": "^([0-9]+\\.[0-9]+)?$", "default": "2.3",
      "description": "The SPDX version to write (syft: spdx-json@VERSION); the task fails if the file declares another. Empty: whatever the generator writes."
    },
    "cyclonedx_version": {
      "type": "string", "pattern": "^([0-9]+\\.[0-9]+)?$", "default": "1.5",
      "description": "The CycloneDX version to write (syft: cyclonedx-json@VERSION); the task fails if the file declares another. trivy writes the one its build knows. Empty: whatever the generator writes."
    },
    "generator": {
      "type": "string", "enum": ["syft", "trivy", "auto"], "default": "syft",
      "description": "The program that makes the SBOMs; auto: syft if it is on PATH, else trivy."
    },
    "binary": {
      "type": "string", "default": "",
      "description": "The generator's executable: a path (relative to the workspace) or a name looked up on PATH. Empty: syft or trivy on PATH."
    },
    "args": {
      "type": "array", "items": {"type": "string"}, "default": [],
      "description": "More arguments for the generator, after the plugin's own (syft scan … -o … ARGS; trivy fs|image … ARGS TARGET)."
    }
  },
  "required": ["source"],
  "additionalProperties": false
})";

// At most this many rows of purl types are listed in the summary; the rest
// are added up in one row.
constexpr size_t kListedTypes = 30;

// Settings are the task's parameters, checked.
struct Settings {
  std::string source;
  SbomFiles files;
  std::string generator;  // "syft", "trivy" or "auto"
  std::string binary;
  std::vector<std::string> args;
};

// Tool is the program that makes the SBOMs.
struct Tool {
  Generator generator = Generator::kSyft;
  std::string path;  // absolute
};

// ---- parameters ----

// WorkspaceFolder checks that `value` stays inside the workspace and returns it
// normalised ("./out//sbom/" -> "out/sbom").
std::string WorkspaceFolder(std::string_view param, std::string_view value) {
  fs::path p = fs::path(value).lexically_normal();
  std::string text = p.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  if (p.is_absolute() || text == ".." || text.starts_with("../")) {
    throw sdk::Error(std::string(param) + ": '" + std::string(value) +
                     "' must be a folder inside the workspace, relative to it");
  }
  return text;
}

Settings ReadSettings(const sdk::Json& p) {
  Settings s;
  s.source = p["source"].as_string();
  std::string dir = WorkspaceFolder("output_dir", p["output_dir"].as_string());
  std::string name = p["name"].as_string();
  if (name.empty()) name = DefaultName(s.source);
  if (name == "." || name == "..") throw sdk::Error("name: '" + name + "' is not a file name");
  std::string prefix = dir == "." ? "" : dir + "/";
  s.files = {prefix + name + ".spdx.json", p["spdx_version"].as_string(),
             prefix + name + ".cdx.json", p["cyclonedx_version"].as_string()};
  s.generator = p["generator"].as_string();
  s.binary = p["binary"].as_string();
  s.args = p["args"].as_strings();
  return s;
}

// ---- the generator ----

std::string PathEnv(const sdk::Context& ctx) { return ctx.Env("PATH").value_or(""); }

// Binary resolves `binary`: a path (relative to the workspace) or a name on PATH.
std::string Binary(const sdk::Context& ctx, const std::string& binary) {
  std::optional<std::string> found;
  if (binary.find('/') == std::string::npos) {
    found = FindProgram(binary, PathEnv(ctx));
  } else {
    fs::path p = fs::path(ctx.Workspace()) / binary;  // an absolute `binary` replaces the base
    found = FindProgram(p.filename().string(), p.parent_path().string());
  }
  if (!found) throw sdk::Error("binary: '" + binary + "' is not an executable file");
  return *found;
}

Tool ResolveTool(const sdk::Context& ctx, const Settings& s) {
  std::string path = PathEnv(ctx);
  if (s.generator == "auto") {
    if (!s.binary.empty()) {
      throw sdk::Error(
          "binary names one program: set generator = \"syft\" or generator = \"trivy\" with it");
    }
    if (std::optional<std::string> syft = FindProgram("syft", path)) {
      return {Generator::kSyft, *syft};
    }
    if (std::optional<std::string> trivy = FindProgram("trivy", path)) {
      return {Generator::kTrivy, *trivy};
    }
    throw sdk::Error("generator = \"auto\" found neither syft nor trivy on PATH (" + path + ")");
  }
  Generator generator = s.generator == "trivy" ? Generator::kTrivy : Generator::kSyft;
  if (!s.binary.empty()) return {generator, Binary(ctx, s.binary)};
  std::string name(GeneratorName(generator));
  if (std::optional<std::string> found = FindProgram(name, path)) return {generator, *found};
  if (generator == Generator::kSyft) {
    throw sdk::Error(
        "syft is not on PATH (" + path +
        "); install it, point binary at it, or set generator = \"trivy\" to make the same SBOM "
        "files with trivy");
  }
  throw sdk::Error("trivy is not on PATH (" + path + "); install it or point binary at it");
}

// LastLine is the last non-empty line of a program's output, for an error.
std::string LastLine(std::string_view output) {
  size_t end = output.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) return "";
  output = output.substr(0, end + 1);
  size_t start = output.find_last_of('\n');
  return std::string(start == std::string_view::npos ? output : output.substr(start + 1));
}

// Identity is "syft 1.18.1": the generator and the version it reports.
std::string Identity(const sdk::Context& ctx, const Tool& tool) {
  sdk::RunOptions quiet;
  quiet.capture_only = true;  // for tool_identity, stdout is the identity itself
  quiet.env = GeneratorEnv(tool.generator);
  sdk::ProcessResult r = ctx.Run({tool.path, "--version"}, quiet);
  if (!r.ok()) {
    throw sdk::Error(tool.path + " --version exited with code " + std::to_string(r.exit_code) +
                     ": " + LastLine(r.output));
  }
  std::string version = ToolVersion(r.output);
  return std::string(GeneratorName(tool.generator)) + " " +
         (version.empty() ? "(no version)" : version);
}

void RunGenerator(const sdk::Context& ctx, const Tool& tool, const std::vector<std::string>& argv,
                  std::string_view hint) {
  sdk::RunOptions options;
  options.env = GeneratorEnv(tool.generator);
  std::string shown;
  for (size_t i = 1; i < argv.size(); ++i) shown += " " + argv[i];
  ctx.Info(std::string(GeneratorName(tool.generator)) + shown);
  sdk::ProcessResult r = ctx.Run(argv, options);
  if (r.ok()) return;
  std::string how = r.signal ? "was killed by signal " + std::to_string(r.signal)
                             : "exited with code " + std::to_string(r.exit_code);
  std::string last = LastLine(r.output);
  throw sdk::Error(std::string(GeneratorName(tool.generator)) + " " + how +
                   (last.empty() ? "" : ": " + last) + std::string(hint));
}

PathType Probe(const fs::path& workspace, const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(workspace / path, ec);
  if (fs::is_directory(st)) return PathType::kDirectory;
  if (fs::exists(st)) return PathType::kFile;
  return PathType::kMissing;
}

void Generate(const sdk::Context& ctx, const Tool& tool, const Settings& s) {
  if (tool.generator == Generator::kSyft) {
    return RunGenerator(ctx, tool, SyftCommand(tool.path, s.source, s.files, s.args), "");
  }
  fs::path workspace = ctx.Workspace();
  TrivyTarget target =
      TrivyTargetFor(s.source, [&](const std::string& path) { return Probe(workspace, path); });
  // Some trivy builds stop with exit code 1 and no message on an OCI tarball.
  std::string hint = ParseSource(s.source).scheme == "oci-archive"
                         ? " (if this trivy cannot read OCI tarballs, unpack it and use oci-dir:, "
                           "or save the image with docker-archive:)"
                         : "";
  RunGenerator(ctx, tool, TrivyCommand(tool.path, target, "spdx-json", s.files.spdx, s.args), hint);
  RunGenerator(ctx, tool, TrivyCommand(tool.path, target, "cyclonedx", s.files.cyclonedx, s.args),
               hint);
}

// CheckSource fails early, and clearly, on a source path that does not exist.
void CheckSource(const fs::path& workspace, const std::string& source) {
  Source s = ParseSource(source);
  if (!NamesLocalPath(s)) return;
  if (s.target.empty()) throw sdk::Error("source: '" + source + "' names no path");
  if (Probe(workspace, s.target) == PathType::kMissing) {
    throw sdk::Error("source: " + s.target + " does not exist (paths are relative to the " +
                     "workspace " + workspace.string() + ")");
  }
}

// PrepareOutputs makes the folder and removes the files of an earlier run, so
// that a generator that writes nothing cannot pass off old files as new.
void PrepareOutputs(const fs::path& workspace, const SbomFiles& files) {
  std::error_code ec;
  fs::create_directories((workspace / files.spdx).parent_path(), ec);
  if (ec) throw sdk::Error("cannot create the folder for " + files.spdx + ": " + ec.message());
  for (const std::string& f : {files.spdx, files.cyclonedx}) {
    fs::remove(workspace / f, ec);
    if (ec) throw sdk::Error("cannot replace " + f + ": " + ec.message());
  }
}

// ---- reading the results ----

// RequireWritten fails when the generator succeeded but left a file out.
void RequireWritten(const Tool& tool, const fs::path& workspace, const SbomFiles& files) {
  for (const std::string& f : {files.spdx, files.cyclonedx}) {
    std::error_code ec;
    if (!fs::is_regular_file(workspace / f, ec)) {
      throw sdk::Error(std::string(GeneratorName(tool.generator)) +
                       " succeeded but did not write " + f + "; see the log");
    }
  }
}

// CheckVersion fails when a file declares another format version than the one asked for.
void CheckVersion(const Tool& tool, const std::string& file, std::string_view format,
                  std::string_view param, const std::string& wanted, const std::string& got) {
  if (wanted.empty() || wanted == got) return;
  std::string message = file + " is " + std::string(format) + " " + got + ", but " +
                        std::string(param) + " = \"" + wanted + "\"";
  if (tool.generator == Generator::kTrivy) {
    message += "; trivy writes the version its build knows: set " + std::string(param) + " = \"" +
               got + "\", or \"\" to accept what it writes";
  }
  throw sdk::Error(message);
}

SbomSummary Count(const fs::path& workspace, const std::string& file,
                  SbomSummary (*count)(const sdk::Json&)) {
  try {
    return count(ReadJsonFile((workspace / file).string(), file));
  } catch (const sdk::Error& e) {
    std::string what = e.what();
    throw sdk::Error(what.starts_with(file) ? what : file + ": " + what);
  }
}

// ---- publishing ----

std::string Cell(std::string_view text) { return sdk::MarkdownCell(text); }
std::string Code(std::string_view text) { return sdk::MarkdownCode(text); }

// TypeRows is the summary's rows of packages by purl type, in both files.
std::string TypeRows(const SbomSummary& spdx, const SbomSummary& cdx) {
  std::map<std::string, std::pair<size_t, size_t>> rows;  // type -> SPDX, CycloneDX
  for (const auto& [type, n] : spdx.by_purl_type) rows[type].first = n;
  for (const auto& [type, n] : cdx.by_purl_type) rows[type].second = n;
  std::string out;
  size_t listed = 0, rest_spdx = 0, rest_cdx = 0;
  for (const auto& [type, n] : rows) {
    if (listed++ < kListedTypes) {
      out += "| " + Code(type) + " | " + std::to_string(n.first) + " | " +
             std::to_string(n.second) + " |\n";
    } else {
      rest_spdx += n.first;
      rest_cdx += n.second;
    }
  }
  if (rows.size() > kListedTypes) {
    out += "| " + std::to_string(rows.size() - kListedTypes) + " more types | " +
           std::to_string(rest_spdx) + " | " + std::to_string(rest_cdx) + " |\n";
  }
  return out;
}

std::string SummaryMarkdown(const Settings& s, const std::string& author, const SbomSummary& spdx,
                            const SbomSummary& cdx) {
  std::string md = "**syft-sbom**: " + std::to_string(cdx.packages) + " packages in " +
                   Code(s.source) + ", catalogued by " + Cell(author) + "\n\n";
  md += "| package type (purl) | SPDX | CycloneDX |\n|---|--:|--:|\n";
  md += TypeRows(spdx, cdx);
  md += "| **packages** | **" + std::to_string(spdx.packages) + "** | **" +
        std::to_string(cdx.packages) + "** |\n";
  md += "| without a purl | " + std::to_string(spdx.without_purl) + " | " +
        std::to_string(cdx.without_purl) + " |\n\n";
  std::string types;
  for (const auto& [type, n] : cdx.by_component_type) {
    types += (types.empty() ? "" : ", ") + Cell(type) + " " + std::to_string(n);
  }
  if (!types.empty()) md += "CycloneDX components by type: " + types + ".\n\n";
  md += "| file | format |\n|---|---|\n";
  md += "| " + Code(s.files.spdx) + " | SPDX " + Cell(spdx.version) + " |\n";
  md += "| " + Code(s.files.cyclonedx) + " | CycloneDX " + Cell(cdx.version) + " |\n";
  return md;
}

std::string TypeList(const SbomSummary& counts) {
  std::string out;
  for (const auto& [type, n] : counts.by_purl_type) {
    out += (out.empty() ? "" : ", ") + type + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

void Publish(const sdk::Context& ctx, const Settings& s, const Tool& tool, const SbomSummary& spdx,
             const SbomSummary& cdx) {
  // The files name their author; asking the generator would cost another start
  // of it (seconds, for trivy).
  std::string author = !cdx.tool.empty()    ? cdx.tool
                       : !spdx.tool.empty() ? spdx.tool
                                            : std::string(GeneratorName(tool.generator));
  ctx.Info(s.files.spdx + ": SPDX " + spdx.version + ", " + std::to_string(spdx.packages) +
           " packages (" + TypeList(spdx) + ")");
  ctx.Info(s.files.cyclonedx + ": CycloneDX " + cdx.version + ", " + std::to_string(cdx.packages) +
           " packages (" + TypeList(cdx) + ")");
  if (spdx.packages != cdx.packages) {
    ctx.Warn("the SPDX file lists " + std::to_string(spdx.packages) +
             " packages, the CycloneDX file " + std::to_string(cdx.packages));
  }
  // No digest: taskr computes the files' sha256 itself.
  ctx.AddArtifact(s.files.spdx);
  ctx.AddArtifact(s.files.cyclonedx);
  ctx.SetOutput("spdx", s.files.spdx);
  ctx.SetOutput("cyclonedx", s.files.cyclonedx);
  ctx.SetOutput("packages", std::to_string(cdx.packages));
  ctx.AppendSummary(SummaryMarkdown(s, author, spdx, cdx));
}

// ---- the plugin ----

class SyftSbomPlugin {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "syft-sbom";
    m.version = "1.0.0";
    m.description =
        "SPDX and CycloneDX SBOMs of a folder, an image archive or an image, made with syft (or "
        "trivy), with packages counted by type";
    m.default_action = "sbom";
    m.actions.push_back(
        {"sbom",
         "Run syft scan (or trivy) to write <name>.spdx.json and <name>.cdx.json; count their "
         "packages by type in the summary and record both files as artifacts",
         /*pure=*/true,
         std::string(kParams),
         {{"spdx", "the SPDX JSON file, relative to the workspace"},
          {"cyclonedx", "the CycloneDX JSON file, relative to the workspace"},
          {"packages", "how many packages (components with a purl) the CycloneDX file lists"}}});
    return m;
  }

  void Run(sdk::Context& ctx) {
    Settings s = ReadSettings(ctx.params());
    fs::path workspace = ctx.Workspace();
    CheckSource(workspace, s.source);
    Tool tool = ResolveTool(ctx, s);
    ctx.Info("making the SBOMs of " + s.source + " with " + tool.path);

    PrepareOutputs(workspace, s.files);
    Generate(ctx, tool, s);
    RequireWritten(tool, workspace, s.files);
    SbomSummary spdx = Count(workspace, s.files.spdx, &SummarizeSpdx);
    SbomSummary cdx = Count(workspace, s.files.cyclonedx, &SummarizeCycloneDx);
    CheckVersion(tool, s.files.spdx, "SPDX", "spdx_version", s.files.spdx_version, spdx.version);
    CheckVersion(tool, s.files.cyclonedx, "CycloneDX", "cyclonedx_version",
                 s.files.cyclonedx_version, cdx.version);
    Publish(ctx, s, tool, spdx, cdx);
  }

  // ToolIdentity names the generator and its version for the cache key, so a
  // new syft or trivy makes new SBOMs.
  std::string ToolIdentity(sdk::Context& ctx) {
    Settings s = ReadSettings(ctx.params());
    return Identity(ctx, ResolveTool(ctx, s));
  }
};

}  // namespace

}  // namespace taskr::sbom

TASKR_PLUGIN(taskr::sbom::SyftSbomPlugin)
