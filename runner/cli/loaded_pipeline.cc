#include "runner/cli/loaded_pipeline.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "runner/cache/task_cache.h"
#include "runner/cli/workspace.h"
#include "runner/exec/contexts.h"
#include "runner/model/loader.h"

namespace taskr {
namespace {

// SortByPosition orders diagnostics as they stand in the file.
void SortByPosition(std::vector<Diagnostic>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.loc.line, a.loc.column) < std::pair(b.loc.line, b.loc.column);
  });
}

// PrintErrors prints each diagnostic, then the count; true when there were any.
bool PrintErrors(std::vector<Diagnostic>& errors, const std::string& source,
                 const std::filesystem::path& file) {
  SortByPosition(errors);
  if (errors.empty()) return false;
  for (const auto& e : errors) fmt::print(stderr, "{}", FormatDiagnostic(e, source));
  fmt::print(stderr, "taskr: {} error{} in {}; nothing was run\n", errors.size(),
             errors.size() == 1 ? "" : "s", file.string());
  return true;
}

}  // namespace

std::optional<LoadedPipeline> LoadForCommand(const GlobalOptions& global) {
  Result<std::filesystem::path> file = FindPipelineFile(global.file);
  if (!file.ok()) {
    fmt::print(stderr, "taskr: {}\n", file.status().message());
    return std::nullopt;
  }
  LoadResult r = LoadPipeline(*file);
  std::vector<Diagnostic> errors = std::move(r.errors);
  // A first build only checks the graph: it points into the pipeline's tasks,
  // so the one kept is built after the pipeline has moved.
  if (errors.empty()) (void)Graph::Build(*r.pipeline, &errors);
  if (PrintErrors(errors, r.source, *file)) return std::nullopt;
  LoadedPipeline loaded{std::move(*r.pipeline), Graph(), PluginRegistry()};
  std::vector<Diagnostic> again;
  loaded.graph = std::move(*Graph::Build(loaded.pipeline, &again));
  loaded.plugins = PluginRegistry::Discover(&loaded.pipeline, SelfExecutable(), ProcessEnv);
  CheckPluginTasks(loaded.pipeline, loaded.plugins, &errors);
  if (PrintErrors(errors, r.source, *file)) return std::nullopt;
  return loaded;
}

PluginRegistry VisiblePlugins(const GlobalOptions& global, std::optional<Pipeline>* pipeline) {
  Result<std::filesystem::path> file = FindPipelineFile(global.file);
  if (file.ok()) {
    LoadResult r = LoadPipeline(*file);
    if (r.errors.empty()) *pipeline = std::move(r.pipeline);
  }
  return PluginRegistry::Discover(pipeline->has_value() ? &**pipeline : nullptr, SelfExecutable(),
                                  ProcessEnv);
}

std::unique_ptr<TaskCache> OpenCache(const CacheChoice& choice, const Pipeline& pipeline,
                                     const Contexts& contexts) {
  if (!choice.enabled) return nullptr;
  CacheOptions options;
  options.store_dir = LocalStore::DefaultDir(ProcessEnv);
  options.workspace = pipeline.root;
  options.secrets = contexts.SecretValues();
  std::string url =
      choice.remote_url.empty() ? ProcessEnv("TASKR_REMOTE_CACHE").value_or("") : choice.remote_url;
  if (!url.empty()) {
    RemoteOptions remote;
    remote.url = url;
    remote.token = ProcessEnv("TASKR_REMOTE_CACHE_TOKEN").value_or("");
    // Pull requests may come from forks: they read the shared cache but never write it.
    bool pull_request = ProcessEnv("GITHUB_EVENT_NAME").value_or("").starts_with("pull_request");
    remote.read_only = choice.remote_read_only || pull_request ||
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

}  // namespace taskr
