#include "runner/cli/run_reporters.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "runner/exec/contexts.h"
#include "runner/model/loader.h"
#include "runner/report/console.h"
#include "runner/report/github.h"
#include "runner/report/run_file_writer.h"
#include "runner/report/run_report.h"
#include "runner/report/sarif.h"
#include "runner/report/summary.h"
#include "runner/report/trace.h"

namespace taskr {

struct RunReporters::Impl {
  bool tty = false;
  bool github = false;
  std::optional<GitHubConsole> github_console;
  std::optional<ConsoleReporter> console;
  std::optional<SummaryReporter> summary;
  std::optional<RunFileWriter> sarif, report, trace;
  ReporterList list;
};

RunReporters::RunReporters(const ReportChoice& choice, const std::filesystem::path& workspace,
                           const std::filesystem::path& run_dir, const Contexts& contexts)
    : impl_(std::make_unique<Impl>()) {
  Impl& r = *impl_;
  r.tty = isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  bool color_allowed = !(no_color && *no_color);
  r.github = choice.github || ProcessEnv("GITHUB_ACTIONS").value_or("") == "true";
  if (r.github) {
    std::string masks = MaskCommands(contexts.Masker());
    std::fwrite(masks.data(), 1, masks.size(), stdout);
    std::fflush(stdout);
    GitHubOptions gh;
    gh.workspace = ProcessEnv("GITHUB_WORKSPACE").value_or(workspace.string());
    gh.output_file = ProcessEnv("GITHUB_OUTPUT").value_or("");
    gh.color = color_allowed;
    if (auto after = ProcessEnv("TASKR_STREAM_AFTER")) {
      if (auto parsed = ParseDuration(*after)) gh.stream_after = *parsed;
    }
    r.list.Add(&r.github_console.emplace(stdout, gh));
  } else {
    r.list.Add(
        &r.console.emplace(stdout, ConsoleStyle{.live = r.tty, .color = color_allowed && r.tty}));
    r.console->set_explain(choice.explain);
  }

  SummaryOptions summary;
  summary.files.push_back(run_dir / "summary.md");
  if (!choice.summary_file.empty()) summary.files.push_back(choice.summary_file);
  if (r.github) summary.append_to = ProcessEnv("GITHUB_STEP_SUMMARY").value_or("");
  summary.env = ProcessEnv;
  r.list.Add(&r.summary.emplace(summary));

  std::vector<std::filesystem::path> sarif_paths = {run_dir / "results.sarif"};
  if (!choice.sarif_file.empty()) sarif_paths.push_back(choice.sarif_file);
  r.list.Add(&r.sarif.emplace(
      sarif_paths, [](const RunInfo& info, const RunTotals&, const std::vector<TaskResult>& results,
                      std::vector<std::string>* warnings) {
        return BuildSarif(info, results, SarifLimits{}, warnings);
      }));
  r.list.Add(&r.report.emplace(
      std::vector<std::filesystem::path>{run_dir / "report.json"},
      [](const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results,
         std::vector<std::string>*) { return BuildRunReport(info, totals, results); }));
  r.list.Add(&r.trace.emplace(
      std::vector<std::filesystem::path>{run_dir / "trace.json"},
      [](const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results,
         std::vector<std::string>*) { return BuildTrace(info, totals, results); }));
}

RunReporters::~RunReporters() = default;

Reporter& RunReporters::all() { return impl_->list; }

bool RunReporters::live() const { return impl_->tty || impl_->github; }

}  // namespace taskr
