#include "runner/report/run_report.h"

#include "runner/report/json_text.h"

#include <fmt/core.h>

#include <cmath>
#include <ctime>
#include <exception>

#include "runner/exec/contexts.h"
#include "runner/model/pipeline.h"
#include "runner/report/findings.h"

namespace taskr {

namespace {

using Json = nlohmann::ordered_json;

// ToJson converts a Value; integral numbers stay integers ("18", not "18.0").
Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kBool:
      return v.as_bool();
    case Value::Kind::kNumber: {
      double n = v.as_number();
      if (!std::isfinite(n)) return nullptr;
      if (n == std::trunc(n) && std::fabs(n) < 9007199254740992.0) return static_cast<int64_t>(n);
      return n;
    }
    case Value::Kind::kString:
      return v.as_string();
    case Value::Kind::kArray: {
      Json a = Json::array();
      for (const Value& e : v.as_array()) a.push_back(ToJson(e));
      return a;
    }
    case Value::Kind::kObject: {
      Json o = Json::object();
      for (const auto& [key, e] : v.as_object()) o[key] = ToJson(e);
      return o;
    }
  }
  return nullptr;
}

Json TextOrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

int64_t Milliseconds(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Rfc3339 renders a UTC time with milliseconds: "2024-05-01T12:34:56.789Z".
std::string Rfc3339(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(ms));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", stamp, (ms.time_since_epoch().count() % 1000 + 1000) % 1000);
}

Json GitJson(const RunInfo& info) {
  const Value* git = info.contexts ? &info.contexts->GitHead() : nullptr;
  if (!git || !git->is_object()) return nullptr;
  Json out = Json::object();
  for (const char* key : {"sha", "branch", "tag", "ref"}) {
    const Value* v = git->Get(key);
    out[key] = v && v->is_string() ? TextOrNull(v->as_string()) : Json(nullptr);
  }
  return out;
}

Json RunJson(const RunInfo& info, const RunTotals& totals) {
  Json run;
  run["id"] = RunId(info);
  run["started_at"] = Rfc3339(info.started_at);
  run["duration_ms"] = Milliseconds(totals.wall);
  run["exit_code"] = totals.exit_code;
  run["interrupted"] = totals.interrupted;
  run["status"] = RunStatus(totals);
  const PipelineSpec* pipeline = info.selection->pipeline;
  run["pipeline"] = pipeline ? Json(pipeline->name) : Json(nullptr);
  run["description"] = info.selection->description;
  run["jobs"] = info.jobs;
  run["workspace"] = info.pipeline->root.string();
  run["git"] = GitJson(info);
  return run;
}

Json TotalsJson(const RunInfo& info, const RunTotals& totals,
                const std::vector<TaskResult>& results) {
  int cached = 0;
  for (NodeId id : info.selection->order) cached += results[id].cache == CacheUse::kHit;
  Json out;
  out["succeeded"] = totals.succeeded;
  out["failed"] = totals.failed;
  out["allowed_failures"] = totals.allowed_failures;
  out["skipped"] = totals.skipped;
  out["cancelled"] = totals.cancelled;
  out["cached"] = cached;
  return out;
}

Json CacheJson(const TaskResult& r) {
  Json cache;
  cache["result"] = CacheUseName(r.cache);
  cache["key"] = TextOrNull(r.cache_key);
  cache["changes"] = r.cache_changes;
  return cache;
}

Json FindingsJson(const TaskResult& r) {
  int error = 0, warning = 0, note = 0;
  for (const Value& f : r.findings) {
    std::string level = FindingView{&f}.Level();
    ++(level == "error" ? error : level == "note" ? note : warning);
  }
  Json counts;
  counts["total"] = r.findings.size();
  counts["error"] = error;
  counts["warning"] = warning;
  counts["note"] = note;
  return counts;
}

Json ArtifactsJson(const TaskResult& r) {
  Json out = Json::array();
  for (const Value& a : r.artifacts) {
    const Value* path = a.Get("path");
    const Value* digest = a.Get("digest");
    Json artifact;
    artifact["path"] = path ? ToJson(*path) : Json(nullptr);
    artifact["digest"] = digest ? ToJson(*digest) : Json(nullptr);
    out.push_back(std::move(artifact));
  }
  return out;
}

