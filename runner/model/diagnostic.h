// Diagnostic is an error in a file, reported the way compilers do:
//   pipeline.toml:12:3: error: unknown key 'neds' in [tasks.test]; did you mean 'needs'?
//      12 | neds = ["build"]
//         |   ^
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runner/model/pipeline.h"

namespace taskr {

/// Diagnostic is one error with its place in a file.
struct Diagnostic {
  std::string file;
  SourceLoc loc;
  std::string message;
};

/// FormatDiagnostic renders `d` as "file:line:col: error: message", followed by
/// the source line and a caret under the column when `source` has that line.
std::string FormatDiagnostic(const Diagnostic& d, std::string_view source);

/// ClosestMatch returns the candidate nearest to `word` by edit distance when it
/// is close enough to be a likely typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

/// DidYouMean is "; did you mean 'x'?" for the candidate nearest `word`, or ""
/// when none is close: the tail of an error message.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace taskr
