// FinishedRun is one finished run, its results filled in by hand, for the tests
// of the files a run writes from its results (report.json, trace.json).
//
//   test::FinishedRun run("trace");
//   nlohmann::json trace = run.Write("trace.json", render);  // a RunFileWriter::Render
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/read_file.h"
#include "runner/exec/contexts.h"
#include "runner/exec/reporter.h"
#include "runner/model/loader.h"
#include "runner/report/run_file_writer.h"
#include "tests/unit/temp_dir.h"

namespace taskr::test {

/// kSecret is the value of secret TOKEN; lint's reason and an output of build[os=mac] hold it.
inline const std::string kSecret = "hunter2-s3cret";
/// kEscapedSecret is the value of secret PASSWORD, which JSON spells pa\"ss\\word.
inline const std::string kEscapedSecret = R"(pa"ss\word)";
/// kSha is the commit the run built, from GITHUB_SHA.
inline const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

/// FinishedRun is pipeline ci, pushed to main on GitHub Actions, run with 2 job
/// slots in folder .taskr/runs/20240501-123456.789-42:
///   build[os=linux]  restored from the cache at 1 ms
///   build[os=mac]    slot 1, 2-50 ms, succeeded; outputs hold both secrets
///   lint             slot 2 at 2-20 ms, then slot 1 at 60-80 ms; failed with exit code 2
///   deploy           skipped, as lint failed
struct FinishedRun {
  TempDir dir;
  LoadResult load;
  std::optional<Graph> graph;
  Selection selection;
  std::unique_ptr<Contexts> contexts;
  RunInfo info;
  RunTotals totals;
  std::vector<TaskResult> results;
  std::string text;  // what Write read back

  /// FinishedRun builds the run in a new folder named after `dir_prefix`.
  explicit FinishedRun(std::string_view dir_prefix) : dir(dir_prefix) {
    using namespace std::chrono_literals;
    load = ParsePipeline(std::string(kPipeline), dir.path() / "pipeline.toml");
    REQUIRE(load.errors.empty());
    std::vector<Diagnostic> errors;
    graph = Graph::Build(*load.pipeline, &errors);
    REQUIRE(graph);
    Result<Selection> selected = graph->Select(*load.pipeline, {"ci"});
    REQUIRE(selected.ok());
    selection = *selected;
    auto created = Contexts::Create(*load.pipeline, selection, {}, Env);
    REQUIRE(created.ok());
    contexts = std::move(*created);

    info.pipeline = &*load.pipeline;
    info.graph = &*graph;
    info.selection = &selection;
    info.contexts = contexts.get();
    info.jobs = 2;
    info.run_dir = (dir.path() / ".taskr" / "runs" / "20240501-123456.789-42").string();
    info.start = Clock::now();
    info.started_at =
        std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min + 56s + 789ms;
    results.resize(graph->nodes().size());
    FillResults();

    totals.succeeded = 2;
    totals.failed = 1;
    totals.skipped = 1;
    totals.wall = 81ms;
    totals.exit_code = 1;
  }

  /// At is the result of task `id`, e.g. "build[os=mac]".
  TaskResult& At(std::string_view id) { return results[*graph->Find(id)]; }
  /// T is the moment `since_start` after the run started.
  Clock::time_point T(Clock::duration since_start) const { return info.start + since_start; }

  /// Write runs a `Writer` (a Reporter made from a path) over the run, writing
  /// `file_name` in the run folder, and parses what it wrote.
  nlohmann::json Write(std::string_view file_name, RunFileWriter::Render render) {
    std::filesystem::path path = std::filesystem::path(info.run_dir) / file_name;
    RunFileWriter writer({path}, std::move(render));
    writer.RunStarted(info);
    writer.RunFinished(totals, results);
    bool exists = false;
    text = ReadFile(path, &exists);
    REQUIRE(exists);
    return nlohmann::json::parse(text);
  }

 private:
  static constexpr std::string_view kPipeline = R"(
[secrets]
TOKEN = "TEST_TOKEN"
PASSWORD = "TEST_PASSWORD"

[pipelines.ci]
tasks = ["deploy"]

[tasks.build]
run = "make"
matrix = { os = ["linux", "mac"] }

[tasks.lint]
run = "lint"
retries = 1

[tasks.deploy]
run = "deploy"
needs = ["build", "lint"]
)";

  static std::optional<std::string> Env(std::string_view name) {
    static const std::map<std::string, std::string, std::less<>> kEnv = {
        {"TEST_TOKEN", kSecret}, {"TEST_PASSWORD", kEscapedSecret}, {"GITHUB_ACTIONS", "true"},
        {"GITHUB_SHA", kSha},    {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_EVENT_NAME", "push"}};
    auto it = kEnv.find(name);
    if (it == kEnv.end()) return std::nullopt;
    return it->second;
  }

  static ValueObject Object(std::initializer_list<std::pair<const std::string, Value>> members) {
    return ValueObject(members);
  }

  std::string LogPath(std::string_view name) const {
    return (std::filesystem::path(info.run_dir) / "logs" / name).string();
  }

  void FillResults() {
    using namespace std::chrono_literals;
    TaskResult& hit = At("build[os=linux]");
    hit.state = TaskState::kSucceeded;
    hit.start = hit.end = T(1ms);
    hit.cache = CacheUse::kHit;
    hit.cache_key = "key-linux";
    hit.outputs = Object({{"image", Value("registry/app:linux")}});
    hit.log_path = LogPath("build_os_linux.log");

    TaskResult& mac = At("build[os=mac]");
    mac.state = TaskState::kSucceeded;
    mac.exit_code = 0;
    mac.attempts = 1;
    mac.start = T(2ms);
    mac.end = T(50ms);
    mac.slot = 0;
    mac.spans = {{T(2ms), T(50ms), 0}};
    mac.cache = CacheUse::kMiss;
    mac.cache_key = "key-mac";
    mac.cache_changes = {"input src/main.c changed"};
    mac.outputs = Object({{"token", Value("Bearer " + kSecret)},
                          {"password", Value(kEscapedSecret)},
                          {"count", Value(3)}});
    mac.artifacts = {
        Value(Object({{"path", Value("dist/app.tar")}, {"digest", Value("sha256:abc")}}))};
    mac.findings = {Value(Object({{"level", Value("error")}})),
                    Value(Object({{"level", Value("warning")}})),
                    Value(Object({{"level", Value("note")}})),
                    Value(Object({{"message", Value("no level: a warning")}}))};
    mac.sarif_path = "out/build.sarif";
    mac.log_path = LogPath("build_os_mac.log");

    TaskResult& lint = At("lint");
    lint.state = TaskState::kFailed;
    lint.exit_code = 2;
    lint.attempts = 2;
    lint.reason = "exit code 2 after printing " + kSecret;
    lint.start = T(2ms);
    lint.end = T(80ms);
    lint.slot = 0;
    lint.spans = {{T(2ms), T(20ms), 1}, {T(60ms), T(80ms), 0}};
    lint.log_path = LogPath("lint.log");

    TaskResult& deploy = At("deploy");
    deploy.state = TaskState::kSkipped;
    deploy.reason = "lint failed";
    deploy.end = T(80ms);
  }
};

}  // namespace taskr::test
