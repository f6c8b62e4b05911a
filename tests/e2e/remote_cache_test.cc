// End-to-end: the remote cache, against a real nginx WebDAV server on 127.0.0.1.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/e2e/harness.h"
#include "tests/unit/cache/nginx_fixture.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPipeline = R"(
[tasks.build]
inputs = ["src/*.txt"]
outputs = ["out/app"]
run = "echo build >> runs.log; mkdir -p out; cat src/*.txt > out/app"
[tasks.test]
needs = ["build"]
inputs = ["out/app"]
run = "echo test >> runs.log; grep -q hello out/app"
)";

// Copy is one checkout of the project with a cache folder of its own.
struct Copy {
  Copy() : ws(kPipeline) { ws.Write("src/a.txt", "hello\n"); }
  Outcome Run(const std::string& url, std::vector<std::string> extra = {},
              std::vector<std::string> env = {}) const {
    std::vector<std::string> args = {"run", "test", "--remote-cache", url};
    args.insert(args.end(), extra.begin(), extra.end());
    env.push_back("TASKR_CACHE_DIR=" + (ws.dir() / "store").string());
    return ws.Run(args, env);
  }
  size_t Runs() const { return Count(ws.Read("runs.log"), "\n"); }
  Workspace ws;
};

// SettledLog reads nginx's access log once it stops growing: nginx writes a
// request's line just after sending the response the client already has.
std::string SettledLog(const taskr::test::NginxServer& nginx) {
  std::string log = nginx.AccessLog();
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string again = nginx.AccessLog();
    if (again == log) break;
    log = std::move(again);
  }
  return log;
}

}  // namespace

TEST_CASE("the remote cache seeds an empty local store in another checkout", "[e2e][remote]") {
  taskr::test::NginxServer nginx;
  std::string url = nginx.Url("/cache");
  Copy first;
  REQUIRE(first.Run(url).exit_code == 0);
  CHECK(first.Runs() == 2);
  CHECK(Count(SettledLog(nginx), "PUT /cache/ac/") == 2);
  CHECK(Count(SettledLog(nginx), "PUT /cache/cas/") == 1);  // test declares no output files

  Copy second;
  Outcome o = second.Run(url);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("cached    build"));
  CHECK_THAT(o.out, ContainsSubstring("cached    test"));
  CHECK(second.Runs() == 0);
  CHECK(second.ws.Read("out/app") == "hello\n");
  // The remote hit was stored locally: a third run needs no server.
  nginx.Stop();
  Outcome offline = second.Run(url);
  CHECK(offline.exit_code == 0);
  CHECK(Count(offline.out, "cached    ") == 2);
}

TEST_CASE("a remote cache that is down costs a warning, not the run", "[e2e][remote]") {
  std::string url;
  {
    taskr::test::NginxServer nginx;
    url = nginx.Url("/cache");
  }  // stopped: nothing listens on that port now
  Copy c;
  Outcome o = c.Run(url);
  CHECK(o.exit_code == 0);
  CHECK(c.Runs() == 2);
  CHECK_THAT(o.out, ContainsSubstring("connection refused"));
  // One warning, not one per task: an unreachable remote is not asked again.
  CHECK(Count(o.out, "running without the remote cache from now on") == 1);
  CHECK_THAT(o.out, ContainsSubstring("2 succeeded, 0 failed"));
}

TEST_CASE("a corrupted remote blob is detected and the task runs", "[e2e][remote]") {
  taskr::test::NginxServer nginx;
  std::string url = nginx.Url("/cache");
  Copy first;
  REQUIRE(first.Run(url).exit_code == 0);
  size_t corrupted = 0;
  for (const auto& f : fs::recursive_directory_iterator(nginx.dir() / "data")) {
    if (f.is_regular_file() && f.path().parent_path().filename() == "cas") {
      std::ofstream(f.path(), std::ios::binary | std::ios::trunc) << "not the archive";
      ++corrupted;
    }
  }
  REQUIRE(corrupted == 1);
  Copy second;
  Outcome o = second.Run(url);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("does not match its digest; running the task"));
  CHECK(Count(second.ws.Read("runs.log"), "build\n") == 1);
  CHECK(second.ws.Read("out/app") == "hello\n");
}

TEST_CASE("read-only remote caches are read but never written", "[e2e][remote]") {
  taskr::test::NginxServer nginx;
  std::string url = nginx.Url("/cache");
  Copy writer;
  REQUIRE(writer.Run(url).exit_code == 0);
  size_t puts = Count(SettledLog(nginx), "PUT ");

  SECTION("--remote-cache-read-only") {
    Copy reader;
    reader.ws.Write("src/b.txt", "more\n");  // a new key: a miss that must not be uploaded
    CHECK(reader.Run(url, {"--remote-cache-read-only"}).exit_code == 0);
    CHECK(Count(SettledLog(nginx), "PUT ") == puts);
  }
  SECTION("automatic for pull_request events") {
    Copy reader;
    reader.ws.Write("src/b.txt", "more\n");
    CHECK(reader.Run(url, {}, {"GITHUB_EVENT_NAME=pull_request"}).exit_code == 0);
    CHECK(Count(SettledLog(nginx), "PUT ") == puts);
    Copy hit;  // reading still works
    Outcome o = hit.Run(url, {}, {"GITHUB_EVENT_NAME=pull_request"});
    CHECK(Count(o.out, "cached    ") == 2);
  }
}
