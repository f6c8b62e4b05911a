// End-to-end: the content-addressed cache, with the real binary and a cache
// folder of each test's own.
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::WaitExit;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

// A pipeline whose tasks count their own runs in runs.log (not a declared output).
constexpr const char* kBuild = R"toml(
[env]
MODE = "${{ env.BUILD_MODE }}"

[tasks.compile]
inputs = ["src/*.c"]
outputs = ["out/app"]
run = '''
echo compile >> runs.log
mkdir -p out && cat src/*.c > out/app && echo "mode $MODE" >> out/app
echo "size=$(wc -c < out/app)" >> "$TASKR_OUTPUT"
'''

[tasks.package]
needs = ["compile"]
inputs = ["out/app"]
outputs = ["dist/"]
run = '''
echo package >> runs.log
mkdir -p dist && cp out/app dist/app && echo "${{ needs.compile.outputs.size }}" > dist/size
'''

[tasks.docs]
inputs = ["docs/*.md"]
outputs = ["site/index.html"]
run = "echo docs >> runs.log; mkdir -p site; cat docs/*.md > site/index.html"
)toml";

struct CacheWorkspace {
  explicit CacheWorkspace(const char* pipeline = kBuild) : ws(pipeline) {
    ws.Write("src/a.c", "int a;\n");
    ws.Write("src/b.c", "int b;\n");
    ws.Write("docs/index.md", "# docs\n");
  }
  std::string store() const { return (ws.dir() / "store").string(); }
  Outcome Run(std::vector<std::string> args, std::vector<std::string> env = {}) const {
    env.push_back("TASKR_CACHE_DIR=" + store());
    env.push_back("BUILD_MODE=release");
    return ws.Run(args, env);
  }
  size_t Runs(std::string_view task) const {
    return Count(ws.Read("runs.log"), std::string(task) + "\n");
  }
  Workspace ws;
};

std::string ReadTree(const fs::path& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    all += s.str();
  }
  return all;
}

}  // namespace

TEST_CASE("a second run is fully cached and restores outputs", "[e2e][cache]") {
  CacheWorkspace c;
  Outcome first = c.Run({"run", "package", "docs"});
  REQUIRE(first.exit_code == 0);
  CHECK(c.Runs("compile") == 1);
  fs::remove_all(c.ws.dir() / "out");
  fs::remove_all(c.ws.dir() / "dist");
  Outcome second = c.Run({"run", "package", "docs"});
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.out, ContainsSubstring("cached    compile"));
  CHECK_THAT(second.out, ContainsSubstring("cached    package"));
  CHECK_THAT(second.out, ContainsSubstring("3 succeeded, 0 failed, 0 skipped (3 from the cache)"));
  CHECK(c.Runs("compile") == 1);
  CHECK(c.Runs("package") == 1);
  // Outputs and task outputs come back as the run made them.
  CHECK(c.ws.Read("out/app") == "int a;\nint b;\nmode release\n");
  CHECK(c.ws.Read("dist/size") == c.ws.Read("dist/size"));
  CHECK(c.ws.Read("dist/size") == "27\n");
}

TEST_CASE("changing one input re-runs exactly what depends on it, and says why", "[e2e][cache]") {
  CacheWorkspace c;
  REQUIRE(c.Run({"run", "package", "docs"}).exit_code == 0);
  c.ws.Write("src/b.c", "int b = 2;\n");
  Outcome o = c.Run({"run", "package", "docs"});
  CHECK(o.exit_code == 0);
  CHECK(c.Runs("compile") == 2);
  CHECK(c.Runs("package") == 2);
  CHECK(c.Runs("docs") == 1);
  CHECK_THAT(o.out, ContainsSubstring("cached    docs"));
  CHECK_THAT(o.out, ContainsSubstring("cache miss: input src/b.c changed"));
  Outcome explained = [&] {
    c.ws.Write("src/c.c", "int c;\n");
    return c.Run({"run", "compile", "--explain"});
  }();
  CHECK_THAT(explained.out, ContainsSubstring("cache miss: input src/c.c added"));
  CHECK_THAT(explained.out, ContainsSubstring("          cache miss: inputs src/*.c changed"));
}

