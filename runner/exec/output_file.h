// ParseOutputFile reads what a task appended to $TASKR_OUTPUT, in the format
// of GitHub's $GITHUB_OUTPUT: `key=value` lines, or `key<<DELIM` followed by
// lines up to one exactly equal to DELIM.
#pragma once

#include <string_view>

#include "runner/base/status.h"
#include "runner/model/value.h"

namespace taskr {

/// ParseOutputFile parses `text`; a later key replaces an earlier one. Errors
/// name the line: a line with neither `=` nor `<<`, or a missing delimiter.
Result<ValueObject> ParseOutputFile(std::string_view text);

}  // namespace taskr
