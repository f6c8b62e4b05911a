// The checksum plugin: SHA-256 and SHA-512 sums of files in the format
// sha256sum writes and checks, and a `verify` action that checks such a file.
//
//   [tasks.sums]
//   uses = "checksum"                          # checksum.sha256
//   with = { files = ["dist/**"], output = "dist/SHA256SUMS" }
//
//   [tasks.check]
//   uses = "checksum.verify"
//   with = { file = "dist/SHA256SUMS" }
//
// See docs/plugins/checksum.md.
#include <taskr/sdk.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <taskr/glob.hpp>
#include "hasher.h"
#include "sums_file.h"

namespace taskr::checksum {

namespace {

namespace fs = std::filesystem;
using sdk::Glob;

// At most this many files are listed in the job summary, the log and an
// error message; the rest are counted.
constexpr size_t kListedFiles = 50;
// Digests in messages are cut to this many hex digits.
constexpr size_t kShortDigest = 12;

// ---- manifest ----

std::string SumParams(std::string_view default_output, std::string_view tool) {
  return R"({
  "type": "object",
  "properties": {
    "files": {
      "type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1},
      "description": "Globs of the files to hash, relative to the workspace: ** matches any number of folders, * and ? stay within one folder name, [abc] is one of the characters. Wildcards skip names that start with a dot. A glob that matches no file is an error.",
      "examples": [["dist/*.tar.gz", "dist/**/*.deb"]]
    },
    "output": {
      "type": "string", "minLength": 1, "default": ")" +
         std::string(default_output) + R"(",
      "description": "The sums file to write, relative to the workspace; its folder is created. Paths in it are relative to its folder, so `)" +
         std::string(tool) + R"( -c` runs there. It is never hashed into itself."
    },
    "exclude": {
      "type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
      "description": "Globs of files to leave out, in the same syntax as files."
    }
  },
  "required": ["files"],
  "additionalProperties": false
})";
}

constexpr std::string_view kVerifyParams = R"({
  "type": "object",
  "properties": {
    "file": {
      "type": "string", "minLength": 1,
      "description": "The sums file to check, relative to the workspace: lines `<hex>  <path>` or `<hex> *<path>` as sha256sum and sha512sum write them, or `SHA256 (<path>) = <hex>` (--tag). Paths in it are relative to its folder."
    },
    "algorithm": {
      "type": "string", "enum": ["auto", "sha256", "sha512"], "default": "auto",
      "description": "The digest every line must use; auto takes each line's from its length: 64 hex digits for sha256, 128 for sha512."
    }
  },
  "required": ["file"],
  "additionalProperties": false
})";

sdk::ActionInfo SumAction(Algorithm algorithm) {
  std::string name(AlgorithmName(algorithm));
  std::string output = algorithm == Algorithm::kSha256 ? "SHA256SUMS" : "SHA512SUMS";
  return {name,
          "Hash files with " + name + " into " + output + " (checked by `" + name +
              "sum -c`); digests become outputs and artifacts",
          /*pure=*/true,
          SumParams(output, name + "sum"),
          {{"file", "the sums file, relative to the workspace"},
           {"count", "how many files were hashed"},
           {"digest", "the digest, when exactly one file was hashed"},
           {"<path>",
            "each file's digest, keyed by its workspace-relative path: "
            "outputs['dist/app.tar.gz']"}}};
}

// ---- paths ----

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in{std::string(path)};
  while (std::getline(in, part, '/')) {
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < parts.size(); ++i) out += (out.empty() ? "" : "/") + parts[i];
  return out;
}

// WorkspacePath checks that parameter `name`'s value stays inside the
// workspace and returns it normalised ("./dist//SUMS" -> "dist/SUMS").
std::string WorkspacePath(std::string_view name, std::string_view value) {
  std::vector<std::string> parts = SplitPath(value);
  bool escapes = std::find(parts.begin(), parts.end(), "..") != parts.end();
  if (value.empty() || value[0] == '/' || escapes || parts.empty()) {
    throw sdk::Error(std::string(name) + ": '" + std::string(value) +
                     "' must be a file path inside the workspace, relative to it");
  }
  return JoinPath(parts);
}

