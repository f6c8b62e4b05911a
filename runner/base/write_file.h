// WriteFile replaces a file's contents so that readers see the old file or
// the new one, never half of it.
#pragma once

#include <filesystem>
#include <string_view>

#include "runner/base/status.h"

namespace taskr {

/// WriteFile writes `text` to a temporary file beside `path`, then renames it
/// over `path`, creating the parent folder. A full disk leaves `path` untouched.
[[nodiscard]] Status WriteFile(const std::filesystem::path& path, std::string_view text);

/// AppendFile appends `text` to `path`, creating it: GitHub's step files
/// ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) are appended to, never replaced.
[[nodiscard]] Status AppendFile(const std::filesystem::path& path, std::string_view text);

}  // namespace taskr
