// RunReporters are the outputs of one run, as the command line and the
// environment choose them: the console (live on a TTY) or GitHub's workflow
// commands, the job summary, results.sarif, report.json and trace.json.
//
//   RunReporters reporters(choice, pipeline.root, run_dir, contexts);
//   Scheduler scheduler(..., reporters.all());
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "runner/exec/reporter.h"

namespace taskr {

class Contexts;

/// ReportChoice is what the command line says about a run's outputs.
struct ReportChoice {
  bool github = false;       // --github, or GITHUB_ACTIONS=true
  bool explain = false;      // --explain: every cache miss says what changed
  std::string summary_file;  // --summary: another copy of the job summary
  std::string sarif_file;    // --sarif: another copy of results.sarif
};

/// RunReporters owns the reporters of one run.
class RunReporters {
 public:
  /// The constructor prints GitHub's ::add-mask:: commands first in GitHub mode,
  /// before anything could show a secret.
  RunReporters(const ReportChoice& choice, const std::filesystem::path& workspace,
               const std::filesystem::path& run_dir, const Contexts& contexts);
  ~RunReporters();

  /// all fans every event out to each reporter.
  Reporter& all();
  /// live tells whether something on the terminal wants Reporter::Tick.
  bool live() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace taskr