// FolderOf is the folder of a workspace-relative path ("" for the root).
std::string FolderOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// RelativeTo is workspace-relative `path` as seen from workspace-relative
// `folder`: ("dist/a.tgz", "dist") -> "a.tgz"; ("src/x", "dist") -> "../src/x".
std::string RelativeTo(const std::string& path, const std::string& folder) {
  std::vector<std::string> p = SplitPath(path), f = SplitPath(folder);
  size_t common = 0;
  while (common < p.size() && common < f.size() && p[common] == f[common]) ++common;
  std::vector<std::string> up(f.size() - common, "..");
  std::string rest = JoinPath(p, common);
  std::string out = JoinPath(up);
  return out.empty() ? rest : out + "/" + rest;
}

// Shown is how a checked file is named in messages: relative to the
// workspace when inside it, absolute otherwise.
std::string Shown(const fs::path& absolute, const fs::path& workspace) {
  fs::path rel = absolute.lexically_normal().lexically_relative(workspace);
  if (rel.empty() || *rel.begin() == "..") return absolute.lexically_normal().string();
  return rel.string();
}

// ---- text ----

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string Short(const std::string& hex) {
  return hex.size() <= kShortDigest ? hex : hex.substr(0, kShortDigest) + "…";
}

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

// Code renders `text` as a markdown code span that is safe in a table cell.
std::string Code(std::string_view text) {
  std::string body;
  for (char c : text) {
    if (c == '|') {
      body += "\\|";
    } else if (c == '\n' || c == '\r') {
      body += ' ';
    } else {
      body += c;
    }
  }
  bool tick = body.find('`') != std::string::npos;
  return tick ? "`` " + body + " ``" : "`" + body + "`";
}

std::string JoinLimited(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListedFiles; ++i) {
    out += (i ? std::string(sep) : "") + items[i];
  }
  if (items.size() > kListedFiles) {
    out += std::string(sep) + "… and " + std::to_string(items.size() - kListedFiles) + " more";
  }
  return out;
}

// ---- files ----

std::vector<Glob> ParseGlobs(std::string_view param, const std::vector<std::string>& patterns) {
  std::vector<Glob> globs;
  for (const std::string& p : patterns) {
    std::string error;
    std::optional<Glob> g = Glob::Parse(p, &error);
    if (!g) throw sdk::Error(std::string(param) + ": " + error);
    globs.push_back(std::move(*g));
  }
  return globs;
}

// EmptyGlobMessage says why `glob` found nothing, with a hint for a folder.
std::string EmptyGlobMessage(const Glob& glob, const fs::path& workspace) {
  std::string message = "'" + glob.text() + "'";
  std::string literal = glob.LiteralPath();
  std::error_code ec;
  if (!literal.empty() && fs::is_directory(workspace / literal, ec)) {
    message += " (a folder; '" + literal + "/**' is every file in it)";
  }
  return message;
}

// MatchFiles expands `files`, drops `exclude` and `skip`, and returns the
// workspace-relative paths, sorted. A glob that matches nothing is an error.
std::vector<std::string> MatchFiles(const fs::path& workspace, const std::vector<Glob>& files,
                                    const std::vector<Glob>& exclude, const std::string& skip) {
  std::set<std::string> matched;
  std::vector<std::string> empty;
  for (const Glob& g : files) {
    std::vector<std::string> found = g.Expand(workspace);
    if (found.empty()) empty.push_back(EmptyGlobMessage(g, workspace));
    matched.insert(found.begin(), found.end());
  }
  if (!empty.empty()) {
    throw sdk::Error("files: no file matches " + JoinLimited(empty, ", ") +
                     " (globs are relative to the workspace " + workspace.string() + ")");
  }
  std::vector<std::string> kept;
  for (const std::string& path : matched) {
    if (path == skip) continue;
    bool excluded =
        std::any_of(exclude.begin(), exclude.end(), [&](const Glob& g) { return g.Match(path); });
    if (!excluded) kept.push_back(path);
  }
  if (kept.empty()) {
    throw sdk::Error("files: every matched file is excluded (" +
                     Plural(matched.size(), "file", "files") +
                     " matched, none left after exclude and the sums file itself)");
  }
  return kept;
}

