// LoadPlugin opens a plugin library and checks it against the ABI before any
// of its actions may run: the entry symbol, the ABI version, the table's size
// and that every declared capability has its function. Only the worker
// process calls it (see worker.h); the scheduler never loads plugin code.
#pragma once

#include <memory>
#include <string>

#include "runner/base/status.h"
#include "sdk/include/taskr/plugin_api.h"

namespace taskr {

/// LoadedPlugin keeps a plugin library loaded and exposes its checked table.
class LoadedPlugin {
 public:
  virtual ~LoadedPlugin() = default;
  /// table is the plugin's function table, valid while this object lives.
  virtual const taskr_plugin& table() const = 0;
};

/// LoadPlugin loads the library at `path` (symbols resolved at once) and
/// checks its table; errors say what is wrong and what taskr expected.
Result<std::unique_ptr<LoadedPlugin>> LoadPlugin(const std::string& path);

}  // namespace taskr
