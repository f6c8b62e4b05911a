// taskr's command line: run, list, graph, validate. Exit codes: 0 success,
// 1 a task failed, 2 bad usage or a bad pipeline, 3 internal error, 130 interrupted.
#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/cache/task_cache.h"
#include "runner/cli/workspace.h"
#include "runner/exec/contexts.h"
#include "runner/exec/plan.h"
#include "runner/exec/scheduler.h"
#include "runner/graph/graph.h"
#include "runner/graph/graph_format.h"
#include "runner/model/loader.h"
#include "runner/plugins/plugin_registry.h"
#include "runner/plugins/worker.h"
#include "runner/report/console.h"
#include "runner/report/github.h"
#include "runner/report/run_file_writer.h"
#include "runner/report/run_report.h"
#include "runner/report/sarif.h"
#include "runner/report/summary.h"
#include "runner/report/trace.h"

namespace taskr {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

struct GlobalOptions {
  std::string directory;  // -C
  std::string file;       // -f
};

struct RunCommand {
  std::vector<std::string> targets;
  int jobs = 0;
  bool keep_going = false;
  bool dry_run = false;
  std::vector<std::string> inputs;
  bool no_cache = false;
  bool explain = false;
  std::string remote_cache;
  bool remote_read_only = false;
  bool github = false;
  std::string summary_file;
  std::string sarif_file;
};

// OpenCache sets up caching for a run, or explains why it cannot; a cache that
// cannot be opened costs a warning, never the run.
std::unique_ptr<TaskCache> OpenCache(const RunCommand& cmd, const Pipeline& pipeline,
                                     const Contexts& contexts) {
  if (cmd.no_cache) return nullptr;
  CacheOptions options;
  options.store_dir = LocalStore::DefaultDir(ProcessEnv);
  options.workspace = pipeline.root;
  options.secrets = contexts.SecretValues();
  std::string url =
      cmd.remote_cache.empty() ? ProcessEnv("TASKR_REMOTE_CACHE").value_or("") : cmd.remote_cache;
  if (!url.empty()) {
    RemoteOptions remote;
    remote.url = url;
    remote.token = ProcessEnv("TASKR_REMOTE_CACHE_TOKEN").value_or("");
    // Pull requests may come from forks: they read the shared cache but never write it.
    bool pull_request = ProcessEnv("GITHUB_EVENT_NAME").value_or("").starts_with("pull_request");
    remote.read_only = cmd.remote_read_only || pull_request ||
                       ProcessEnv("TASKR_REMOTE_CACHE_READ_ONLY").value_or("") == "true";
    options.remote = remote;
  }
  Result<std::unique_ptr<TaskCache>> cache = TaskCache::Open(options);
  if (!cache.ok()) {
    fmt::print(stderr, "taskr: warning: running without the cache: {}\n", cache.status().message());
    return nullptr;
  }
  return std::move(*cache);
}

// Loaded is a pipeline that passed every load-time check.
struct Loaded {
  Pipeline pipeline;
  Graph graph;
  PluginRegistry plugins;
};

// SortByPosition orders diagnostics as they stand in the file.
void SortByPosition(std::vector<Diagnostic>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.loc.line, a.loc.column) < std::pair(b.loc.line, b.loc.column);
  });
}

