// The job summary: one markdown page about a run, for GitHub's
// $GITHUB_STEP_SUMMARY, `--summary FILE` and .taskr/runs/<id>/summary.md.
//
//   SummaryReporter summary(options);
//   reporters.Add(&summary);  // writes the page when the run finishes
//
// GitHub drops a summary larger than 1 MiB entirely, so the page keeps its own
// budget: when it would not fit, whole sections step down to a shorter form or
// are left out (with a note saying so), and the status line and the failures
// always stay.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/exec/reporter.h"
#include "runner/git/git_info.h"

namespace taskr {

/// kGitHubSummaryLimit is the largest step summary GitHub uploads.
inline constexpr size_t kGitHubSummaryLimit = 1024 * 1024;

/// SummaryOptions say where the page goes.
struct SummaryOptions {
  std::vector<std::filesystem::path> files;         // written whole
  std::filesystem::path append_to;                  // $GITHUB_STEP_SUMMARY: appended; empty: none
  size_t budget = kGitHubSummaryLimit - 16 * 1024;  // room for GitHub's own masking
  EnvLookup env;                                    // GITHUB_SERVER_URL and friends
};

/// RenderSummary builds the markdown page of a finished run within `budget` bytes.
std::string RenderSummary(const RunInfo& info, const RunTotals& totals,
                          const std::vector<TaskResult>& results, const EnvLookup& env,
                          size_t budget);

/// SummaryReporter writes the page when the run finishes.
class SummaryReporter : public Reporter {
 public:
  explicit SummaryReporter(SummaryOptions options) : options_(std::move(options)) {}
  void RunStarted(const RunInfo& info) override { info_ = info; }
  void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) override;

 private:
  SummaryOptions options_;
  RunInfo info_;
};

}  // namespace taskr
