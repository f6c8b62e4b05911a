// The job summary section of a trivy scan: counts by severity and the most
// severe findings with their installed and fixed versions.
//
//   ctx.AppendSummary(SummaryMarkdown("**trivy.fs** `src`", report, counts,
//                                     ".taskr/runs/latest/trivy/scan.json"));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "report.h"

namespace taskr::trivy {

/// kSummaryFindings is how many findings the summary lists.
inline constexpr size_t kSummaryFindings = 10;

/// SummaryMarkdown renders the section. `heading` is markdown that names the
/// scan; `report_path` is where the whole JSON report is.
std::string SummaryMarkdown(std::string_view heading, const Report& report,
                            const SeverityCounts& counts, std::string_view report_path);

}  // namespace taskr::trivy
