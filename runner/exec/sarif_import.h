// Reading the SARIF file a `run` task declares (`sarif = "out.sarif"`): its
// results become the task's findings, for annotations and the job summary.
// Writing SARIF is report/sarif.h's.
//
//   Result<std::vector<Value>> findings = FindingsFromSarif(text);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runner/base/status.h"
#include "runner/model/value.h"

namespace taskr {

/// FindingsFromSarif turns the results of a SARIF log into findings
/// ("source": "sarif", "tool": the driver's name), for the summary and annotations.
Result<std::vector<Value>> FindingsFromSarif(std::string_view text);

/// PercentDecode undoes the percent-encoding of a SARIF artifact URI.
std::string PercentDecode(std::string_view s);

}  // namespace taskr
