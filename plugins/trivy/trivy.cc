// The trivy plugin: container images, folders and IaC files scanned with
// aquasecurity/trivy, its JSON report turned into findings, outputs and a
// job summary, and `fail_on` to fail the task on severe findings.
//
//   [tasks.scan]
//   uses = "trivy.image"
//   with = { image = "registry.example.com/app@sha256:…", fail_on = "HIGH" }
//
//   [tasks.secrets]
//   uses = "trivy.fs"
//   with = { path = "src", scanners = ["secret"] }
//
// See docs/plugins/trivy.md.
#include <taskr/sdk.hpp>

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "command.h"
#include "report.h"
#include "summary.h"

namespace taskr::trivy {

namespace {

namespace fs = std::filesystem;
using sdk::Json;

// At most this many findings are written to the task log.
constexpr size_t kLoggedFindings = 50;

// ---- manifest ----

// Param is one parameter: the actions that take it and its JSON Schema.
struct Param {
  std::string_view name;
  std::string_view actions;  // space-separated
  std::string_view schema;
};

constexpr Param kParams[] = {
    {"image", "image", R"({"type": "string", "minLength": 1,
      "description": "The image to scan, by reference (registry/app:1.2, better registry/app@sha256:…), looked up in image_src order. Give image or input, not both."})"},
    {"input", "image", R"({"type": "string", "minLength": 1,
      "description": "An image archive to scan instead of a reference, relative to the workspace: what `docker save` or `podman save` writes, or an OCI layout folder."})"},
    {"platform", "image", R"({"type": "string", "default": "",
      "description": "os/arch[/variant] to pick from a multi-platform image; empty: the image's own."})"},
    {"image_src", "image", R"({"type": "array", "uniqueItems": true, "default": [],
      "items": {"enum": ["docker", "containerd", "podman", "remote"]},
      "description": "Where trivy looks for `image`, in order; empty: trivy's default (docker, containerd, podman, remote)."})"},
    {"path", "fs config", R"({"type": "string", "minLength": 1, "default": ".",
      "description": "The folder or file to scan, relative to the workspace."})"},
    {"scanners", "image fs", R"({"type": "array", "minItems": 1, "uniqueItems": true,
      "items": {"enum": ["vuln", "misconfig", "config", "secret", "license"]},
      "default": ["vuln", "secret"],
      "description": "What to look for. trivy before 0.48 calls misconfig `config`."})"},
    {"severity", "image fs config", R"({"type": "array", "minItems": 1, "uniqueItems": true,
      "items": {"enum": ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]},
      "default": ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"],
      "description": "The severities to report; trivy drops the others."})"},
    {"ignore_unfixed", "image fs", R"({"type": "boolean", "default": false,
      "description": "Leave out vulnerabilities that have no fixed version yet."})"},
    {"ignorefile", "image fs config",
     R"({"type": "string", "minLength": 1, "default": ".trivyignore",
      "description": "IDs to ignore (.trivyignore or .trivyignore.yaml format), relative to the workspace. The default is used when it exists; any other file must exist."})"},
    {"skip_db_update", "image fs", R"({"type": "boolean", "default": false,
      "description": "Use the vulnerability database already in cache_dir instead of updating it."})"},
    {"offline", "image fs config", R"({"type": "boolean", "default": false,
      "description": "Make no network request: no database or check-bundle update, no API lookups (--offline-scan)."})"},
    {"cache_dir", "image fs config", R"({"type": "string", "default": "",
      "description": "trivy's cache folder (databases, checks, layers), relative to the workspace. Empty: $TRIVY_CACHE_DIR, else $XDG_CACHE_HOME/trivy, else ~/.cache/trivy."})"},
    {"fail_on", "image fs config",
     R"({"enum": ["none", "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"],
      "default": "none",
      "description": "Fail the task, after the report is written, when any finding has this severity or a higher one."})"},
    {"output", "image fs config", R"({"type": "string", "default": "",
      "description": "Where to write trivy's JSON report, relative to the workspace; its folder is created. Empty: trivy/<task>.json in the run's folder."})"},
    {"binary", "image fs config", R"({"type": "string", "minLength": 1, "default": "trivy",
      "description": "The trivy to run: a name looked up in PATH, or a path relative to the workspace."})"},
    {"extra_args", "image fs config",
     R"({"type": "array", "items": {"type": "string"}, "default": [],
      "description": "More trivy arguments, placed before the target: [\"--skip-dirs\", \"vendor\"]."})"},
};

