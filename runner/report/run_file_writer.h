// RunFileWriter writes one file about a finished run: report.json,
// trace.json, results.sarif. What goes in the file is a function of the run;
// how it is written (atomically, to each path, a failure only a warning) is
// here, once.
//
//   RunFileWriter trace({run_dir / "trace.json"}, [](const RunInfo& i, const RunTotals& t,
//                       const std::vector<TaskResult>& r, std::vector<std::string>*) {
//     return BuildTrace(i, t, r);
//   });
//   reporters.Add(&trace);
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "runner/exec/reporter.h"

namespace taskr {

/// RunFileWriter writes a rendered file to each of its paths when the run
/// finishes. A file it cannot write, and every warning the render adds, is a
/// `taskr: warning:` line on stderr, never a failure of the run.
class RunFileWriter : public Reporter {
 public:
  /// Render returns the file's text; `warnings` collects what it had to leave out.
  using Render =
      std::function<std::string(const RunInfo&, const RunTotals&, const std::vector<TaskResult>&,
                                std::vector<std::string>* warnings)>;

  RunFileWriter(std::vector<std::filesystem::path> paths, Render render)
      : paths_(std::move(paths)), render_(std::move(render)) {}
  void RunStarted(const RunInfo& info) override { info_ = info; }
  void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) override;

 private:
  std::vector<std::filesystem::path> paths_;
  Render render_;
  RunInfo info_;
};

}  // namespace taskr
