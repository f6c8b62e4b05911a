// trace.json puts a run on a timeline in the Chrome trace event format, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open: one lane per job slot
// with a bar per attempt, and one lane for the tasks the cache restored.
// docs/report-schema.md describes the file.
//
//   std::string json = BuildTrace(info, totals, results);  // see RunFileWriter
//   reporters.Add(&trace);  // writes the file when the run finishes
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/exec/reporter.h"

namespace taskr {

/// BuildTrace renders trace.json for a finished run, with every secret value
/// masked. Bars in one lane never overlap.
std::string BuildTrace(const RunInfo& info, const RunTotals& totals,
                       const std::vector<TaskResult>& results);

}  // namespace taskr