bool Takes(const Param& p, std::string_view action) {
  std::istringstream words{std::string(p.actions)};
  for (std::string word; words >> word;) {
    if (word == action) return true;
  }
  return false;
}

std::string ParamsSchema(std::string_view action) {
  std::string properties;
  for (const Param& p : kParams) {
    if (!Takes(p, action)) continue;
    properties +=
        (properties.empty() ? "" : ", ") + Json::Quote(p.name) + ": " + std::string(p.schema);
  }
  std::string one_target =
      action == "image" ? R"(, "oneOf": [{"required": ["image"]}, {"required": ["input"]}])" : "";
  return R"({"type": "object", "properties": {)" + properties +
         R"(}, "additionalProperties": false)" + one_target + "}";
}

sdk::ActionInfo Action(std::string_view name, std::string_view description) {
  return {std::string(name),
          std::string(description),
          /*pure=*/true,
          ParamsSchema(name),
          {{"critical", "how many CRITICAL findings"},
           {"high", "how many HIGH findings"},
           {"medium", "how many MEDIUM findings"},
           {"low", "how many LOW findings"},
           {"unknown", "how many findings of UNKNOWN severity"},
           {"total", "how many findings in all"},
           {"report", "trivy's JSON report, relative to the workspace when inside it"}}};
}

// ---- paths ----

// Inside tells whether absolute `path` is `root` or below it.
bool Inside(const fs::path& path, const fs::path& root) {
  fs::path rel = path.lexically_normal().lexically_relative(root.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

// Absolute resolves a parameter's path from the workspace.
fs::path Absolute(const fs::path& workspace, std::string_view path) {
  fs::path p = (workspace / path).lexically_normal();
  return p.has_filename() || !p.has_relative_path() ? p : p.parent_path();  // "ws/." is "ws"
}

// Shown names an absolute path relative to the workspace when it is inside it.
std::string Shown(const fs::path& path, const fs::path& workspace) {
  if (!Inside(path, workspace)) return path.string();
  std::string rel = path.lexically_normal().lexically_relative(workspace).generic_string();
  return rel == "." ? "." : rel;
}

// FileName turns a task id such as "scan[service=api]" into a file name.
std::string FileName(std::string_view id) {
  std::string out;
  for (char c : id) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    out += plain ? c : '_';
  }
  return out.empty() ? "trivy" : out;
}

// ---- the tool ----

// Binary finds the trivy to run: a path from the workspace, or a name in PATH.
std::string Binary(const sdk::Context& ctx) {
  std::string binary = ctx.params()["binary"].string_or("trivy");
  auto runnable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
  };
  if (binary.find('/') != std::string::npos) {
    fs::path p = Absolute(ctx.Workspace(), binary);
    if (!runnable(p)) throw sdk::Error("binary: " + p.string() + " is not an executable file");
    return p.string();
  }
  std::string path = ctx.Env("PATH").value_or("");
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && runnable(fs::path(dir) / binary)) return (fs::path(dir) / binary).string();
  }
  throw sdk::Error("binary: '" + binary + "' is not on PATH (" + path +
                   "); install trivy or set `binary` to its path");
}

