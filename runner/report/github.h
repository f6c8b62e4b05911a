// GitHub Actions mode: what taskr prints when it is a workflow step.
//
// On stdout, one collapsible `::group::` per task (printed when it finishes,
// or streamed live while a long task runs alone), annotations for failures and
// findings within GitHub's caps, the failed tasks' logs again at the end; and
// task outputs in $GITHUB_OUTPUT. This file is the one place that knows
// GitHub's workflow-command escaping and the env-file format.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runner/base/secret_masker.h"
#include "runner/exec/reporter.h"
#include "runner/git/git_info.h"

namespace taskr {

/// EscapeData escapes a workflow command's message: % CR LF.
std::string EscapeData(std::string_view text);
/// EscapeProperty escapes a workflow command's property value: % CR LF : ,
std::string EscapeProperty(std::string_view text);

/// Annotation is one `::error`, `::warning` or `::notice` command.
struct Annotation {
  std::string type;  // "error", "warning" or "notice"
  std::string file;  // relative to GITHUB_WORKSPACE; empty: none
  uint32_t line = 0, column = 0;
  std::string title;
  std::string message;
};

/// FormatAnnotation renders one annotation command line (with its newline);
/// the message is cut to GitHub's 4096 characters.
std::string FormatAnnotation(const Annotation& a);

/// kAnnotationsPerType is how many annotations of each type GitHub keeps per step.
inline constexpr size_t kAnnotationsPerType = 10;

/// PlanAnnotations picks the annotations of a finished run: failed tasks first,
/// then findings that name a file, most severe first, at most `per_type` of each
/// type. `left_out` counts the findings that did not fit (they stay in the summary).
std::vector<Annotation> PlanAnnotations(const RunInfo& info, const std::vector<TaskResult>& results,
                                        const std::filesystem::path& workspace, size_t per_type,
                                        size_t* left_out);

/// MaskCommands are the `::add-mask::` lines for every secret pattern.
std::string MaskCommands(const SecretMasker& masker);

/// ExportedOutputs lists what goes to $GITHUB_OUTPUT: the outputs tasks export
/// (`export = [...]` or `export = true`) and `taskr_status`. A matrix instance's
/// output is named `<key>_<matrix values>`, e.g. `ref_api`.
std::vector<std::pair<std::string, std::string>> ExportedOutputs(
    const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results);

/// FormatOutputs renders name/value pairs in the env-file heredoc form, with a
/// random delimiter that appears in no name or value.
std::string FormatOutputs(const std::vector<std::pair<std::string, std::string>>& outputs);

/// GitHubOptions tune GitHubConsole.
struct GitHubOptions {
  std::filesystem::path workspace;                         // GITHUB_WORKSPACE, for annotation paths
  std::filesystem::path output_file;                       // $GITHUB_OUTPUT; empty: none
  Clock::duration stream_after = std::chrono::seconds(5);  // a lone task this long streams live
  size_t replay_lines = 200;  // lines of a failed task's log printed again at the end
  bool color = true;          // ANSI colours, which the Actions log shows (off with NO_COLOR)
};

/// GitHubConsole prints a run for the Actions log.
class GitHubConsole : public Reporter {
 public:
  GitHubConsole(std::FILE* out, GitHubOptions options) : out_(out), options_(std::move(options)) {}

  void RunStarted(const RunInfo& info) override;
  void TaskStarted(NodeId node, int attempt) override;
  void TaskOutput(NodeId node, std::string_view chunk) override;
  void TaskRetrying(NodeId node, const TaskResult& result, Clock::duration delay) override;
  void TaskFinished(NodeId node, const TaskResult& result) override;
  void Notice(std::string_view message) override;
  void Tick() override;
  void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) override;

 private:
  std::string Title(NodeId node, const TaskResult& r) const;
  void PrintGroup(NodeId node, const TaskResult& r);
  void PrintReplays(const std::vector<TaskResult>& results);
  void Write(std::string_view text);

  std::FILE* out_;
  GitHubOptions options_;
  RunInfo info_;
  std::map<NodeId, Clock::time_point> running_;
  std::map<NodeId, std::string> live_;  // output of running tasks, shown if one streams
  std::optional<NodeId> streaming_;     // the task whose group is open, printed live
  std::vector<std::pair<NodeId, TaskResult>> deferred_;  // finished while another streamed
  size_t cached_ = 0;
};

}  // namespace taskr
