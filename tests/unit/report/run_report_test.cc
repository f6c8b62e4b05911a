#include "runner/report/run_report.h"

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runner/base/read_file.h"
#include "runner/base/write_file.h"
#include "runner/exec/contexts.h"
#include "runner/model/loader.h"
#include "tests/unit/temp_dir.h"

namespace taskr {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kSecret = "hunter2-s3cret";
const std::string kEscapedSecret = R"(pa"ss\word)";  // JSON spells it pa\"ss\\word
const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

constexpr std::string_view kPipeline = R"(
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

std::optional<std::string> Env(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> kEnv = {
      {"TEST_TOKEN", kSecret}, {"TEST_PASSWORD", kEscapedSecret}, {"GITHUB_ACTIONS", "true"},
      {"GITHUB_SHA", kSha},    {"GITHUB_REF", "refs/heads/main"}, {"GITHUB_EVENT_NAME", "push"}};
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

ValueObject Object(std::initializer_list<std::pair<const std::string, Value>> members) {
  return ValueObject(members);
}

// FinishedRun is pipeline ci run with 2 job slots, its results filled in by hand:
//   build[os=linux]  restored from the cache at 1 ms
//   build[os=mac]    slot 1, 2-50 ms, succeeded; outputs hold both secrets
//   lint             slot 2 at 2-20 ms, then slot 1 at 60-80 ms; failed with exit code 2
//   deploy           skipped, as lint failed
struct FinishedRun {
  test::TempDir dir{"run_report"};
  LoadResult load;
  std::optional<Graph> graph;
  Selection selection;
  std::unique_ptr<Contexts> contexts;
  RunInfo info;
  RunTotals totals;
  std::vector<TaskResult> results;

  FinishedRun() {
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

  TaskResult& At(std::string_view id) { return results[*graph->Find(id)]; }
  Clock::time_point T(Clock::duration since_start) const { return info.start + since_start; }
  std::string LogPath(std::string_view name) const {
    return (std::filesystem::path(info.run_dir) / "logs" / name).string();
  }

  void FillResults() {
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

  // Write runs a RunReportWriter over the run and parses what it wrote.
  Json Write() {
    std::filesystem::path path = std::filesystem::path(info.run_dir) / "report.json";
    RunReportWriter writer(path);
    writer.RunStarted(info);
    writer.RunFinished(totals, results);
    bool exists = false;
    text = ReadFile(path, &exists);
    REQUIRE(exists);
    return Json::parse(text);
  }
  std::string text;  // what Write read back
};

const Json& TaskEntry(const Json& report, std::string_view id) {
  for (const Json& task : report["tasks"]) {
    if (task["id"].get<std::string>() == id) return task;
  }
  FAIL("report.json has no task " << id);
  static const Json kNone;
  return kNone;
}

// Strings lists every key and string value in `j`, as the parser read them.
void Strings(const Json& j, std::vector<std::string>* out) {
  if (j.is_string()) out->push_back(j.get<std::string>());
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      out->push_back(key);
      Strings(value, out);
    }
  }
  if (j.is_array()) {
    for (const Json& e : j) Strings(e, out);
  }
}

TEST_CASE("report.json describes the run and its totals", "[report]") {
  FinishedRun run;
  Json report = run.Write();

  CHECK(report["schema"] == "taskr-run-report");
  CHECK(report["version"] == 1);
  CHECK(report["taskr"] == TASKR_VERSION);

  const Json& r = report["run"];
  CHECK(r["id"] == "20240501-123456.789-42");
  CHECK(r["started_at"] == "2024-05-01T12:34:56.789Z");
  CHECK(r["duration_ms"] == 81);
  CHECK(r["exit_code"] == 1);
  CHECK(r["interrupted"] == false);
  CHECK(r["status"] == "failure");
  CHECK(r["pipeline"] == "ci");
  CHECK(r["description"] == "pipeline ci");
  CHECK(r["jobs"] == 2);
  CHECK(r["workspace"] == run.load.pipeline->root.string());
  CHECK(r["git"]["sha"] == kSha);
  CHECK(r["git"]["branch"] == "main");
  CHECK(r["git"]["ref"] == "refs/heads/main");
  CHECK(r["git"].contains("tag"));

  const Json& totals = report["totals"];
  CHECK(totals["succeeded"] == 2);
  CHECK(totals["failed"] == 1);
  CHECK(totals["allowed_failures"] == 0);
  CHECK(totals["skipped"] == 1);
  CHECK(totals["cancelled"] == 0);
  CHECK(totals["cached"] == 1);
}

TEST_CASE("report.json lists every selected task in selection order", "[report]") {
  FinishedRun run;
  Json report = run.Write();

  std::vector<std::string> expected, listed;
  for (NodeId id : run.selection.order) expected.push_back(run.graph->node(id).id);
  for (const Json& task : report["tasks"]) listed.push_back(task["id"].get<std::string>());
  CHECK(listed == expected);
  CHECK(listed.size() == 4);
}

TEST_CASE("report.json says how each task ran", "[report]") {
  FinishedRun run;
  Json report = run.Write();

  SECTION("a task that ran once on a cache miss") {
    const Json& mac = TaskEntry(report, "build[os=mac]");
    CHECK(mac["task"] == "build");
    CHECK(mac["matrix"] == Json{{"os", "mac"}});
    CHECK(mac["needs"] == Json::array());
    CHECK(mac["status"] == "succeeded");
    CHECK(mac["allowed_failure"] == false);
    CHECK(mac["exit_code"] == 0);
    CHECK(mac["signal"].is_null());
    CHECK(mac["timed_out"] == false);
    CHECK(mac["attempts"] == 1);
    CHECK(mac["reason"].is_null());
    CHECK(mac["started_at_ms"] == 2);
    CHECK(mac["duration_ms"] == 48);
    CHECK(mac["slot"] == 1);
    CHECK(mac["cache"] == Json{{"result", "miss"},
                               {"key", "key-mac"},
                               {"changes", Json::array({"input src/main.c changed"})}});
    CHECK(mac["outputs"]["count"] == 3);
    CHECK(mac["artifacts"] ==
          Json::array({Json{{"path", "dist/app.tar"}, {"digest", "sha256:abc"}}}));
    CHECK(mac["findings"] == Json{{"total", 4}, {"error", 1}, {"warning", 2}, {"note", 1}});
    CHECK(mac["log"] == "logs/build_os_mac.log");
    CHECK(mac["sarif"] == "out/build.sarif");
  }
  SECTION("a cache hit") {
    const Json& hit = TaskEntry(report, "build[os=linux]");
    CHECK(hit["status"] == "succeeded");
    CHECK(hit["attempts"] == 0);
    CHECK(hit["exit_code"].is_null());
    CHECK(hit["slot"].is_null());
    CHECK(hit["started_at_ms"] == 1);
    CHECK(hit["duration_ms"] == 0);
    CHECK(hit["cache"]["result"] == "hit");
    CHECK(hit["cache"]["key"] == "key-linux");
    CHECK(hit["outputs"] == Json{{"image", "registry/app:linux"}});
    CHECK(hit["artifacts"] == Json::array());
    CHECK(hit["findings"]["total"] == 0);
    CHECK(hit["sarif"].is_null());
  }
  SECTION("a task that failed twice") {
    const Json& lint = TaskEntry(report, "lint");
    CHECK(lint["matrix"] == Json::object());
    CHECK(lint["status"] == "failed");
    CHECK(lint["exit_code"] == 2);
    CHECK(lint["attempts"] == 2);
    CHECK(lint["started_at_ms"] == 2);
    CHECK(lint["duration_ms"] == 78);
    CHECK(lint["slot"] == 1);
    CHECK(lint["cache"] == Json{{"result", "none"}, {"key", nullptr}, {"changes", Json::array()}});
  }
  SECTION("a task that never ran") {
    const Json& deploy = TaskEntry(report, "deploy");
    CHECK(deploy["needs"] == Json::array({"build[os=linux]", "build[os=mac]", "lint"}));
    CHECK(deploy["status"] == "skipped");
    CHECK(deploy["reason"] == "lint failed");
    CHECK(deploy["attempts"] == 0);
    CHECK(deploy["started_at_ms"].is_null());
    CHECK(deploy["duration_ms"].is_null());
    CHECK(deploy["slot"].is_null());
    CHECK(deploy["log"].is_null());
    CHECK(deploy["outputs"] == Json::object());
  }
}

TEST_CASE("report.json never holds a secret, even one that JSON escapes", "[report][secrets]") {
  FinishedRun run;
  Json report = run.Write();

  CHECK(run.text.find(kSecret) == std::string::npos);
  CHECK(run.text.find(R"(pa\"ss\\word)") == std::string::npos);
  std::vector<std::string> strings;
  Strings(report, &strings);
  for (const std::string& s : strings) {
    CHECK(s.find(kSecret) == std::string::npos);
    CHECK(s.find(kEscapedSecret) == std::string::npos);
  }
  const Json& mac = TaskEntry(report, "build[os=mac]");
  CHECK(mac["outputs"]["token"] == "Bearer ***");
  CHECK(mac["outputs"]["password"] == "***");
  CHECK(TaskEntry(report, "lint")["reason"] == "exit code 2 after printing ***");
}

TEST_CASE("an interrupted run says so", "[report]") {
  FinishedRun run;
  run.totals.interrupted = true;
  run.totals.exit_code = 130;
  Json report = run.Write();

  CHECK(report["run"]["status"] == "interrupted");
  CHECK(report["run"]["interrupted"] == true);
  CHECK(report["run"]["exit_code"] == 130);
}

TEST_CASE("report.json that cannot be written is a warning, not a failure", "[report]") {
  FinishedRun run;
  std::filesystem::path blocker = run.dir.path() / "not-a-folder";
  REQUIRE(WriteFile(blocker, "a file where the run folder should be\n").ok());
  RunReportWriter writer(blocker / "report.json");
  writer.RunStarted(run.info);
  CHECK_NOTHROW(writer.RunFinished(run.totals, run.results));
  CHECK_FALSE(std::filesystem::exists(blocker / "report.json"));
}

}  // namespace
}  // namespace taskr
