#include "runner/report/trace.h"

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/unit/report/report_fixture.h"

namespace taskr {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;
using test::kSecret;

// WriteTrace writes trace.json for the run, as taskr does, and parses it.
Json WriteTrace(test::FinishedRun& run) {
  return run.Write(
      "trace.json",
      [](const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results,
         std::vector<std::string>*) { return BuildTrace(info, totals, results); });
}

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
  test::FinishedRun run("trace");
  Json trace = WriteTrace(run);

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
  test::FinishedRun run("trace");
  Json trace = WriteTrace(run);
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
  test::FinishedRun run("trace");
  Json trace = WriteTrace(run);
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
  test::FinishedRun run("trace");
  Json trace = WriteTrace(run);

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
  test::FinishedRun run("trace");
  TaskResult& lint = run.At("lint");
  // build[os=mac] holds slot 1 from 2 to 50 ms.
  lint.spans = {{run.T(10ms), run.T(20ms), 0}, {run.T(60ms), run.T(70ms), -1}};
  Json trace = WriteTrace(run);

  CheckLanesDoNotOverlap(trace);
  CHECK(Bar(EventsWithPhase(trace, "X"), "build[os=mac]", 1)["tid"] == 1);
  CHECK(Bar(EventsWithPhase(trace, "X"), "lint", 1)["tid"] == 4);
  CHECK(Bar(EventsWithPhase(trace, "X"), "lint", 2)["tid"] == 4);
  CHECK(LaneNames(trace).at(4) == "extra lane 1");
}

TEST_CASE("the trace never holds a secret", "[trace][secrets]") {
  test::FinishedRun run("trace");
  run.selection.description = "tasks deploy with " + kSecret;  // free text the trace shows
  Json trace = WriteTrace(run);

  CHECK(run.text.find(kSecret) == std::string::npos);
  CHECK(trace["otherData"]["description"] == "tasks deploy with ***");
}

}  // namespace
}  // namespace taskr
