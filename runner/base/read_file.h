// ReadFile reads a whole file into a string.
#pragma once

#include <filesystem>
#include <string>

namespace taskr {

/// ReadFile returns the contents of `path`; `exists` is set to whether the
/// file could be opened (an unreadable file reads as "").
std::string ReadFile(const std::filesystem::path& path, bool* exists);

}  // namespace taskr
