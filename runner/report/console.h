// ConsoleReporter prints a run for a person: one line per finished task, a
// live status line of running tasks on a terminal, and at the end the log
// tails of failed tasks (root causes first) and a one-line summary.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "runner/exec/reporter.h"

namespace taskr {

/// ConsoleStyle says how the console may draw.
struct ConsoleStyle {
  bool live = false;    // a terminal: redraw a status line of running tasks
  bool color = false;   // ANSI colours (off with NO_COLOR or off a terminal)
  int tail_lines = 20;  // lines of a failed task's log shown at the end
};

/// ConsoleReporter writes to `out` (normally stdout).
class ConsoleReporter : public Reporter {
 public:
  ConsoleReporter(std::FILE* out, ConsoleStyle style) : out_(out), style_(style) {}

  void RunStarted(const RunInfo& info) override;
  void TaskStarted(NodeId node, int attempt) override;
  void TaskRetrying(NodeId node, const TaskResult& result, Clock::duration delay) override;
  void TaskFinished(NodeId node, const TaskResult& result) override;
  void Notice(std::string_view message) override;
  void Tick() override;
  void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) override;
  /// set_explain lists every change behind each cache miss, not just the first.
  void set_explain(bool explain) { explain_ = explain; }

 private:
  void ClearStatus();
  void PrintFailureTails(const std::vector<TaskResult>& results);
  std::string Paint(std::string_view text, const char* code) const;

  std::FILE* out_;
  ConsoleStyle style_;
  RunInfo info_;
  std::map<NodeId, Clock::time_point> running_;
  size_t finished_ = 0;
  size_t total_ = 0;
  size_t id_width_ = 0;
  bool status_shown_ = false;
  bool explain_ = false;
  size_t cached_ = 0;
};

/// FormatDuration renders "0.4s", "12.3s", "2m05s" or "1h02m".
std::string FormatDuration(Clock::duration d);

/// ResultLine is how a finished task is described to a person.
struct ResultLine {
  std::string label;     // "ok", "cached", "FAILED", "allowed", "skipped" or "cancelled"
  std::string duration;  // "" for a task that did not run or came from the cache
  std::string detail;    // why it failed or was skipped, attempts, why the cache missed
};

/// DescribeResult describes `r`; `explain` leaves out the "(+N more)" of cache misses.
ResultLine DescribeResult(const TaskResult& r, bool explain);

/// DescribeTotals renders "3 succeeded, 1 failed, 0 skipped (2 from the cache) in 4.1s".
std::string DescribeTotals(const RunTotals& totals, size_t cached);

}  // namespace taskr
