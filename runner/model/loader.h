// LoadPipeline reads and validates pipeline.toml.
//
//   LoadResult r = LoadPipeline("pipeline.toml");
//   if (!r.errors.empty()) { print each with FormatDiagnostic(e, r.source); exit 2; }
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/model/diagnostic.h"
#include "runner/model/pipeline.h"

namespace taskr {

/// LoadResult is a pipeline, or the errors that stopped it.
struct LoadResult {
  std::optional<Pipeline> pipeline;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  std::string source;  // the file's text, for printing diagnostics
};

/// LoadPipeline reads `file` and validates it.
LoadResult LoadPipeline(const std::filesystem::path& file);

/// ParsePipeline validates `text` as if read from `file_name` (tests use it).
LoadResult ParsePipeline(std::string text, const std::filesystem::path& file_name);

/// ParseDuration reads "90s", "10m", "1h30m", "500ms" or a bare number of seconds.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace taskr
