// The cache's part in a task's life. Before a cacheable task runs, LookUpTask
// computes its key from the facts the scheduler gathered and looks it up; a
// hit is restored into the workspace. After the task succeeded, StoreTask
// keeps what it produced.
//
//   Result<CacheLookup> found = LookUpTask(cache, node, scope, facts, tool, notice);
//   if (found->hit) { apply it; } else { run; StoreTask(cache, *found, result, notice); }
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runner/base/status.h"
#include "runner/cache/task_cache.h"

namespace taskr {

class TaskScope;

/// TaskKeyFacts is what the scheduler knows of a task for its key, beyond its files.
struct TaskKeyFacts {
  std::vector<std::pair<std::string, std::string>> command;    // script or plugin call, cwd
  std::vector<std::pair<std::string, std::string>> env;        // [env], then the task's env
  std::vector<std::pair<std::string, std::string>> need_keys;  // need id, NeedKey
  std::string sarif_path;  // a declared SARIF file, stored as an output
  /// tool_identity, when set, names the plugin's tools (a failure fails the task).
  std::function<Result<std::string>()> tool_identity;
};

/// CacheLookup is what looking a task up came to.
struct CacheLookup {
  std::string key;
  std::optional<CacheEntry> hit;          // restored: the task does not run
  std::vector<std::string> changes;       // on a miss: what changed since the last record
  std::unique_ptr<CacheRequest> request;  // on a miss: what StoreTask needs
  std::unique_ptr<KeyRecord> record;
};

/// LookUpTask renders the task's inputs and outputs, computes its key, and
/// looks it up; a hit is restored before it is returned (one that cannot be
/// restored is reported to `notice` and taken as a miss). Errors fail the task.
Result<CacheLookup> LookUpTask(TaskCache& cache, const TaskNode& node, const TaskScope& scope,
                               TaskKeyFacts facts, const std::function<void(std::string)>& notice);

/// StoreTask stores a successful run with its log; an error (a declared output
/// that is missing) fails the task, trouble storing it is only a notice.
Status StoreTask(TaskCache& cache, const CacheLookup& miss, const TaskResult& result,
                 const std::function<void(std::string)>& notice);

/// NeedKey is what a dependent's key records for a need: its own key, or for
/// a task that is not cached, a digest of the outputs it passed on.
std::string NeedKey(const TaskResult& need);

}  // namespace taskr
