// PluginTasks prepares `uses` tasks for the plugin worker: it renders `with`,
// applies the action's defaults, checks them against the action's schema and
// writes the worker's request; it asks a worker for the action's tool identity
// and explains how a worker ended.
//
//   PluginTasks plugins(registry, contexts, workspace);
//   Result<PluginCall> call = plugins.Prepare(spec, scope);
//   spawn.argv = plugins.WorkerCommand("run");
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runner/base/status.h"
#include "runner/os/subprocess.h"

namespace taskr {

class Contexts;
class PluginRegistry;
class TaskScope;
struct TaskSpec;

/// PluginCall is one `uses` task, ready for a worker.
struct PluginCall {
  std::string plugin;   // the plugin's name; "" for a `run` task
  std::string version;  // the plugin's version, from its manifest
  std::string request;  // the worker's request (JSON)
  bool effect = false;  // an effect, or a pure action made one by an x-taskr-effect parameter
  bool tool_identity = false;  // the plugin can name its tools for the cache key
  /// key_facts go into the cache key: plugin@version, its digest, action, params.
  std::vector<std::pair<std::string, std::string>> key_facts;
};

/// PluginTasks prepares the plugin calls of one run.
class PluginTasks {
 public:
  /// `registry` may be null: then every `uses` task fails to prepare.
  PluginTasks(PluginRegistry* registry, const Contexts& contexts, std::string workspace)
      : registry_(registry), contexts_(contexts), workspace_(std::move(workspace)) {}

  /// Prepare renders and checks the task's `with` and writes the request.
  /// Errors name the plugin, the action or the parameter at fault.
  Result<PluginCall> Prepare(const TaskSpec& spec, const TaskScope& scope);
  /// WorkerCommand is the command line of a worker in `mode` ("run", "identity").
  std::vector<std::string> WorkerCommand(const std::string& mode) const;
  /// ToolIdentity asks a worker, in the task's environment `env` (so its PATH
  /// finds the same tools), which tools and versions the action would use.
  Result<std::string> ToolIdentity(const PluginCall& call, std::vector<std::string> env) const;

 private:
  PluginRegistry* registry_;
  const Contexts& contexts_;
  std::string workspace_;
  std::map<std::string, std::string> digests_;  // plugin path -> sha256, computed once
};

/// PluginFailure explains how a worker for plugin `name` ended; "" when its
/// action succeeded. `done` says the worker reported the action finished,
/// `error` is the last error it reported.
std::string PluginFailure(const std::string& name, ExitStatus status, bool done,
                          const std::string& error);

}  // namespace taskr
