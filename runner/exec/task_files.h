// TaskFiles are the files of one run that belong to its tasks: each task's log,
// and what a task writes for taskr to read back when it ends ($TASKR_OUTPUT,
// $TASKR_SUMMARY, a declared SARIF file). Values read back are masked.
//
//   TaskFiles files(run_dir, workspace, contexts);
//   Result<ValueObject> outputs = files.ReadOutputs(id);
//   files.RemoveWritten(id);  // the task wrote them unmasked
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/status.h"
#include "runner/graph/graph.h"
#include "runner/model/value.h"

namespace taskr {

class Contexts;

/// TaskFiles knows where a run keeps its tasks' files and how to read them.
class TaskFiles {
 public:
  TaskFiles(std::filesystem::path run_dir, std::filesystem::path workspace,
            const Contexts& contexts)
      : run_dir_(std::move(run_dir)), workspace_(std::move(workspace)), contexts_(contexts) {}

  /// CreateFolders makes <run_dir>/logs and <run_dir>/out.
  Status CreateFolders() const;
  /// LogPath is where the log of the task instance `task_id` goes: logs/<id>.log.
  std::string LogPath(std::string_view task_id) const;
  /// OutputPath is the task's $TASKR_OUTPUT: out/<node>.out.
  std::filesystem::path OutputPath(NodeId id) const;
  /// SummaryPath is the task's $TASKR_SUMMARY: out/<node>.md.
  std::filesystem::path SummaryPath(NodeId id) const;

  /// ReadOutputs parses $TASKR_OUTPUT with string values masked; empty when the
  /// task wrote none, an error when the file is malformed.
  Result<ValueObject> ReadOutputs(NodeId id) const;
  /// ReadSummary is the masked markdown in $TASKR_SUMMARY, nullopt when there is none.
  std::optional<std::string> ReadSummary(NodeId id) const;
  /// ReadSarif reads the findings of a declared SARIF file (workspace-relative).
  /// A file that was not written is an error: it fails a task that otherwise succeeded.
  Result<std::vector<Value>> ReadSarif(const std::string& sarif_path) const;
  /// RemoveWritten deletes $TASKR_OUTPUT and $TASKR_SUMMARY: the task wrote
  /// them unmasked, and the run folder keeps no copy of a secret.
  void RemoveWritten(NodeId id) const;

 private:
  std::filesystem::path run_dir_;
  std::filesystem::path workspace_;
  const Contexts& contexts_;
};

}  // namespace taskr
