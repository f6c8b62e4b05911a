// taskr run: run pipelines or tasks and everything they need.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/cache/task_cache.h"
#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"
#include "runner/cli/run_reporters.h"
#include "runner/cli/workspace.h"
#include "runner/exec/contexts.h"
#include "runner/exec/plan.h"
#include "runner/exec/scheduler.h"
#include "runner/model/loader.h"

namespace taskr {
namespace {

struct RunOptionsGiven {
  std::vector<std::string> targets;
  int jobs = 0;
  bool keep_going = false;
  bool dry_run = false;
  std::vector<std::string> inputs;
  bool no_cache = false;
  std::string remote_cache;
  bool remote_read_only = false;
  ReportChoice report;
};

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

int Run(const GlobalOptions& global, RunOptionsGiven given) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  const Pipeline& pipeline = loaded->pipeline;
  if (given.targets.empty()) given.targets = DefaultTargets(pipeline);
  if (given.targets.empty()) {
    std::string names;
    for (const auto& p : pipeline.pipelines) names += (names.empty() ? "" : ", ") + p.name;
    fmt::print(stderr, "taskr: name a pipeline or a task to run{}\n",
               names.empty() ? "" : fmt::format(" (pipelines: {})", names));
    return kExitUsage;
  }
  Result<Selection> sel = loaded->graph.Select(pipeline, given.targets);
  if (!sel.ok()) {
    fmt::print(stderr, "taskr: {}\n", sel.status().message());
    return kExitUsage;
  }
  auto inputs = ParseInputs(given.inputs);
  if (!inputs) return kExitUsage;
  auto contexts = Contexts::Create(pipeline, *sel, *inputs, ProcessEnv);
  if (!contexts.ok()) {
    fmt::print(stderr, "taskr: {}\n", contexts.status().message());
    return kExitUsage;
  }
  int jobs = given.jobs > 0 ? given.jobs
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (given.dry_run) {
    fmt::print("{}", DescribePlan(loaded->graph, *sel, **contexts, jobs));
    return kExitOk;
  }

  Result<std::filesystem::path> run_dir = CreateRunDir(pipeline.root);
  if (!run_dir.ok()) {
    fmt::print(stderr, "taskr: {}\n", run_dir.status().message());
    return kExitInternal;
  }
  RunReporters reporters(given.report, pipeline.root, *run_dir, **contexts);
  std::unique_ptr<TaskCache> cache = OpenCache({.enabled = !given.no_cache,
                                                .remote_url = given.remote_cache,
                                                .remote_read_only = given.remote_read_only},
                                               pipeline, **contexts);

  RunOptions options;
  options.cache = cache.get();
  options.jobs = jobs;
  options.keep_going = given.keep_going;
  options.run_dir = *run_dir;
  options.lock_dir = pipeline.root / ".taskr" / "locks";
  options.ticks = reporters.live();
  options.plugins = &loaded->plugins;
  if (auto grace = ProcessEnv("TASKR_KILL_GRACE")) {
    auto parsed = ParseDuration(*grace);
    if (!parsed) {
      fmt::print(stderr, "taskr: TASKR_KILL_GRACE={}: write a duration like \"5s\"\n", *grace);
      return kExitUsage;
    }
    options.kill_grace = *parsed;
  }
  Scheduler scheduler(pipeline, loaded->graph, *sel, **contexts, options, reporters.all());
  return scheduler.Run();
}

}  // namespace

CommandRunner AddRunCommand(CLI::App& app, const GlobalOptions& global) {
  auto given = std::make_shared<RunOptionsGiven>();
  auto* cmd = app.add_subcommand("run", "Run pipelines or tasks and everything they need");
  cmd->add_option("targets", given->targets,
                  "Pipelines, tasks, or matrix instances such as image[service=api]; "
                  "default: the pipeline named 'default'");
  cmd->add_option("-j,--jobs", given->jobs, "Run at most N tasks at once (default: CPU cores)")
      ->type_name("N")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("-k,--keep-going", given->keep_going,
                "On a failure keep running everything that does not depend on it");
  cmd->add_flag("-n,--dry-run", given->dry_run,
                "Print the plan (order, parallel waves, skipped tasks); run nothing");
  cmd->add_option("-i,--input", given->inputs,
                  "Set a pipeline input, e.g. --input environment=staging")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);  // one value per -i, so targets may follow
  cmd->add_flag("--no-cache", given->no_cache, "Run every task; read and write no cache");
  cmd->add_flag("--explain", given->report.explain,
                "For each cache miss, list everything that changed since the last run");
  cmd->add_option(
         "--remote-cache", given->remote_cache,
         "Also use the HTTP cache at URL (/ac and /cas, as bazel-remote or nginx "
         "WebDAV serve them); default $TASKR_REMOTE_CACHE, token $TASKR_REMOTE_CACHE_TOKEN")
      ->type_name("URL");
  cmd->add_flag("--remote-cache-read-only", given->remote_read_only,
                "Read the remote cache but never write it (automatic for pull_request events)");
  cmd->add_flag("--github", given->report.github,
                "Print for GitHub Actions: log groups, annotations, masks, $GITHUB_OUTPUT and "
                "the job summary (automatic when GITHUB_ACTIONS=true)");
  cmd->add_option("--summary", given->report.summary_file,
                  "Also write the job summary (markdown) to FILE")
      ->type_name("FILE");
  cmd->add_option("--sarif", given->report.sarif_file,
                  "Also write the SARIF 2.1.0 findings to FILE")
      ->type_name("FILE");
  cmd->footer(
      "Every run writes .taskr/runs/<id>/: summary.md, results.sarif, report.json, trace.json\n"
      "and one log per task (.taskr/runs/latest points at the last run).\n\n"
      "Examples:\n"
      "  taskr run ci\n"
      "  taskr run ci --summary summary.md --sarif results.sarif\n"
      "  taskr run deploy --input environment=production\n"
      "  taskr run 'scan[service=api]' --jobs 4 --keep-going\n"
      "  taskr run ci --dry-run");
  return [&global, given] { return Run(global, *given); };
}

}  // namespace taskr