HashOutcome HashOrThrow(const sdk::Context& ctx, const std::vector<HashJob>& jobs) {
  HashOutcome done = HashFiles(jobs, [&ctx] { return ctx.Cancelled(); });
  if (done.cancelled) throw sdk::Cancelled();
  return done;
}

// FormatSums renders the sums file: one line per file, its path relative to
// `folder` (the sums file's), sorted by that path.
std::string FormatSums(const std::vector<std::string>& files,
                       const std::vector<HashResult>& results, const std::string& folder) {
  std::vector<std::pair<std::string, std::string>> lines;  // path, hex
  for (size_t i = 0; i < files.size(); ++i) {
    lines.emplace_back(RelativeTo(files[i], folder), results[i].hex);
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& [path, hex] : lines) text += FormatSumsLine(hex, path);
  return text;
}

// WriteAtomically replaces `path` with `content`: readers see the old file or
// the new one, never half of one.
void WriteAtomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw sdk::Error("cannot create the folder " + path.parent_path().string() + ": " +
                     ec.message());
  }
  // Hidden, so that a `**` of a task running meanwhile does not pick it up.
  fs::path temp =
      path.parent_path() / ("." + path.filename().string() + ".tmp-" + std::to_string(getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      fs::remove(temp, ec);
      throw sdk::Error("cannot write " + path.string());
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw sdk::Error("cannot write " + path.string() + ": " + ec.message());
  }
}

// ---- actions ----

