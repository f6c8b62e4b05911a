// PluginRegistry finds plugins and reads their manifests. A plugin named
// NAME is the library taskr-NAME.so, found in (later places win):
//   1. the plugins folders beside the taskr binary: <bin>/plugins and <bin>/../lib/taskr/plugins;
//   2. the folders in $TASKR_PLUGIN_PATH (colon-separated, later folders win);
//   3. the [plugins] table of pipeline.toml, which names a file and may pin its sha256.
// Manifests are read by a worker process (`taskr __worker manifest`), so no
// plugin code runs in this process.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/base/status.h"
#include "runner/git/git_info.h"
#include "runner/model/diagnostic.h"
#include "runner/model/pipeline.h"
#include "runner/model/value.h"

namespace taskr {

/// PluginAction is one action of a plugin's manifest.
struct PluginAction {
  std::string name;
  std::string description;
  bool pure = true;  // cacheable; false: an effect, never cached
  Value params;      // JSON Schema of `with`
  std::vector<std::pair<std::string, std::string>> outputs;  // name, description
};

/// PluginManifest is what a plugin says about itself.
struct PluginManifest {
  std::string name;
  std::string version;
  std::string description;
  std::string default_action;
  std::vector<PluginAction> actions;
  bool tool_identity = false;  // the plugin adds its tools' identity to cache keys
  /// FindAction returns the action `name` ("" means the default), or nullptr.
  const PluginAction* FindAction(std::string_view name) const;
};

/// PluginEntry is where a plugin was found.
struct PluginEntry {
  std::string name;
  std::string path;    // absolute
  std::string source;  // "beside taskr", "TASKR_PLUGIN_PATH" or "pipeline.toml"
  std::string sha256;  // pin from pipeline.toml; "" when none
  SourceLoc loc;       // of the [plugins] entry
};

/// PluginRegistry knows the plugins of one taskr invocation.
class PluginRegistry {
 public:
  /// Discover lists the plugins visible to `pipeline` (may be null), with
  /// `self` the path of the running taskr binary.
  static PluginRegistry Discover(const Pipeline* pipeline, const std::string& self,
                                 const EnvLookup& env);

  /// entries lists every plugin found, by name.
  const std::map<std::string, PluginEntry>& entries() const { return entries_; }
  /// Find returns the entry for `name`, or nullptr.
  const PluginEntry* Find(std::string_view name) const;
  /// Manifest loads the manifest of `name` once (checking a sha256 pin first).
  Result<const PluginManifest*> Manifest(std::string_view name);
  /// searched describes where plugins were looked for, for error messages.
  const std::vector<std::string>& searched() const { return searched_; }
  /// WorkerCommand is the command line that runs a worker in `mode`:
  /// taskr-worker beside taskr, or `taskr __worker` when it is missing.
  std::vector<std::string> WorkerCommand(std::vector<std::string> mode) const;

 private:
  std::string self_;
  std::map<std::string, PluginEntry> entries_;
  std::vector<std::string> searched_;
  std::map<std::string, std::unique_ptr<PluginManifest>, std::less<>> manifests_;
};

/// SplitUses splits "plugin.action" into its parts; the action may be "".
std::pair<std::string, std::string> SplitUses(std::string_view uses);

/// CheckPluginTasks checks every `uses` task of `pipeline`: the plugin exists
/// and loads, its pin matches, the action exists, and `with` fits the action's
/// schema. Errors point at the TOML line and column.
void CheckPluginTasks(const Pipeline& pipeline, PluginRegistry& registry,
                      std::vector<Diagnostic>* errors);

/// FormatSchemaPath renders {"files", "2"} as "with.files[2]".
std::string FormatSchemaPath(const std::vector<std::string>& path);

/// SelfExecutable returns the path of the running binary.
std::string SelfExecutable();

}  // namespace taskr