std::optional<Loaded> Load(const GlobalOptions& g) {
  Result<std::filesystem::path> file = FindPipelineFile(g.file);
  if (!file.ok()) {
    fmt::print(stderr, "taskr: {}\n", file.status().message());
    return std::nullopt;
  }
  LoadResult r = LoadPipeline(*file);
  std::vector<Diagnostic> errors = std::move(r.errors);
  std::optional<Graph> graph;
  if (errors.empty()) graph = Graph::Build(*r.pipeline, &errors);
  SortByPosition(errors);
  if (!errors.empty()) {
    for (const auto& e : errors) fmt::print(stderr, "{}", FormatDiagnostic(e, r.source));
    fmt::print(stderr, "taskr: {} error{} in {}; nothing was run\n", errors.size(),
               errors.size() == 1 ? "" : "s", file->string());
    return std::nullopt;
  }
  // The graph points into the pipeline's tasks: rebuild it after the move.
  Loaded loaded{std::move(*r.pipeline), Graph(), PluginRegistry()};
  std::vector<Diagnostic> again;
  loaded.graph = std::move(*Graph::Build(loaded.pipeline, &again));
  loaded.plugins = PluginRegistry::Discover(&loaded.pipeline, SelfExecutable(), ProcessEnv);
  CheckPluginTasks(loaded.pipeline, loaded.plugins, &errors);
  SortByPosition(errors);
  if (!errors.empty()) {
    for (const auto& e : errors) fmt::print(stderr, "{}", FormatDiagnostic(e, r.source));
    fmt::print(stderr, "taskr: {} error{} in {}; nothing was run\n", errors.size(),
               errors.size() == 1 ? "" : "s", file->string());
    return std::nullopt;
  }
  return loaded;
}

std::optional<std::map<std::string, std::string>> ParseInputs(
    const std::vector<std::string>& given) {
  std::map<std::string, std::string> inputs;
  for (const auto& kv : given) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "taskr: --input {}: write it as name=value\n", kv);
      return std::nullopt;
    }
    inputs[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return inputs;
}

std::vector<std::string> DefaultTargets(const Pipeline& p) {
  if (p.FindPipeline("default")) return {"default"};
  return {};
}

