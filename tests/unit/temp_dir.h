// TempDir gives a unit test a fresh folder, removed with its contents when the
// TempDir goes out of scope.
#pragma once

#include <stdlib.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace taskr::test {

/// TempDir is a fresh directory named <tmp>/taskr_<prefix>_XXXXXX.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("taskr_" + std::string(prefix) + "_XXXXXX"))
            .string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace taskr::test
