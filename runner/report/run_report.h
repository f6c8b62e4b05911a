// report.json is the machine-readable record of a run: what ran, in which
// slot, for how long, what came of it and what it produced. Its schema is
// documented in docs/report-schema.md.
//
//   std::string json = BuildRunReport(info, totals, results);  // see RunFileWriter
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/exec/reporter.h"

namespace taskr {

/// kRunReportVersion is report.json's schema version. Adding a field keeps it;
/// removing a field or changing what one means bumps it.
inline constexpr int kRunReportVersion = 1;

/// RunId is the name of the run's folder (`.taskr/runs/<id>`), "run" when it has none.
std::string RunId(const RunInfo& info);

/// RunStatus is "success", "failure" or "interrupted".
const char* RunStatus(const RunTotals& totals);

/// CacheUseName is "hit", "miss" or "none".
const char* CacheUseName(CacheUse use);

/// BuildRunReport renders report.json for a finished run, with every secret
/// value masked (also where JSON escaping would change its spelling).
std::string BuildRunReport(const RunInfo& info, const RunTotals& totals,
                           const std::vector<TaskResult>& results);

}  // namespace taskr
