// Findings are what scanners and checks report: vulnerabilities, misconfigured
// files, leaked secrets. A finding is a Value object shaped like taskr_finding
// (see TaskResult::findings); these helpers read and rank them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runner/core/task_result.h"
#include "runner/graph/graph.h"

namespace taskr {

/// FindingView reads the fields of one finding.
struct FindingView {
  const Value* v = nullptr;

  std::string Text(std::string_view key) const;
  uint32_t Number(std::string_view key) const;
  /// Level is "error", "warning" or "note" (SARIF levels; "warning" when unset).
  std::string Level() const;
  /// SecuritySeverity is a CVSS-like 0-10 score, negative when not a security finding.
  double SecuritySeverity() const;
  /// Severity is "critical", "high", "medium" or "low" for a security finding
  /// (GitHub's bands of security-severity), else the level.
  std::string Severity() const;
  /// Rank orders findings, most severe first: by level, then security severity.
  double Rank() const;
};

/// RankedFinding is one finding of a run and the task that reported it.
struct RankedFinding {
  NodeId node;
  FindingView finding;
};

/// RankFindings lists every finding of the selected tasks, most severe first;
/// ties keep the run's order.
std::vector<RankedFinding> RankFindings(const Selection& selection,
                                        const std::vector<TaskResult>& results);

/// kSeverityOrder lists the severities from most to least severe.
inline constexpr std::string_view kSeverityOrder[] = {"critical", "high", "error", "medium",
                                                      "warning",  "low",  "note"};

/// RootCauseOrder lists the failed tasks (not allowed to fail) with root causes
/// first, those whose failure nothing upstream explains; `downstream` marks the rest.
std::vector<NodeId> RootCauseOrder(const Graph& graph, const Selection& selection,
                                   const std::vector<TaskResult>& results,
                                   std::vector<bool>* downstream);

}  // namespace taskr
