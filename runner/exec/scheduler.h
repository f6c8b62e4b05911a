// Scheduler runs a Selection: tasks start as soon as their needs are done, at
// most `jobs` at a time, on one EventLoop. It decides `if` conditions, applies
// fail-fast or keep-going, timeouts, retries and concurrency groups, and turns
// Ctrl-C into a clean stop of every child.
//
//   Scheduler s(pipeline, graph, selection, contexts, options, reporter);
//   int exit_code = s.Run();  // 0, 1 or 130
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "runner/core/task_result.h"
#include "runner/exec/contexts.h"
#include "runner/exec/reporter.h"
#include "runner/graph/graph.h"

namespace taskr {

class PluginRegistry;
class TaskCache;

/// RunOptions tune one run.
struct RunOptions {
  int jobs = 1;
  bool keep_going = false;
  /// kill_grace is how long a child gets between SIGTERM and SIGKILL.
  std::chrono::milliseconds kill_grace{5000};
  /// run_dir is .taskr/runs/<id>: logs/ and out/ are created inside it.
  std::filesystem::path run_dir;
  /// lock_dir holds the concurrency group lock files (.taskr/locks).
  std::filesystem::path lock_dir;
  /// ticks sends Reporter::Tick about ten times a second (for a live console).
  bool ticks = false;
  /// plugins runs `uses` tasks; null: such tasks fail.
  PluginRegistry* plugins = nullptr;
  /// cache stores and restores cacheable tasks; null: nothing is cached.
  TaskCache* cache = nullptr;
};

/// Scheduler executes one Selection once.
class Scheduler {
 public:
  Scheduler(const Pipeline& pipeline, const Graph& graph, const Selection& selection,
            const Contexts& contexts, RunOptions options, Reporter& reporter);
  ~Scheduler();

  /// Run executes the selection and returns the exit code: 0 when every task
  /// succeeded or was allowed to fail, 1 when one failed, 130 when interrupted.
  int Run();
  /// results holds every node's outcome, indexed by NodeId (unselected: pending).
  const std::vector<TaskResult>& results() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace taskr