int CmdRun(const GlobalOptions& g, RunCommand cmd) {
  auto loaded = Load(g);
  if (!loaded) return kExitUsage;
  const Pipeline& pipeline = loaded->pipeline;
  if (cmd.targets.empty()) cmd.targets = DefaultTargets(pipeline);
  if (cmd.targets.empty()) {
    std::string names;
    for (const auto& p : pipeline.pipelines) names += (names.empty() ? "" : ", ") + p.name;
    fmt::print(stderr, "taskr: name a pipeline or a task to run{}\n",
               names.empty() ? "" : fmt::format(" (pipelines: {})", names));
    return kExitUsage;
  }
  Result<Selection> sel = loaded->graph.Select(pipeline, cmd.targets);
  if (!sel.ok()) {
    fmt::print(stderr, "taskr: {}\n", sel.status().message());
    return kExitUsage;
  }
  auto inputs = ParseInputs(cmd.inputs);
  if (!inputs) return kExitUsage;
  auto contexts = Contexts::Create(pipeline, *sel, *inputs, ProcessEnv);
  if (!contexts.ok()) {
    fmt::print(stderr, "taskr: {}\n", contexts.status().message());
    return kExitUsage;
  }
  int jobs =
      cmd.jobs > 0 ? cmd.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (cmd.dry_run) {
    fmt::print("{}", DescribePlan(loaded->graph, *sel, **contexts, jobs));
    return kExitOk;
  }

  Result<std::filesystem::path> run_dir = CreateRunDir(pipeline.root);
  if (!run_dir.ok()) {
    fmt::print(stderr, "taskr: {}\n", run_dir.status().message());
    return kExitInternal;
  }
  bool tty = isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  bool color_allowed = !(no_color && *no_color);
  bool github = cmd.github || ProcessEnv("GITHUB_ACTIONS").value_or("") == "true";
  // Masks go first, before anything that could show a secret.
  if (github) {
    std::string masks = MaskCommands((*contexts)->Masker());
    std::fwrite(masks.data(), 1, masks.size(), stdout);
    std::fflush(stdout);
  }
  std::optional<GitHubConsole> github_console;
  std::optional<ConsoleReporter> console;
  ReporterList reporters;
  if (github) {
    GitHubOptions gh;
    gh.workspace = ProcessEnv("GITHUB_WORKSPACE").value_or(pipeline.root.string());
    gh.output_file = ProcessEnv("GITHUB_OUTPUT").value_or("");
    gh.color = color_allowed;
    if (auto after = ProcessEnv("TASKR_STREAM_AFTER")) {
      if (auto parsed = ParseDuration(*after)) gh.stream_after = *parsed;
    }
    reporters.Add(&github_console.emplace(stdout, gh));
  } else {
    reporters.Add(
        &console.emplace(stdout, ConsoleStyle{.live = tty, .color = color_allowed && tty}));
    console->set_explain(cmd.explain);
  }
  SummaryOptions summary_options;
  summary_options.files.push_back(*run_dir / "summary.md");
  if (!cmd.summary_file.empty()) summary_options.files.push_back(cmd.summary_file);
  if (github) summary_options.append_to = ProcessEnv("GITHUB_STEP_SUMMARY").value_or("");
  summary_options.env = ProcessEnv;
  SummaryReporter summary(summary_options);
  reporters.Add(&summary);
  std::vector<std::filesystem::path> sarif_paths = {*run_dir / "results.sarif"};
  if (!cmd.sarif_file.empty()) sarif_paths.push_back(cmd.sarif_file);
  RunFileWriter sarif(
      sarif_paths, [](const RunInfo& info, const RunTotals&, const std::vector<TaskResult>& results,
                      std::vector<std::string>* warnings) {
        return BuildSarif(info, results, SarifLimits{}, warnings);
      });
  reporters.Add(&sarif);
  RunFileWriter report(
      {*run_dir / "report.json"},
      [](const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results,
         std::vector<std::string>*) { return BuildRunReport(info, totals, results); });
  reporters.Add(&report);
  RunFileWriter trace(
      {*run_dir / "trace.json"},
      [](const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results,
         std::vector<std::string>*) { return BuildTrace(info, totals, results); });
  reporters.Add(&trace);

  std::unique_ptr<TaskCache> cache = OpenCache(cmd, pipeline, **contexts);

  RunOptions options;
  options.cache = cache.get();
  options.jobs = jobs;
  options.keep_going = cmd.keep_going;
  options.run_dir = *run_dir;
  options.lock_dir = pipeline.root / ".taskr" / "locks";
  options.ticks = tty || github;
  options.plugins = &loaded->plugins;
  if (auto grace = ProcessEnv("TASKR_KILL_GRACE")) {
    auto parsed = ParseDuration(*grace);
    if (!parsed) {
      fmt::print(stderr, "taskr: TASKR_KILL_GRACE={}: write a duration like \"5s\"\n", *grace);
      return kExitUsage;
    }
    options.kill_grace = *parsed;
  }
  Scheduler scheduler(pipeline, loaded->graph, *sel, **contexts, options, reporters);
  return scheduler.Run();
}