class ChecksumPlugin {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "checksum";
    m.version = "1.0.0";
    m.description =
        "SHA-256 and SHA-512 sums of files, in the format sha256sum -c checks, and their "
        "verification";
    m.default_action = "sha256";
    m.actions.push_back(SumAction(Algorithm::kSha256));
    m.actions.push_back(SumAction(Algorithm::kSha512));
    m.actions.push_back(
        {"verify",
         "Check every file listed in a SHA256SUMS or SHA512SUMS file; fail naming each file "
         "that differs or is missing",
         /*pure=*/true,
         std::string(kVerifyParams),
         {{"file", "the sums file that was checked"}, {"count", "how many files were verified"}}});
    return m;
  }

  void Run(sdk::Context& ctx) {
    std::string_view action = ctx.action();
    if (action == "sha256") return Sum(ctx, Algorithm::kSha256);
    if (action == "sha512") return Sum(ctx, Algorithm::kSha512);
    if (action == "verify") return Verify(ctx);
    throw sdk::Error("checksum has no action '" + std::string(action) + "'");
  }

 private:
  // Sum hashes the matched files and writes the sums file.
  static void Sum(const sdk::Context& ctx, Algorithm algorithm) {
    auto start = std::chrono::steady_clock::now();
    const sdk::Json& params = ctx.params();
    fs::path workspace = ctx.Workspace();
    std::string output = WorkspacePath("output", params["output"].as_string());
    std::error_code ec;
    if (fs::is_directory(workspace / output, ec)) {
      throw sdk::Error("output: '" + output + "' is a folder; name the sums file in it");
    }
    std::vector<std::string> files =
        MatchFiles(workspace, ParseGlobs("files", params["files"].as_strings()),
                   ParseGlobs("exclude", params["exclude"].as_strings()), output);

    std::vector<HashJob> jobs;
    for (const std::string& f : files) jobs.push_back({(workspace / f).string(), algorithm});
    HashOutcome done = HashOrThrow(ctx, jobs);
    ThrowUnreadable(files, done.results);

    std::string sums = FormatSums(files, done.results, FolderOf(output));
    WriteAtomically(workspace / output, sums);

    std::string name(AlgorithmName(algorithm));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.3f s", seconds);
    uint64_t bytes = 0;
    for (const HashResult& r : done.results) bytes += r.size;
    ctx.Info(name + " of " + Plural(files.size(), "file", "files") + " (" + Bytes(bytes) + ") in " +
             took + " -> " + output);
    Publish(ctx, algorithm, files, done.results, output, sums);
  }

  static void ThrowUnreadable(const std::vector<std::string>& files,
                              const std::vector<HashResult>& results) {
    std::vector<std::string> bad;
    for (size_t i = 0; i < files.size(); ++i) {
      if (!results[i].error.empty()) bad.push_back(files[i] + " (" + results[i].error + ")");
    }
    if (!bad.empty()) {
      throw sdk::Error("cannot read " + Plural(bad.size(), "file", "files") + ": " +
                       JoinLimited(bad, "; "));
    }
  }

  // Publish sets the outputs, artifacts and summary of a Sum.
  static void Publish(const sdk::Context& ctx, Algorithm algorithm,
                      const std::vector<std::string>& files, const std::vector<HashResult>& results,
                      const std::string& output, const std::string& sums) {
    std::string name(AlgorithmName(algorithm));
    std::string table = "**checksum." + name + "**: " + Plural(files.size(), "file", "files") +
                        " → " + Code(output) + "\n\n| file | " + name + " |\n|---|---|\n";
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& hex = results[i].hex;
      ctx.SetOutput(files[i], hex);
      ctx.AddArtifact(files[i], name + ":" + hex);
      if (i < kListedFiles) {
        table += "| " + Code(files[i]) + " | " + Code(hex) + " |\n";
        ctx.Info(hex + "  " + files[i]);
      }
    }
    if (files.size() > kListedFiles) {
      std::string more = "… and " + std::to_string(files.size() - kListedFiles) + " more";
      table += "\n" + more + " (all in " + Code(output) + ")\n";
      ctx.Info(more + " in " + output);
    }
    // Set last, so that a file named like one of them cannot shadow it.
    ctx.SetOutput("file", output);
    ctx.SetOutput("count", std::to_string(files.size()));
    if (files.size() == 1) ctx.SetOutput("digest", results[0].hex);

    ctx.AddArtifact(output, name + ":" + HashText(sums, algorithm));
    ctx.AppendSummary(table);
  }

  // Verify checks every file a sums file lists.
  static void Verify(const sdk::Context& ctx) {
    const sdk::Json& params = ctx.params();
    fs::path workspace = ctx.Workspace();
    std::string file = params["file"].as_string();
    fs::path sums_path = (workspace / file).lexically_normal();
    std::string shown_sums = Shown(sums_path, workspace);
    std::string text = ReadSums(sums_path, shown_sums);

    std::string algorithm =
        params["algorithm"].is_string() ? params["algorithm"].as_string() : "auto";
    std::optional<Algorithm> forced;
    if (algorithm == "sha256") forced = Algorithm::kSha256;
    if (algorithm == "sha512") forced = Algorithm::kSha512;
    std::string error;
    std::optional<std::vector<SumsEntry>> entries = ParseSums(text, forced, &error);
    if (!entries) throw sdk::Error(shown_sums + ": " + error);

    std::vector<HashJob> jobs;
    std::vector<std::string> names;
    for (const SumsEntry& e : *entries) {
      fs::path p =
          fs::path(e.path).is_absolute() ? fs::path(e.path) : sums_path.parent_path() / e.path;
      jobs.push_back({p.lexically_normal().string(), e.algorithm});
      names.push_back(Shown(p, workspace));
    }
    HashOutcome done = HashOrThrow(ctx, jobs);
    Judge(ctx, *entries, names, done.results, shown_sums);
  }

  static std::string ReadSums(const fs::path& path, const std::string& shown) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::error_code ec;
      bool exists = fs::exists(path, ec);
      throw sdk::Error("file: cannot read " + shown + (exists ? "" : ": no such file"));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Problem is what is wrong with one checked file.
  struct Problem {
    std::string rule;  // finding rule: checksum/mismatch, checksum/missing, checksum/unreadable
    std::string why;   // "missing", "expected 1a2b…, got 9f8e…"
  };

  static std::optional<Problem> Check(const SumsEntry& e, const HashResult& r) {
    if (r.missing) return Problem{"checksum/missing", "missing"};
    if (!r.error.empty()) return Problem{"checksum/unreadable", "cannot read: " + r.error};
    if (r.hex != e.hex) {
      return Problem{"checksum/mismatch", "expected " + Short(e.hex) + ", got " + Short(r.hex)};
    }
    return std::nullopt;
  }

  // Judge compares digests with the sums file's and reports the outcome.
  static void Judge(const sdk::Context& ctx, const std::vector<SumsEntry>& entries,
                    const std::vector<std::string>& names, const std::vector<HashResult>& results,
                    const std::string& shown_sums) {
    std::vector<std::string> problems;
    std::string table = "| file | problem |\n|---|---|\n";
    for (size_t i = 0; i < entries.size(); ++i) {
      std::optional<Problem> p = Check(entries[i], results[i]);
      if (!p) continue;
      std::string where = shown_sums + " line " + std::to_string(entries[i].line);
      // The log keeps every file and whole digests; messages keep it short.
      ctx.LogError(names[i] + ": " +
                   (p->rule == "checksum/mismatch"
                        ? std::string(AlgorithmName(entries[i].algorithm)) + " is " +
                              results[i].hex + ", " + where + " expects " + entries[i].hex
                        : p->why + " (" + where + ")"));
      Report(ctx, names[i], *p, shown_sums);
      if (problems.size() < kListedFiles) table += "| " + Code(names[i]) + " | " + p->why + " |\n";
      problems.push_back(names[i] + " (" + p->why + ")");
    }
    std::string all = Plural(entries.size(), "file", "files");
    if (problems.empty()) {
      ctx.Info(all + " verified");
      ctx.SetOutput("file", shown_sums);
      ctx.SetOutput("count", std::to_string(entries.size()));
      ctx.AppendSummary("**checksum.verify**: " + all + " verified against " + Code(shown_sums) +
                        "\n");
      return;
    }
    std::string head = std::to_string(problems.size()) + " of " + all +
                       (problems.size() == 1 ? " does" : " do") + " not match " + shown_sums;
    if (problems.size() > kListedFiles) {
      table +=
          "\n… and " + std::to_string(problems.size() - kListedFiles) + " more (see the log)\n";
    }
    ctx.AppendSummary("**checksum.verify**: " + head + "\n\n" + table);
    throw sdk::Error(head + ": " + JoinLimited(problems, "; "));
  }

  static void Report(const sdk::Context& ctx, const std::string& name, const Problem& p,
                     const std::string& shown_sums) {
    sdk::Finding f;
    f.rule_id = p.rule;
    f.level = TASKR_FINDING_ERROR;
    f.file = name;
    if (p.rule == "checksum/missing") {
      f.rule_name = "listed file is missing";
      f.message = name + " is listed in " + shown_sums + " but does not exist";
    } else if (p.rule == "checksum/unreadable") {
      f.rule_name = "listed file cannot be read";
      f.message = name + " is listed in " + shown_sums + " but " + p.why;
    } else {
      f.rule_name = "file does not match its checksum";
      f.message = name + " does not match " + shown_sums + ": " + p.why;
    }
    ctx.ReportFinding(f);
  }
};

}  // namespace

}  // namespace taskr::checksum

TASKR_PLUGIN(taskr::checksum::ChecksumPlugin)