// LogJson is the log's path relative to the run's folder, where it lives.
Json LogJson(const RunInfo& info, const TaskResult& r) {
  if (r.log_path.empty()) return nullptr;
  std::filesystem::path rel = std::filesystem::path(r.log_path).lexically_relative(info.run_dir);
  return rel.empty() ? r.log_path : rel.generic_string();
}

Json TaskJson(const RunInfo& info, NodeId id, const TaskResult& r) {
  const TaskNode& node = info.graph->node(id);
  bool ran = r.start != Clock::time_point{};
  Json needs = Json::array();
  for (const NeedEdge& edge : node.needs) needs.push_back(info.graph->node(edge.node).id);
  Json task;
  task["id"] = node.id;
  task["task"] = node.spec->name;
  task["matrix"] = node.matrix.is_object() ? ToJson(node.matrix) : Json::object();
  task["needs"] = std::move(needs);
  task["status"] = StateName(r.state);
  task["allowed_failure"] = r.allowed_failure;
  task["exit_code"] = r.exit_code >= 0 ? Json(r.exit_code) : Json(nullptr);
  task["signal"] = r.signal > 0 ? Json(r.signal) : Json(nullptr);
  task["timed_out"] = r.timed_out;
  task["attempts"] = r.attempts;
  task["reason"] = TextOrNull(r.reason);
  task["started_at_ms"] = ran ? Json(Milliseconds(r.start - info.start)) : Json(nullptr);
  task["duration_ms"] = ran ? Json(Milliseconds(r.Duration())) : Json(nullptr);
  task["slot"] = r.slot >= 0 ? Json(r.slot + 1) : Json(nullptr);
  task["cache"] = CacheJson(r);
  task["outputs"] = ToJson(Value(r.outputs));
  task["artifacts"] = ArtifactsJson(r);
  task["findings"] = FindingsJson(r);
  task["log"] = LogJson(info, r);
  task["sarif"] = TextOrNull(r.sarif_path);
  return task;
}

}  // namespace

std::string RunId(const RunInfo& info) {
  std::filesystem::path dir = std::filesystem::path(info.run_dir).lexically_normal();
  std::string id = dir.filename().string();
  if (id.empty()) id = dir.parent_path().filename().string();
  return id.empty() || id == "." ? "run" : id;
}

const char* RunStatus(const RunTotals& totals) {
  if (totals.interrupted) return "interrupted";
  return totals.exit_code == 0 ? "success" : "failure";
}

const char* CacheUseName(CacheUse use) {
  switch (use) {
    case CacheUse::kHit:
      return "hit";
    case CacheUse::kMiss:
      return "miss";
    case CacheUse::kNone:
      break;
  }
  return "none";
}

std::string BuildRunReport(const RunInfo& info, const RunTotals& totals,
                           const std::vector<TaskResult>& results) {
  Json report;
  report["schema"] = "taskr-run-report";
  report["version"] = kRunReportVersion;
  report["taskr"] = TASKR_VERSION;
  report["run"] = RunJson(info, totals);
  report["totals"] = TotalsJson(info, totals, results);
  // The tasks are rendered one at a time and appended as text: a document
  // tree of every task at once would double taskr's memory on a large run.
  std::string text = JsonText(std::move(report), info.contexts, 2);
  text.resize(text.rfind('}'));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  text += ",\n  \"tasks\": [";
  const char* separator = "\n";
  for (NodeId id : info.selection->order) {
    std::string task = JsonText(TaskJson(info, id, results[id]), info.contexts, 2);
    while (!task.empty() && task.back() == '\n') task.pop_back();
    text += separator;
    separator = ",\n";
    text += "    ";
    for (char c : task) {  // JSON text has no raw newline inside a string
      text += c;
      if (c == '\n') text += "    ";
    }
  }
  text += info.selection->order.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return text;
}

}  // namespace taskr