int CmdList(const GlobalOptions& g) {
  auto loaded = Load(g);
  if (!loaded) return kExitUsage;
  const Pipeline& p = loaded->pipeline;
  size_t width = 0;
  for (const auto& pl : p.pipelines) width = std::max(width, pl.name.size());
  for (const auto& t : p.tasks) width = std::max(width, t.name.size());
  std::string out;
  if (!p.pipelines.empty()) {
    out += "Pipelines:\n";
    for (const auto& pl : p.pipelines) {
      std::string tasks;
      for (const auto& t : pl.tasks) tasks += (tasks.empty() ? "" : ", ") + t;
      std::string desc =
          pl.description.empty() ? tasks : fmt::format("{} ({})", pl.description, tasks);
      out += fmt::format("  {:<{}}  {}\n", pl.name, width, desc);
    }
  }
  out += "Tasks:\n";
  size_t first = 0;
  for (const auto& t : p.tasks) {
    size_t instances = 0;
    while (first + instances < loaded->graph.nodes().size() &&
           loaded->graph.node(static_cast<NodeId>(first + instances)).spec == &t) {
      ++instances;
    }
    first += instances;
    std::string detail = t.description;
    if (!t.matrix.empty()) {
      std::string keys;
      for (const auto& axis : t.matrix) keys += (keys.empty() ? "" : ", ") + axis.key;
      detail +=
          fmt::format("{}[matrix: {}; {} instances]", detail.empty() ? "" : " ", keys, instances);
    }
    out += fmt::format("  {:<{}}  {}\n", t.name, width, detail);
    while (out.back() == '\n' && out.size() > 1 && out[out.size() - 2] == ' ')
      out.erase(out.size() - 2, 1);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int CmdGraph(const GlobalOptions& g, const std::vector<std::string>& targets,
             const std::string& format) {
  auto loaded = Load(g);
  if (!loaded) return kExitUsage;
  std::vector<std::string> chosen = targets;
  if (chosen.empty()) {
    for (const auto& t : loaded->pipeline.tasks) chosen.push_back(t.name);
  }
  Result<Selection> sel = loaded->graph.Select(loaded->pipeline, chosen);
  if (!sel.ok()) {
    fmt::print(stderr, "taskr: {}\n", sel.status().message());
    return kExitUsage;
  }
  fmt::print("{}", FormatGraph(loaded->graph, *sel, format));
  return kExitOk;
}

// PluginsScope finds the plugins visible here: with a pipeline.toml, its
// [plugins] too; without one, only the installed ones and TASKR_PLUGIN_PATH.
PluginRegistry PluginsScope(const GlobalOptions& g, std::optional<Pipeline>* pipeline) {
  Result<std::filesystem::path> file = FindPipelineFile(g.file);
  if (file.ok()) {
    LoadResult r = LoadPipeline(*file);
    if (r.errors.empty()) *pipeline = std::move(r.pipeline);
  }
  return PluginRegistry::Discover(pipeline->has_value() ? &**pipeline : nullptr, SelfExecutable(),
                                  ProcessEnv);
}

std::string DescribeParams(const Value& schema) {
  const Value* props = schema.is_object() ? schema.Get("properties") : nullptr;
  if (!props || !props->is_object() || props->as_object().empty()) return "      (none)\n";
  std::vector<std::string> required;
  if (const Value* r = schema.Get("required"); r && r->is_array()) {
    for (const auto& item : r->as_array()) required.push_back(item.ToString());
  }
  size_t width = 0;
  for (const auto& [name, p] : props->as_object()) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, p] : props->as_object()) {
    std::vector<std::string> facts;
    if (const Value* t = p.Get("type")) {
      std::string type = t->is_array() ? t->ToJson(-1) : t->ToString();
      if (const Value* items = p.Get("items"); items && items->is_object() && items->Get("type")) {
        type += " of " + items->Get("type")->ToString();
      }
      facts.push_back(type);
    }
    if (std::find(required.begin(), required.end(), name) != required.end())
      facts.push_back("required");
    if (const Value* d = p.Get("default")) facts.push_back("default " + d->ToJson(-1));
    if (const Value* e = p.Get("enum")) facts.push_back("one of " + e->ToJson(-1));
    const Value* desc = p.Get("description");
    out += fmt::format("      {:<{}}  {}{}\n", name, width, fmt::join(facts, ", "),
                       desc ? "  — " + desc->ToString() : "");
  }
  return out;
}

