#include "runner/report/trace.h"

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runner/base/read_file.h"
#include "runner/exec/contexts.h"
#include "runner/model/loader.h"
#include "tests/unit/temp_dir.h"

namespace taskr {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kSecret = "hunter2-s3cret";

constexpr std::string_view kPipeline = R"(
[secrets]
TOKEN = "TEST_TOKEN"

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
  if (name == "TEST_TOKEN") return kSecret;
  return std::nullopt;
}

// FinishedRun is pipeline ci run with 2 job slots, its results filled in by hand:
//   build[os=linux]  restored from the cache at 1 ms
//   build[os=mac]    slot 1, 2-50 ms, succeeded
//   lint             slot 2 at 2-20 ms, then slot 1 at 60-80 ms; failed with exit code 2
//   deploy           skipped, as lint failed
struct FinishedRun {
  test::TempDir dir{"trace"};
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
    info.started_at = std::chrono::system_clock::now();
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

  void FillResults() {
    TaskResult& hit = At("build[os=linux]");
    hit.state = TaskState::kSucceeded;
    hit.start = hit.end = T(1ms);
    hit.cache = CacheUse::kHit;

    TaskResult& mac = At("build[os=mac]");
    mac.state = TaskState::kSucceeded;
    mac.exit_code = 0;
    mac.attempts = 1;
    mac.start = T(2ms);
    mac.end = T(50ms);
    mac.slot = 0;
    mac.spans = {{T(2ms), T(50ms), 0}};
    mac.cache = CacheUse::kMiss;
    mac.outputs.emplace("token", Value("Bearer " + kSecret));

    TaskResult& lint = At("lint");
    lint.state = TaskState::kFailed;
    lint.exit_code = 2;
    lint.attempts = 2;
    lint.reason = "exit code 2 after printing " + kSecret;
    lint.start = T(2ms);
    lint.end = T(80ms);
    lint.slot = 0;
    lint.spans = {{T(2ms), T(20ms), 1}, {T(60ms), T(80ms), 0}};

    TaskResult& deploy = At("deploy");
    deploy.state = TaskState::kSkipped;
    deploy.reason = "lint failed";
    deploy.end = T(80ms);
  }

  // Write runs a TraceWriter over the run and parses what it wrote.
  Json Write() {
    std::filesystem::path path = std::filesystem::path(info.run_dir) / "trace.json";
    TraceWriter writer(path);
    writer.RunStarted(info);
    writer.RunFinished(totals, results);
    bool exists = false;
    text = ReadFile(path, &exists);
    REQUIRE(exists);
    return Json::parse(text);
  }
  std::string text;  // what Write read back
};

std::vector<Json> EventsWithPhase(const Json& trace, std::string_view ph) {
  std::vector<Json> events;
  for (const Json& e : trace["traceEvents"]) {
    if (e["ph"].get<std::string>() == ph) events.push_back(e);
  }
  return events;
}

const Json& Bar(const std::vector<Json>& bars, std::string_view name, int attempt) {
  for (const Json& bar : bars) {
    if (bar["name"].get<std::string>() == name && bar["args"]["attempt"] == attempt) return bar;
  }
  FAIL("trace.json has no bar for attempt " << attempt << " of " << name);
  static const Json kNone;
  return kNone;
}

std::map<int, std::string> LaneNames(const Json& trace) {
  std::map<int, std::string> names;
  for (const Json& e : EventsWithPhase(trace, "M")) {
    if (e["name"] == "thread_name") names[e["tid"]] = e["args"]["name"];
  }
  return names;
}

// CheckLanesDoNotOverlap: within each tid, each bar starts after the one before ended.
void CheckLanesDoNotOverlap(const Json& trace) {
  std::map<int, std::vector<std::pair<int64_t, int64_t>>> lanes;
  for (const Json& e : EventsWithPhase(trace, "X")) {
    lanes[e["tid"]].emplace_back(e["ts"].get<int64_t>(), e["dur"].get<int64_t>());
  }
  for (auto& [tid, bars] : lanes) {
    std::sort(bars.begin(), bars.end());
    for (size_t i = 1; i < bars.size(); ++i) {
      INFO("tid " << tid << ", bar " << i);
      CHECK(bars[i].first >= bars[i - 1].first + bars[i - 1].second);
    }
  }
}

