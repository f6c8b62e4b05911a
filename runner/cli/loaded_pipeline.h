// The pieces that several subcommands need: a pipeline.toml loaded and checked
// (with its graph and plugins), the plugins visible from here, and the task
// cache of a run.
//
//   std::optional<LoadedPipeline> loaded = LoadForCommand(global);
//   if (!loaded) return kExitUsage;  // the errors are printed
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runner/cli/command.h"
#include "runner/graph/graph.h"
#include "runner/model/pipeline.h"
#include "runner/plugins/plugin_registry.h"

namespace taskr {

class Contexts;
class TaskCache;

/// LoadedPipeline is a pipeline that passed every load-time check.
struct LoadedPipeline {
  Pipeline pipeline;
  Graph graph;
  PluginRegistry plugins;
};

/// LoadForCommand finds and loads pipeline.toml (-f, or the nearest one),
/// builds its graph and checks its plugin tasks. On errors it prints each one
/// with file:line:col, then how many there were, and returns nullopt.
std::optional<LoadedPipeline> LoadForCommand(const GlobalOptions& global);

/// VisiblePlugins finds the plugins visible here: with a pipeline.toml that
/// loads, its [plugins] too (kept in `pipeline`); without one, only the
/// installed ones and TASKR_PLUGIN_PATH.
PluginRegistry VisiblePlugins(const GlobalOptions& global, std::optional<Pipeline>* pipeline);

/// CacheChoice is what the command line says about caching.
struct CacheChoice {
  bool enabled = true;
  std::string remote_url;  // "" : $TASKR_REMOTE_CACHE
  bool remote_read_only = false;
};

/// OpenCache sets up caching for a run, or says why it cannot; a cache that
/// cannot be opened costs a warning, never the run. Null when caching is off.
std::unique_ptr<TaskCache> OpenCache(const CacheChoice& choice, const Pipeline& pipeline,
                                     const Contexts& contexts);

}  // namespace taskr
