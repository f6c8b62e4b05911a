// Where a run lives on disk: finding pipeline.toml, and the .taskr/runs/<id>
// folder that keeps each run's logs and outputs.
#pragma once

#include <filesystem>
#include <string>

#include "runner/base/status.h"

namespace taskr {

/// FindPipelineFile returns `explicit_file` when given (it must exist), else
/// the nearest pipeline.toml in the current directory or one above it.
Result<std::filesystem::path> FindPipelineFile(const std::string& explicit_file);

/// CreateRunDir makes <root>/.taskr/runs/<id> for a new run, points
/// .taskr/runs/latest at it, and removes all but the newest kKeptRuns runs.
Result<std::filesystem::path> CreateRunDir(const std::filesystem::path& root);

/// kKeptRuns is how many run folders are kept under .taskr/runs.
inline constexpr size_t kKeptRuns = 20;

}  // namespace taskr