TEST_CASE("every trace event has ph, ts, dur, pid and tid", "[trace]") {
  FinishedRun run;
  Json trace = run.Write();

  REQUIRE(trace["traceEvents"].is_array());
  CHECK(trace["displayTimeUnit"] == "ms");
  CHECK(trace["otherData"]["run"] == "20240501-123456.789-42");
  for (const Json& e : trace["traceEvents"]) {
    INFO(e.dump());
    for (const char* field : {"name", "ph", "ts", "dur", "pid", "tid"}) CHECK(e.contains(field));
    CHECK(e["pid"] == 1);
  }
}

TEST_CASE("the trace draws each attempt in the lane of its job slot", "[trace]") {
  FinishedRun run;
  Json trace = run.Write();
  std::vector<Json> bars = EventsWithPhase(trace, "X");

  CHECK(bars.size() == 4);  // deploy never ran
  const Json& mac = Bar(bars, "build[os=mac]", 1);
  CHECK(mac["cat"] == "succeeded");
  CHECK(mac["ts"] == 2000);
  CHECK(mac["dur"] == 48000);
  CHECK(mac["tid"] == 1);
  CHECK(mac["args"] ==
        Json{{"status", "succeeded"}, {"attempt", 1}, {"exit_code", 0}, {"cache", "miss"}});

  const Json& first = Bar(bars, "lint", 1);
  CHECK(first["cat"] == "failed");
  CHECK(first["ts"] == 2000);
  CHECK(first["dur"] == 18000);
  CHECK(first["tid"] == 2);
  CHECK(first["args"]["exit_code"].is_null());  // only the last attempt's is known

  const Json& second = Bar(bars, "lint", 2);
  CHECK(second["cat"] == "failed");
  CHECK(second["ts"] == 60000);
  CHECK(second["dur"] == 20000);
  CHECK(second["tid"] == 1);
  CHECK(second["args"]["exit_code"] == 2);
  CHECK(second["args"]["cache"] == "none");

  CheckLanesDoNotOverlap(trace);
}

TEST_CASE("the trace puts cache hits in a lane of their own", "[trace]") {
  FinishedRun run;
  Json trace = run.Write();
  std::vector<Json> bars = EventsWithPhase(trace, "X");

  const Json* hit = nullptr;
  for (const Json& bar : bars) {
    if (bar["name"] == "build[os=linux]") hit = &bar;
  }
  REQUIRE(hit);
  CHECK((*hit)["tid"] == 3);
  CHECK((*hit)["ts"] == 1000);
  CHECK((*hit)["dur"] == 0);
  CHECK((*hit)["args"]["cache"] == "hit");
  CHECK((*hit)["args"]["attempt"].is_null());
}

TEST_CASE("the trace names the process and each lane", "[trace]") {
  FinishedRun run;
  Json trace = run.Write();

  std::vector<Json> metadata = EventsWithPhase(trace, "M");
  const Json* process = nullptr;
  for (const Json& e : metadata) {
    if (e["name"] == "process_name") process = &e;
  }
  REQUIRE(process);
  CHECK((*process)["args"]["name"] == "taskr pipeline ci");
  CHECK(LaneNames(trace) ==
        std::map<int, std::string>{{1, "slot 1"}, {2, "slot 2"}, {3, "cache hits"}});
}

TEST_CASE("the trace moves a bar whose slot is busy or unknown to an extra lane", "[trace]") {
  FinishedRun run;
  TaskResult& lint = run.At("lint");
  // build[os=mac] holds slot 1 from 2 to 50 ms.
  lint.spans = {{run.T(10ms), run.T(20ms), 0}, {run.T(60ms), run.T(70ms), -1}};
  Json trace = run.Write();

  CheckLanesDoNotOverlap(trace);
  CHECK(Bar(EventsWithPhase(trace, "X"), "build[os=mac]", 1)["tid"] == 1);
  CHECK(Bar(EventsWithPhase(trace, "X"), "lint", 1)["tid"] == 4);
  CHECK(Bar(EventsWithPhase(trace, "X"), "lint", 2)["tid"] == 4);
  CHECK(LaneNames(trace).at(4) == "extra lane 1");
}

TEST_CASE("the trace never holds a secret", "[trace][secrets]") {
  FinishedRun run;
  run.selection.description = "tasks deploy with " + kSecret;  // free text the trace shows
  Json trace = run.Write();

  CHECK(run.text.find(kSecret) == std::string::npos);
  CHECK(trace["otherData"]["description"] == "tasks deploy with ***");
}

}  // namespace
}  // namespace taskr