int CmdPlugins(const GlobalOptions& g, const std::string& what, const std::string& name) {
  std::optional<Pipeline> pipeline;
  PluginRegistry registry = PluginsScope(g, &pipeline);
  if (what == "info") {
    if (!registry.Find(name)) {
      fmt::print(stderr, "taskr: unknown plugin '{}'; looked in {}\n", name,
                 fmt::join(registry.searched(), ", "));
      return kExitUsage;
    }
    Result<const PluginManifest*> m = registry.Manifest(name);
    if (!m.ok()) {
      fmt::print(stderr, "taskr: {}\n", m.status().message());
      return kExitUsage;
    }
    const PluginEntry& e = *registry.Find(name);
    std::string out = fmt::format("{} {} — {}\n  library: {} ({})\n", (*m)->name, (*m)->version,
                                  (*m)->description, e.path, e.source);
    for (const auto& a : (*m)->actions) {
      out += fmt::format("\n  action {}{} ({}): {}\n", a.name,
                         a.name == (*m)->default_action ? ", the default" : "",
                         a.pure ? "pure: may be cached" : "effect: never cached", a.description);
      out += "    parameters (with):\n" + DescribeParams(a.params);
      if (!a.outputs.empty()) {
        out += "    outputs:\n";
        for (const auto& [k, d] : a.outputs) out += fmt::format("      {}  — {}\n", k, d);
      }
    }
    out += fmt::format("\nExample:\n  [tasks.example]\n  uses = \"{}.{}\"\n", (*m)->name,
                       (*m)->default_action);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  if (registry.entries().empty()) {
    fmt::print("no plugins found; looked in {}\n", fmt::join(registry.searched(), ", "));
    return kExitOk;
  }
  int code = kExitOk;
  for (const auto& [n, e] : registry.entries()) {
    Result<const PluginManifest*> m = registry.Manifest(n);
    if (m.ok()) {
      fmt::print("{:<16} {:<8} {}\n{:<16} {} ({})\n", n, (*m)->version, (*m)->description, "",
                 e.path, e.source);
    } else {
      fmt::print("{:<16} {:<8} cannot be loaded: {}\n", n, "?", m.status().message());
      code = kExitUsage;
    }
  }
  return code;
}

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

// ParseSize reads "500M", "2G", "1024" (bytes) and the like.
std::optional<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t end = 0;
  double n = 0;
  try {
    n = std::stod(text, &end);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(end);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (!unit.empty() && unit.back() == 'I') unit.pop_back();
  double scale = unit.empty()  ? 1
                 : unit == "K" ? 1024.0
                 : unit == "M" ? 1024.0 * 1024
                 : unit == "G" ? 1024.0 * 1024 * 1024
                               : -1;
  if (scale < 0 || n < 0) return std::nullopt;
  return static_cast<uint64_t>(n * scale);
}

int CmdCache(const std::string& what, const std::string& max_size, int max_age_days) {
  Result<LocalStore> store = LocalStore::Open(LocalStore::DefaultDir(ProcessEnv));
  if (!store.ok()) {
    fmt::print(stderr, "taskr: {}\n", store.status().message());
    return kExitInternal;
  }
  if (what == "clean") {
    StoreStats before = store->Stats();
    if (Status s = store->Clean(); !s.ok()) {
      fmt::print(stderr, "taskr: {}\n", s.message());
      return kExitInternal;
    }
    fmt::print("removed {} entries ({}) from {}\n", before.entries, FormatBytes(before.bytes),
               store->dir().string());
    return kExitOk;
  }
  if (what == "prune") {
    std::optional<uint64_t> bytes =
        max_size.empty() ? std::optional<uint64_t>(0) : ParseSize(max_size);
    if (!bytes) {
      fmt::print(stderr, "taskr: --max-size {}: write a size like 500M or 2G\n", max_size);
      return kExitUsage;
    }
    if (*bytes == 0 && max_age_days == 0) {
      fmt::print(stderr, "taskr: cache prune needs --max-size SIZE or --max-age DAYS\n");
      return kExitUsage;
    }
    StoreStats removed = store->Prune(*bytes, std::chrono::hours(24 * max_age_days));
    StoreStats left = store->Stats();
    fmt::print("removed {} entries ({}); {} entries ({}) left in {}\n", removed.entries,
               FormatBytes(removed.bytes), left.entries, FormatBytes(left.bytes),
               store->dir().string());
    return kExitOk;
  }
  StoreStats s = store->Stats();
  fmt::print("cache: {}\n  entries: {}\n  size: {}\n", store->dir().string(), s.entries,
             FormatBytes(s.bytes));
  return kExitOk;
}

int CmdValidate(const GlobalOptions& g) {
  auto loaded = Load(g);
  if (!loaded) return kExitUsage;
  const Pipeline& p = loaded->pipeline;
  fmt::print("{}: ok — {} task{} ({} instance{}), {} pipeline{}\n", p.file.string(), p.tasks.size(),
             p.tasks.size() == 1 ? "" : "s", loaded->graph.nodes().size(),
             loaded->graph.nodes().size() == 1 ? "" : "s", p.pipelines.size(),
             p.pipelines.size() == 1 ? "" : "s");
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "taskr runs the task graph in pipeline.toml: in parallel, in order, with clear reports.",
      "taskr"};
  app.set_version_flag("--version", std::string("taskr ") + TASKR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Exit codes: 0 success, 1 a task failed, 2 bad usage or pipeline, 3 internal error, 130 "
      "interrupted.\n"
      "Docs: docs/pipeline-reference.md");
  GlobalOptions g;
  app.add_option("-C,--directory", g.directory, "Change to DIR before doing anything")
      ->type_name("DIR");
  app.add_option("-f,--file", g.file, "Read FILE instead of finding pipeline.toml upward")
      ->type_name("FILE");

  RunCommand run;
  auto* run_cmd = app.add_subcommand("run", "Run pipelines or tasks and everything they need");
  run_cmd->add_option("targets", run.targets,
                      "Pipelines, tasks, or matrix instances such as image[service=api]; "
                      "default: the pipeline named 'default'");
  run_cmd->add_option("-j,--jobs", run.jobs, "Run at most N tasks at once (default: CPU cores)")
      ->type_name("N")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_flag("-k,--keep-going", run.keep_going,
                    "On a failure keep running everything that does not depend on it");
  run_cmd->add_flag("-n,--dry-run", run.dry_run,
                    "Print the plan (order, parallel waves, skipped tasks); run nothing");
  run_cmd
      ->add_option("-i,--input", run.inputs,
                   "Set a pipeline input, e.g. --input environment=staging")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);  // one value per -i, so targets may follow
  run_cmd->add_flag("--no-cache", run.no_cache, "Run every task; read and write no cache");
  run_cmd->add_flag("--explain", run.explain,
                    "For each cache miss, list everything that changed since the last run");
  run_cmd
      ->add_option(
          "--remote-cache", run.remote_cache,
          "Also use the HTTP cache at URL (/ac and /cas, as bazel-remote or nginx "
          "WebDAV serve them); default $TASKR_REMOTE_CACHE, token $TASKR_REMOTE_CACHE_TOKEN")
      ->type_name("URL");
  run_cmd->add_flag("--remote-cache-read-only", run.remote_read_only,
                    "Read the remote cache but never write it (automatic for pull_request events)");
  run_cmd->add_flag("--github", run.github,
                    "Print for GitHub Actions: log groups, annotations, masks, $GITHUB_OUTPUT and "
                    "the job summary (automatic when GITHUB_ACTIONS=true)");
  run_cmd
      ->add_option("--summary", run.summary_file, "Also write the job summary (markdown) to FILE")
      ->type_name("FILE");
  run_cmd->add_option("--sarif", run.sarif_file, "Also write the SARIF 2.1.0 findings to FILE")
      ->type_name("FILE");
  run_cmd->footer(
      "Every run writes .taskr/runs/<id>/: summary.md, results.sarif, report.json, trace.json\n"
      "and one log per task (.taskr/runs/latest points at the last run).\n\n"
      "Examples:\n"
      "  taskr run ci\n"
      "  taskr run ci --summary summary.md --sarif results.sarif\n"
      "  taskr run deploy --input environment=production\n"
      "  taskr run 'scan[service=api]' --jobs 4 --keep-going\n"
      "  taskr run ci --dry-run");

  app.add_subcommand("list", "List pipelines and tasks");
  std::vector<std::string> graph_targets;
  std::string graph_format = "dot";
  auto* graph_cmd = app.add_subcommand("graph", "Print the task graph (default: every task)");
  graph_cmd->add_option("targets", graph_targets, "Pipelines or tasks to include");
  graph_cmd->add_option("--format", graph_format, "dot, mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}));
  graph_cmd->footer("Example:\n  taskr graph ci --format mermaid");
  app.add_subcommand("validate", "Check pipeline.toml and exit: 0 when valid, 2 with errors");
  std::string cache_what = "stats";
  std::string cache_max_size;
  int cache_max_age = 0;
  auto* cache_cmd = app.add_subcommand("cache", "Show, prune or clean the local cache");
  cache_cmd->add_option("command", cache_what, "stats (default), prune or clean")
      ->check(CLI::IsMember({"stats", "prune", "clean"}));
  cache_cmd
      ->add_option("--max-size", cache_max_size,
                   "prune: keep at most SIZE (e.g. 2G), least recently used first")
      ->type_name("SIZE");
  cache_cmd->add_option("--max-age", cache_max_age, "prune: remove entries unused for DAYS days")
      ->type_name("DAYS")
      ->check(CLI::NonNegativeNumber);
  cache_cmd->footer(
      "The cache lives in $TASKR_CACHE_DIR, else $XDG_CACHE_HOME/taskr, else ~/.cache/taskr.\n"
      "Examples:\n  taskr cache\n  taskr cache prune --max-size 5G --max-age 14\n  taskr cache "
      "clean");
  std::string plugins_what = "list";
  std::string plugin_name;
  auto* plugins_cmd = app.add_subcommand("plugins", "List plugins, or describe one (`info NAME`)");
  plugins_cmd->add_option("command", plugins_what, "list (default) or info")
      ->check(CLI::IsMember({"list", "info"}));
  plugins_cmd->add_option("name", plugin_name, "the plugin to describe");
  plugins_cmd->footer(
      "Plugins are taskr-NAME.so files beside taskr (plugins/, ../lib/taskr/plugins/), in\n"
      "$TASKR_PLUGIN_PATH, or named in [plugins] of pipeline.toml.\n"
      "Examples:\n  taskr plugins\n  taskr plugins info checksum");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!g.directory.empty()) {
    std::error_code ec;
    std::filesystem::current_path(g.directory, ec);
    if (ec) {
      fmt::print(stderr, "taskr: -C {}: {}\n", g.directory, ec.message());
      return kExitUsage;
    }
  }
  if (app.got_subcommand("run")) return CmdRun(g, std::move(run));
  if (app.got_subcommand("list")) return CmdList(g);
  if (app.got_subcommand("graph")) return CmdGraph(g, graph_targets, graph_format);
  if (app.got_subcommand("validate")) return CmdValidate(g);
  if (app.got_subcommand("cache")) return CmdCache(cache_what, cache_max_size, cache_max_age);
  if (app.got_subcommand("plugins")) {
    if (plugins_what == "info" && plugin_name.empty()) {
      fmt::print(stderr, "taskr: plugins info needs a plugin name\n");
      return kExitUsage;
    }
    return CmdPlugins(g, plugins_what, plugin_name);
  }
  return kExitUsage;
}

}  // namespace
}  // namespace taskr

int main(int argc, char** argv) {
  // A closed stdout (taskr ... | head) must not kill us halfway through a run.
  signal(SIGPIPE, SIG_IGN);
  static char buffer[1 << 16];
  if (!isatty(STDOUT_FILENO)) setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  if (argc >= 2 && std::string_view(argv[1]) == taskr::kWorkerCommand) {
    return taskr::RunWorker(std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    int code = taskr::Main(argc, argv);
    std::fflush(stdout);
    return code;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "taskr: internal error: {}\n", e.what());
    return taskr::kExitInternal;
  }
}
