// The checksum plugin's actions, run in process through the plugin test kit
// (<taskr/testing.hpp>) on real files in a temporary workspace.
//
// The plugin class lives in checksum.cc beside its TASKR_PLUGIN; this test
// builds that file into its own executable to reach the very class taskr loads.
#include "plugins/checksum/checksum.cc"

#include <taskr/testing.hpp>

#include <catch2/catch_test_macros.hpp>
#include <fstream>
#include <string>

#include "tests/unit/temp_dir.h"

namespace {

using taskr::checksum::ChecksumPlugin;
using taskr::testing::ActionResult;
using taskr::testing::PluginTest;

// sha256 of "hello\n" and of "" (printf 'hello\n' | sha256sum).
constexpr const char* kHello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST_CASE("checksum.sha256 writes SHA256SUMS and publishes each digest") {
  taskr::test::TempDir ws("checksum_kit");
  Write(ws.path() / "dist/app.tar.gz", "hello\n");
  Write(ws.path() / "dist/empty.txt", "");
  PluginTest<ChecksumPlugin> test;
  test.workspace = ws.path().string();
  ActionResult r = test.Run("sha256", R"({"files": ["dist/*"], "output": "dist/SHA256SUMS"})");
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.outputs.at("dist/app.tar.gz") == kHello);
  CHECK(r.outputs.at("count") == "2");
  CHECK(r.outputs.at("file") == "dist/SHA256SUMS");
  std::ifstream sums(ws.path() / "dist/SHA256SUMS");
  std::string text((std::istreambuf_iterator<char>(sums)), std::istreambuf_iterator<char>());
  CHECK(text == std::string(kHello) + "  app.tar.gz\n" + kEmpty + "  empty.txt\n");
  REQUIRE(r.artifacts.size() == 3);
  CHECK(r.artifacts[0].digest == std::string("sha256:") + kHello);
  CHECK(r.summary.find("| `dist/app.tar.gz` | `" + std::string(kHello) + "` |") !=
        std::string::npos);
  CHECK(r.runs.empty());  // it hashes in process, running no program
}

TEST_CASE("checksum.verify fails naming the file that changed, and only that one") {
  taskr::test::TempDir ws("checksum_kit");
  Write(ws.path() / "a.txt", "hello\n");
  Write(ws.path() / "b.txt", "changed\n");
  Write(ws.path() / "SUMS", std::string(kHello) + "  a.txt\n" + kEmpty + "  b.txt\n");
  PluginTest<ChecksumPlugin> test;
  test.workspace = ws.path().string();
  ActionResult r = test.Run("verify", R"({"file": "SUMS"})");
  CHECK(r.status == TASKR_ERROR);
  CHECK(r.error.find("b.txt") != std::string::npos);
  CHECK(r.error.find("a.txt") == std::string::npos);
}

TEST_CASE("checksum: a glob that matches nothing fails naming the glob") {
  taskr::test::TempDir ws("checksum_kit");
  PluginTest<ChecksumPlugin> test;
  test.workspace = ws.path().string();
  ActionResult r = test.Run("", R"({"files": ["dist/*.tar.gz"]})");
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("dist/*.tar.gz") != std::string::npos);
}

}  // namespace
