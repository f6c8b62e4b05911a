// trace.json puts a run on a timeline in the Chrome trace event format, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open: one lane per job slot
// with a bar per attempt, and one lane for the tasks the cache restored.
// docs/report-schema.md describes the file.
//
//   TraceWriter trace(run_dir / "trace.json");
//   reporters.Add(&trace);  // writes the file when the run finishes
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/report/reporter.h"

namespace taskr {

/// BuildTrace renders trace.json for a finished run, with every secret value
/// masked. Bars in one lane never overlap.
std::string BuildTrace(const RunInfo& info, const RunTotals& totals,
                       const std::vector<TaskResult>& results);

/// TraceWriter writes trace.json to `path` when the run finishes; a file it
/// cannot write is a warning on stderr, not a failure of the run.
class TraceWriter : public Reporter {
 public:
  explicit TraceWriter(std::filesystem::path path) : path_(std::move(path)) {}
  void RunStarted(const RunInfo& info) override { info_ = info; }
  void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) override;

 private:
  std::filesystem::path path_;
  RunInfo info_;
};

}  // namespace taskr