// CacheDir is the cache folder trivy is given, as trivy itself would pick it.
fs::path CacheDir(const sdk::Context& ctx) {
  std::string param = ctx.params()["cache_dir"].string_or();
  if (!param.empty()) return Absolute(ctx.Workspace(), param);
  if (auto env = ctx.Env("TRIVY_CACHE_DIR"); env && !env->empty()) {
    return Absolute(ctx.Workspace(), *env);
  }
  if (auto xdg = ctx.Env("XDG_CACHE_HOME"); xdg && !xdg->empty()) return fs::path(*xdg) / "trivy";
  if (auto home = ctx.Env("HOME"); home && !home->empty()) {
    return fs::path(*home) / ".cache" / "trivy";
  }
  throw sdk::Error("cache_dir: HOME is not set, so there is no default; set cache_dir");
}

// ScansVulnerabilities tells whether the action reads the vulnerability database.
bool ScansVulnerabilities(const sdk::Context& ctx) {
  if (ctx.action() == "config") return false;
  const Json& scanners = ctx.params()["scanners"];
  if (!scanners.is_array()) return true;  // trivy's default: vuln and secret
  for (const Json& s : scanners.items()) {
    if (s.string_or() == "vuln") return true;
  }
  return false;
}

// Sha256File is "sha256:<hex>" of a file's content, or nullopt when it cannot be read.
std::optional<std::string> Sha256File(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(md.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(md.get(), digest, &size);
  std::string hex = "sha256:";
  char byte[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string FirstLine(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  size_t end = text.find_first_of("\r\n", start);
  return std::string(text.substr(start, end == std::string_view::npos ? end : end - start));
}

// LastLine is the last non-empty line of a tool's output, without colours.
std::string LastLine(std::string_view text) {
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      size_t m = text.find('m', i);
      if (m != std::string_view::npos) {
        i = m;
        continue;
      }
    }
    plain += text[i];
  }
  size_t end = plain.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t newline = plain.find_last_of('\n', end);
  size_t begin = newline == std::string::npos ? 0 : newline + 1;
  return plain.substr(begin, end + 1 - begin);
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- the plugin ----

class TrivyPlugin {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "trivy";
    m.version = "1.0.0";
    m.description =
        "Vulnerabilities, misconfigurations and secrets found by trivy, as findings, outputs and "
        "a job summary";
    m.actions.push_back(Action("image", "Scan a container image, by reference or from an archive"));
    m.actions.push_back(Action("fs", "Scan a folder or file: lock files, secrets, IaC, licences"));
    m.actions.push_back(Action(
        "config", "Scan IaC for misconfigurations: Dockerfile, Kubernetes, Terraform, Helm"));
    return m;
  }

  void Run(sdk::Context& ctx) {
    fs::path workspace = ctx.Workspace();
    Plan plan = PlanScan(ctx, workspace);
    std::string what = "trivy " + plan.scan.command + " " + plan.shown_target;
    RunTrivy(ctx, plan.scan, what);
    std::string shown_report = Shown(plan.scan.report, workspace);
    Report report = ReadTrivyReport(plan.scan.report, shown_report, plan.scope, what);
    SeverityCounts counts = CountBySeverity(report.issues);
    Publish(ctx, report, counts, shown_report);
    ctx.AppendSummary(
        SummaryMarkdown("**trivy." + plan.scan.command + "** `" + plan.shown_target + "`", report,
                        counts, shown_report));
    // Last, so that a failed task has reported everything it found.
    if (std::optional<Severity> threshold = ParseSeverity(ctx.params()["fail_on"].string_or())) {
      if (std::optional<std::string> verdict = FailOnVerdict(counts, *threshold)) {
        throw sdk::Error(*verdict);
      }
    }
  }

  // ToolIdentity is trivy's version and, when the scan looks for
  // vulnerabilities, the digest of its vulnerability database: a database
  // update then misses the cache, and a secret or IaC scan does not.
  std::string ToolIdentity(sdk::Context& ctx) {
    sdk::RunOptions quiet;
    quiet.capture_only = true;
    quiet.env = kNoTelemetryEnv;
    std::string binary = Binary(ctx);
    sdk::ProcessResult version = ctx.Run({binary, "--version"}, quiet);
    if (!version.ok()) throw sdk::Error(binary + " --version failed: " + LastLine(version.output));
    std::string identity = "trivy " + FirstLine(version.output);
    if (!ScansVulnerabilities(ctx)) return identity;
    std::optional<std::string> db = Sha256File(CacheDir(ctx) / "db" / "trivy.db");
    return identity + "\ntrivy.db " + db.value_or("no-db");
  }

 private:
  // Plan is a scan, how its targets map to workspace files, and how its
  // target is named in messages.
  struct Plan {
    Scan scan;
    ReportScope scope;
    std::string shown_target;
  };

  // PlanScan turns the parameters into the scan.
  static Plan PlanScan(const sdk::Context& ctx, const fs::path& workspace) {
    Plan plan;
    Scan* scan = &plan.scan;
    const Json& p = ctx.params();
    scan->command = std::string(ctx.action());
    scan->binary = Binary(ctx);
    scan->cache_dir = CacheDir(ctx).string();
    scan->severities = p["severity"].as_strings();
    if (p.contains("scanners")) scan->scanners = p["scanners"].as_strings();
    if (p.contains("image_src")) scan->image_src = p["image_src"].as_strings();
    scan->platform = p["platform"].string_or();
    scan->ignore_unfixed = p["ignore_unfixed"].is_bool() && p["ignore_unfixed"].as_bool();
    scan->skip_db_update = p["skip_db_update"].is_bool() && p["skip_db_update"].as_bool();
    scan->offline = p["offline"].as_bool();
    scan->ignorefile = IgnoreFile(workspace, p["ignorefile"].as_string());
    scan->report = ReportPath(ctx, workspace).string();
    for (const std::string& arg : p["extra_args"].as_strings()) {
      std::string problem = ExtraArgsProblem(arg);
      if (!problem.empty()) throw sdk::Error("extra_args: " + problem);
      scan->extra_args.push_back(arg);
    }

    if (scan->command == "image") {
      if (p.contains("input")) {
        fs::path archive = Absolute(workspace, p["input"].as_string());
        std::error_code ec;
        if (!fs::exists(archive, ec)) {
          throw sdk::Error("input: " + Shown(archive, workspace) + " does not exist");
        }
        scan->input = true;
        scan->target = archive.string();
        plan.shown_target = Shown(archive, workspace);
      } else {
        scan->target = p["image"].as_string();
        plan.shown_target = scan->target;
      }
      return plan;
    }

    fs::path target = Absolute(workspace, p["path"].as_string());
    std::error_code ec;
    if (!fs::exists(target, ec)) {
      throw sdk::Error("path: " + Shown(target, workspace) + " does not exist");
    }
    scan->target = target.string();
    plan.shown_target = Shown(target, workspace);
    fs::path root = fs::is_directory(target, ec) ? target : target.parent_path();
    plan.scope.files = Inside(root, workspace);
    if (plan.scope.files) {
      std::string rel = root.lexically_relative(workspace).generic_string();
      plan.scope.root = rel == "." ? "" : rel;
    }
    // What taskr and this plugin write must not become findings of a later scan.
    for (const fs::path& dir : {workspace / ".taskr", fs::path(scan->cache_dir)}) {
      if (Inside(dir, root)) scan->skip_dirs.push_back(dir.string());
    }
    if (Inside(scan->report, root)) scan->skip_files.push_back(scan->report);
    return plan;
  }

  // RunTrivy runs the scan; only a trivy that failed to scan exits non-zero.
  static void RunTrivy(const sdk::Context& ctx, const Scan& scan, const std::string& what) {
    sdk::RunOptions options;
    options.env = kNoTelemetryEnv;
    options.capture_only = true;
    std::string help = ctx.Run({scan.binary, scan.command, "--help"}, options).output;
    std::vector<std::string> argv = TrivyArgs(scan, FlagsInHelp(help));
    ctx.Info("running " + what);
    std::string line;
    for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
    ctx.Debug(line);

    std::error_code ec;
    fs::remove(scan.report, ec);  // never read a report an earlier run left
    options.capture_only = false;
    sdk::ProcessResult trivy = ctx.Run(argv, options);
    if (trivy.signal) {
      throw sdk::Error(what + ": trivy was killed by signal " + std::to_string(trivy.signal));
    }
    if (!trivy.ok()) {
      std::string last = LastLine(trivy.output);
      throw sdk::Error(what + ": trivy exited with code " + std::to_string(trivy.exit_code) +
                       (last.empty() ? " and printed nothing" : ": " + last));
    }
  }

  static Report ReadTrivyReport(const std::string& path, const std::string& shown,
                                const ReportScope& scope, const std::string& what) {
    std::string text = ReadText(path);
    if (text.empty()) throw sdk::Error(what + ": trivy wrote no report to " + shown);
    try {
      return ReadReport(text, scope);
    } catch (const sdk::Error& e) {
      throw sdk::Error(shown + ": " + e.what());
    }
  }

  static std::string IgnoreFile(const fs::path& workspace, const std::string& param) {
    fs::path file = Absolute(workspace, param);
    std::error_code ec;
    if (fs::exists(file, ec)) return file.string();
    if (param == ".trivyignore") return "";
    throw sdk::Error("ignorefile: " + Shown(file, workspace) + " does not exist");
  }

  static fs::path ReportPath(const sdk::Context& ctx, const fs::path& workspace) {
    std::string param = ctx.params()["output"].string_or();
    fs::path report;
    if (!param.empty()) {
      report = Absolute(workspace, param);
    } else {
      fs::path run_dir = ctx.Env("TASKR_RUN_DIR").value_or((workspace / ".taskr").string());
      report = run_dir / "trivy" / (FileName(ctx.Env("TASKR_TASK").value_or("")) + ".json");
    }
    std::error_code ec;
    if (fs::is_directory(report, ec)) {
      throw sdk::Error("output: " + Shown(report, workspace) + " is a folder; name the file");
    }
    fs::create_directories(report.parent_path(), ec);
    if (ec) {
      throw sdk::Error("output: cannot create " + report.parent_path().string() + ": " +
                       ec.message());
    }
    return report;
  }

  // Publish reports the findings, sets the outputs, adds the report as an
  // artifact and logs the most severe findings.
  static void Publish(const sdk::Context& ctx, const Report& report, const SeverityCounts& counts,
                      const std::string& shown_report) {
    for (const Issue& issue : report.issues) {
      ctx.ThrowIfCancelled();
      ctx.ReportFinding(issue.finding);
    }
    std::string tally;
    for (Severity s : kSeverities) {
      std::string name(SeverityName(s));
      tally += (tally.empty() ? "" : ", ") + std::to_string(counts.of(s)) + " " + name;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      ctx.SetOutput(name, std::to_string(counts.of(s)));  // "critical", …
    }
    ctx.SetOutput("total", std::to_string(counts.total));
    ctx.SetOutput("report", shown_report);
    ctx.AddArtifact(shown_report);

    ctx.Info(std::to_string(counts.total) + (counts.total == 1 ? " finding" : " findings") + " (" +
             tally + "); report: " + shown_report);
    for (const Issue* issue : MostSevere(report.issues, kLoggedFindings)) {
      const sdk::Finding& f = issue->finding;
      std::string at =
          f.file.empty() ? "" : f.file + (f.line ? ":" + std::to_string(f.line) : "") + ": ";
      ctx.Info(std::string(SeverityName(issue->severity)) + " " + at + f.message);
    }
    if (counts.total > kLoggedFindings) {
      ctx.Info("… and " + std::to_string(counts.total - kLoggedFindings) + " more in the report");
    }
  }
};

}  // namespace

}  // namespace taskr::trivy

TASKR_PLUGIN(taskr::trivy::TrivyPlugin)
