#include "runner/report/run_report.h"

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/write_file.h"
#include "tests/unit/report/report_fixture.h"

namespace taskr {
namespace {

using Json = nlohmann::json;
using test::kEscapedSecret;
using test::kSecret;
using test::kSha;

// RenderReport is how taskr renders report.json in a RunFileWriter.
std::string RenderReport(const RunInfo& info, const RunTotals& totals,
                         const std::vector<TaskResult>& results, std::vector<std::string>*) {
  return BuildRunReport(info, totals, results);
}

// WriteReport writes report.json for the run, as taskr does, and parses it.
Json WriteReport(test::FinishedRun& run) { return run.Write("report.json", RenderReport); }

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
  test::FinishedRun run("run_report");
  Json report = WriteReport(run);

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
  test::FinishedRun run("run_report");
  Json report = WriteReport(run);

  std::vector<std::string> expected, listed;
  for (NodeId id : run.selection.order) expected.push_back(run.graph->node(id).id);
  for (const Json& task : report["tasks"]) listed.push_back(task["id"].get<std::string>());
  CHECK(listed == expected);
  CHECK(listed.size() == 4);
}

TEST_CASE("report.json says how each task ran", "[report]") {
  test::FinishedRun run("run_report");
  Json report = WriteReport(run);

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
  test::FinishedRun run("run_report");
  Json report = WriteReport(run);

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
  test::FinishedRun run("run_report");
  run.totals.interrupted = true;
  run.totals.exit_code = 130;
  Json report = WriteReport(run);

  CHECK(report["run"]["status"] == "interrupted");
  CHECK(report["run"]["interrupted"] == true);
  CHECK(report["run"]["exit_code"] == 130);
}

TEST_CASE("report.json that cannot be written is a warning, not a failure", "[report]") {
  test::FinishedRun run("run_report");
  std::filesystem::path blocker = run.dir.path() / "not-a-folder";
  REQUIRE(WriteFile(blocker, "a file where the run folder should be\n").ok());
  RunFileWriter writer({blocker / "report.json"}, RenderReport);
  writer.RunStarted(run.info);
  CHECK_NOTHROW(writer.RunFinished(run.totals, run.results));
  CHECK_FALSE(std::filesystem::exists(blocker / "report.json"));
}

}  // namespace
}  // namespace taskr