TEST_CASE("a change of a declared env value is a cache miss", "[e2e][cache]") {
  CacheWorkspace c;
  REQUIRE(c.Run({"run", "compile"}).exit_code == 0);
  Outcome o = c.ws.Run({"run", "compile"}, {"TASKR_CACHE_DIR=" + c.store(), "BUILD_MODE=debug"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("cache miss: env MODE changed"));
  CHECK(c.ws.Read("out/app") == "int a;\nint b;\nmode debug\n");
}

TEST_CASE("secrets change no key and reach no stored file", "[e2e][cache]") {
  CacheWorkspace c(R"(
[secrets]
TOKEN = { env = "MY_TOKEN" }
[tasks.upload]
inputs = ["src/*.c"]
outputs = ["receipt.txt"]
env = { AUTH = "Bearer ${{ secrets.TOKEN }}" }
run = 'echo "auth: $AUTH"; echo "sent" > receipt.txt; echo upload >> runs.log'
[tasks.leak]
inputs = ["src/*.c"]
outputs = ["leak.txt"]
env = { AUTH = "${{ secrets.TOKEN }}" }
run = 'echo "$AUTH" > leak.txt; echo leak >> runs.log'
)");
  REQUIRE(c.Run({"run", "upload"}, {"MY_TOKEN=first-secret-1"}).exit_code == 0);
  Outcome second = c.Run({"run", "upload"}, {"MY_TOKEN=second-secret-2"});
  CHECK(second.exit_code == 0);
  CHECK_THAT(second.out, ContainsSubstring("cached    upload"));
  CHECK(c.Runs("upload") == 1);
  std::string stored = ReadTree(c.store()) + ReadTree(c.ws.dir() / ".taskr");
  CHECK(stored.find("first-secret-1") == std::string::npos);
  CHECK(stored.find("second-secret-2") == std::string::npos);
  CHECK_THAT(stored, ContainsSubstring("auth: Bearer ***"));

  // An output that holds a secret's value is never stored, so never uploaded.
  Outcome leak = c.Run({"run", "leak"}, {"MY_TOKEN=first-secret-1"});
  CHECK(leak.exit_code == 0);
  CHECK_THAT(leak.out,
             ContainsSubstring("not cached: output leak.txt contains the value of a secret"));
  CHECK_THAT(c.Run({"run", "leak"}, {"MY_TOKEN=first-secret-1"}).out,
             ContainsSubstring("ok        leak"));
  CHECK(c.Runs("leak") == 2);
}

TEST_CASE("the working directory is part of the key", "[e2e][cache]") {
  auto pipeline = [](const char* dir) {
    return std::string(
               "[tasks.which]\ninputs = [\"a/name\", \"b/name\"]\noutputs = [\"out.txt\"]\n") +
           "cwd = \"" + dir + "\"\nrun = \"cat name > ../out.txt\"\n";
  };
  CacheWorkspace c(pipeline("a").c_str());
  c.ws.Write("a/name", "A\n");
  c.ws.Write("b/name", "B\n");
  REQUIRE(c.Run({"run", "which"}).exit_code == 0);
  CHECK(c.ws.Read("out.txt") == "A\n");
  c.ws.Write("pipeline.toml", pipeline("b"));
  Outcome o = c.Run({"run", "which"});
  CHECK_THAT(o.out, ContainsSubstring("cache miss: cwd changed"));
  CHECK(c.ws.Read("out.txt") == "B\n");
}

TEST_CASE("a task whose declared output is missing fails, even when it exits 0", "[e2e][cache]") {
  CacheWorkspace c(R"(
[tasks.build]
outputs = ["out/app", "out/app.map"]
run = "mkdir -p out; touch out/app"
)");
  Outcome o = c.Run({"run", "build"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    build"));
  CHECK_THAT(o.out, ContainsSubstring("declared output 'out/app.map' was not produced"));
  Outcome again = c.Run({"run", "build"});
  CHECK(again.exit_code == 1);  // nothing was stored
}

TEST_CASE("failed tasks and cache = false are never stored", "[e2e][cache]") {
  CacheWorkspace c(R"(
[tasks.flaky]
inputs = ["src/*.c"]
run = "echo flaky >> runs.log; test -f pass"
[tasks.always]
inputs = ["src/*.c"]
cache = false
run = "echo always >> runs.log"
)");
  CHECK(c.Run({"run", "flaky", "always", "-k"}).exit_code == 1);
  c.ws.Write("pass", "");
  CHECK(c.Run({"run", "flaky", "always"}).exit_code == 0);
  CHECK(c.Run({"run", "flaky", "always"}).exit_code == 0);
  CHECK(c.Runs("flaky") == 2);   // failed once, then ran and was stored
  CHECK(c.Runs("always") == 3);  // never cached
}

TEST_CASE("a damaged cache entry is reported, removed and treated as a miss", "[e2e][cache]") {
  CacheWorkspace c;
  REQUIRE(c.Run({"run", "compile"}).exit_code == 0);
  size_t damaged = 0;
  for (const auto& f : fs::recursive_directory_iterator(c.store())) {
    if (f.path().string().ends_with(".tar.zst")) {
      std::ofstream(f.path(), std::ios::app | std::ios::binary) << "garbage";
      ++damaged;
    }
  }
  REQUIRE(damaged == 1);
  fs::remove_all(c.ws.dir() / "out");
  Outcome o = c.Run({"run", "compile"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out,
             ContainsSubstring("was damaged (its output archive's digest differs); removed it"));
  CHECK(c.Runs("compile") == 2);
  CHECK(c.ws.Read("out/app") == "int a;\nint b;\nmode release\n");
  CHECK_THAT(c.Run({"run", "compile"}).out, ContainsSubstring("cached    compile"));
}

TEST_CASE("two taskr processes share one cache folder safely", "[e2e][cache]") {
  std::string pipeline = "[tasks.all]\nrun = \"true\"\nneeds = [";
  std::string tasks;
  for (int i = 0; i < 40; ++i) {
    pipeline += (i ? ", " : "") + std::string("\"t") + std::to_string(i) + "\"";
    tasks += "[tasks.t" + std::to_string(i) + "]\ninputs = [\"src/*.c\"]\noutputs = [\"out/t" +
             std::to_string(i) + "\"]\nrun = \"mkdir -p out; echo t" + std::to_string(i) +
             " > out/t" + std::to_string(i) + "\"\n";
  }
  pipeline += "]\n" + tasks;
  CacheWorkspace a(pipeline.c_str());
  CacheWorkspace b(pipeline.c_str());
  std::string shared = a.store();
  setenv("TASKR_CACHE_DIR", shared.c_str(), 1);
  pid_t pa = a.ws.Start({"run", "all", "-j", "4"}, "a");
  pid_t pb = b.ws.Start({"run", "all", "-j", "4"}, "b");
  CHECK(WaitExit(pa) == 0);
  CHECK(WaitExit(pb) == 0);
  CacheWorkspace third(pipeline.c_str());
  Outcome o = third.ws.Run({"run", "all"}, {"TASKR_CACHE_DIR=" + shared});
  unsetenv("TASKR_CACHE_DIR");
  CHECK(o.exit_code == 0);
  CHECK(Count(o.out, "cached    t") == 40);
  CHECK(third.ws.Read("out/t39") == "t39\n");
}

TEST_CASE(
    "no-cache (--no-cache) runs everything and stores nothing; cache commands report and clean",
    "[e2e][cache]") {
  CacheWorkspace c;
  REQUIRE(c.Run({"run", "docs", "--no-cache"}).exit_code == 0);
  Outcome stats = c.Run({"cache"});
  CHECK_THAT(stats.out, ContainsSubstring("entries: 0"));
  REQUIRE(c.Run({"run", "docs"}).exit_code == 0);
  CHECK_THAT(c.Run({"cache", "stats"}).out, ContainsSubstring("entries: 1"));
  Outcome pruned = c.Run({"cache", "prune", "--max-size", "1"});
  CHECK_THAT(pruned.out, ContainsSubstring("removed 1 entries"));
  REQUIRE(c.Run({"run", "docs"}).exit_code == 0);
  Outcome cleaned = c.Run({"cache", "clean"});
  CHECK_THAT(cleaned.out, ContainsSubstring("removed 1 entries"));
  CHECK(c.Runs("docs") == 3);
  Outcome bad = c.Run({"cache", "prune", "--max-size", "lots"});
  CHECK(bad.exit_code == 2);
}

namespace {

// WriteHostileArchive writes a tar.zst holding `entry` (e.g. "../escape"), as
// an attacker with write access to a shared cache could.
void WriteHostileArchive(const fs::path& path, const std::string& entry) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_add_filter_zstd(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, entry.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 6);
  archive_write_header(a, e);
  archive_write_data(a, "owned\n", 6);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
}

std::string FileSha256(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string data = s.str();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_Digest(data.data(), data.size(), md, &size, EVP_sha256(), nullptr);
  std::string hex;
  static const char kDigits[] = "0123456789abcdef";
  for (unsigned i = 0; i < size; ++i) {
    hex += kDigits[md[i] >> 4];
    hex += kDigits[md[i] & 0xf];
  }
  return hex;
}

}  // namespace

TEST_CASE("a cache archive that reaches outside the workspace is refused", "[e2e][cache]") {
  for (const std::string hostile : {"../escape", "/tmp/taskr-e2e-absolute-escape"}) {
    CacheWorkspace c;
    REQUIRE(c.Run({"run", "compile"}).exit_code == 0);
    // Swap the stored archive for a hostile one, with a matching digest.
    fs::path entry;
    for (const auto& f : fs::recursive_directory_iterator(fs::path(c.store()) / "ac")) {
      if (f.is_regular_file()) entry = f.path();
    }
    REQUIRE(!entry.empty());
    fs::path bad = fs::path(c.store()) / "hostile.tar.zst";
    WriteHostileArchive(bad, hostile);
    std::string digest = FileSha256(bad);
    fs::create_directories(fs::path(c.store()) / "cas" / digest.substr(0, 2));
    fs::rename(bad, fs::path(c.store()) / "cas" / digest.substr(0, 2) / (digest + ".tar.zst"));
    std::ifstream in(entry);
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t at = json.find("\"archive_sha256\":\"");
    REQUIRE(at != std::string::npos);
    json.replace(at + 18, 64, digest);
    std::ofstream(entry, std::ios::trunc) << json;

    fs::remove_all(c.ws.dir() / "out");
    Outcome o = c.Run({"run", "compile"});
    INFO(o.out);
    CHECK(o.exit_code == 0);
    CHECK_THAT(o.out, ContainsSubstring("cached outputs could not be restored"));
    CHECK_THAT(o.out, ContainsSubstring(hostile));
    CHECK_THAT(o.out, ContainsSubstring("running it"));
    CHECK_FALSE(fs::exists(c.ws.dir().parent_path() / "escape"));
    CHECK_FALSE(fs::exists("/tmp/taskr-e2e-absolute-escape"));
    CHECK(c.Runs("compile") == 2);
    CHECK(c.ws.Read("out/app") == "int a;\nint b;\nmode release\n");
  }
}

TEST_CASE("a plugin's tool identity is part of the key: upgrading the tool is a miss",
          "[e2e][cache]") {
  CacheWorkspace c(("[plugins]\nversioned = \"" + std::string(TASKR_TEST_PLUGIN_DIR) +
                    "/taskr-versioned.so\"\n"
                    "[tasks.stamp]\nuses = \"versioned.stamp\"\n"
                    "with = { output = \"stamp.txt\" }\noutputs = [\"stamp.txt\"]\n")
                       .c_str());
  c.ws.Write("tool-version.txt", "0.50.1 db:sha256:aaaa");
  REQUIRE(c.Run({"run", "stamp"}).exit_code == 0);
  CHECK_THAT(c.Run({"run", "stamp"}).out, ContainsSubstring("cached    stamp"));
  c.ws.Write("tool-version.txt", "0.51.0 db:sha256:bbbb");
  Outcome o = c.Run({"run", "stamp"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("cache miss: tool changed"));
  CHECK(c.ws.Read("stamp.txt") == "stamped with 0.51.0 db:sha256:bbbb");
  CHECK(Count(c.ws.Read("stamp-runs.log"), "run\n") == 2);
}
