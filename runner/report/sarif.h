// SARIF 2.1.0 for GitHub code scanning: taskr turns the findings of a run into
// one SARIF log, merging the SARIF files that `run` tasks declare (reading
// their findings is exec/sarif_import.h's).
//
//   std::vector<std::string> warnings;  // what GitHub's limits left out
//   std::string log = BuildSarif(info, results, SarifLimits{}, &warnings);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/status.h"
#include "runner/exec/reporter.h"

namespace taskr {

/// SarifLimits are GitHub's limits on an uploaded SARIF file.
struct SarifLimits {
  size_t runs = 20;
  size_t results_per_run = 25'000;
  size_t rules_per_run = 25'000;
  size_t locations_per_result = 1'000;
  size_t tags_per_rule = 20;
  size_t gzip_bytes = 10 * 1000 * 1000;
};

/// BuildSarif writes the SARIF log of a run: one run per task and tool with its
/// own automationDetails category, and the runs of each declared SARIF file
/// (once each). Whatever GitHub's limits leave out is named in `warnings`.
std::string BuildSarif(const RunInfo& info, const std::vector<TaskResult>& results,
                       const SarifLimits& limits, std::vector<std::string>* warnings);

}  // namespace taskr
