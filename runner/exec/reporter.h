// Reporter receives the events of a run. exec/ owns this interface and the
// scheduler knows only it; report/ implements it (console, GitHub, summary,
// SARIF, report.json, trace.json), so exec/ never includes report/.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/task_result.h"
#include "runner/graph/graph.h"

namespace taskr {

class Contexts;
struct Pipeline;

/// RunInfo describes a run as it starts. The pointers outlive the run.
struct RunInfo {
  const Pipeline* pipeline = nullptr;
  const Graph* graph = nullptr;
  const Selection* selection = nullptr;
  const Contexts* contexts = nullptr;  // for secrets, links and masking
  int jobs = 1;
  std::string run_dir;  // .taskr/runs/<id>
  Clock::time_point start{};
  std::chrono::system_clock::time_point started_at{};
};

/// RunTotals counts what a run came to.
struct RunTotals {
  int succeeded = 0, failed = 0, allowed_failures = 0, skipped = 0, cancelled = 0;
  Clock::duration wall{};
  bool interrupted = false;
  int exit_code = 0;  // 0, 1 or 130
};

/// Reporter gets every event of a run on the scheduler's thread, in order.
class Reporter {
 public:
  virtual ~Reporter() = default;
  /// RunStarted comes first, once.
  virtual void RunStarted(const RunInfo& info) { (void)info; }
  /// TaskStarted: an attempt of `node` began (attempt counts from 1).
  virtual void TaskStarted(NodeId node, int attempt) { (void)node, (void)attempt; }
  /// TaskOutput: bytes the task printed (stdout and stderr merged), secrets masked.
  virtual void TaskOutput(NodeId node, std::string_view chunk) { (void)node, (void)chunk; }
  /// TaskOutputSet: the task set output `key` (masked).
  virtual void TaskOutputSet(NodeId node, std::string_view key, const Value& value) {
    (void)node, (void)key, (void)value;
  }
  /// TaskFinding: the task reported a finding (see TaskResult::findings).
  virtual void TaskFinding(NodeId node, const Value& finding) { (void)node, (void)finding; }
  /// TaskArtifact: the task produced a file, {"path", "digest"}.
  virtual void TaskArtifact(NodeId node, const Value& artifact) { (void)node, (void)artifact; }
  /// TaskRetrying: an attempt failed and another follows after a delay.
  virtual void TaskRetrying(NodeId node, const TaskResult& result, Clock::duration delay) {
    (void)node, (void)result, (void)delay;
  }
  /// TaskFinished: `node` reached a final state.
  virtual void TaskFinished(NodeId node, const TaskResult& result) { (void)node, (void)result; }
  /// Notice: a message about the run itself (a signal, a lock wait).
  virtual void Notice(std::string_view message) { (void)message; }
  /// Tick comes about ten times a second while tasks run, for live displays.
  virtual void Tick() {}
  /// RunFinished comes last, once, with every result indexed by NodeId.
  virtual void RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) {
    (void)totals, (void)results;
  }
};

/// ReporterList fans every event out to several reporters.
class ReporterList : public Reporter {
 public:
  void Add(Reporter* r) { list_.push_back(r); }
  void RunStarted(const RunInfo& i) override {
    for (auto* r : list_) r->RunStarted(i);
  }
  void TaskStarted(NodeId n, int a) override {
    for (auto* r : list_) r->TaskStarted(n, a);
  }
  void TaskOutput(NodeId n, std::string_view c) override {
    for (auto* r : list_) r->TaskOutput(n, c);
  }
  void TaskOutputSet(NodeId n, std::string_view k, const Value& v) override {
    for (auto* r : list_) r->TaskOutputSet(n, k, v);
  }
  void TaskFinding(NodeId n, const Value& f) override {
    for (auto* r : list_) r->TaskFinding(n, f);
  }
  void TaskArtifact(NodeId n, const Value& a) override {
    for (auto* r : list_) r->TaskArtifact(n, a);
  }
  void TaskRetrying(NodeId n, const TaskResult& res, Clock::duration d) override {
    for (auto* r : list_) r->TaskRetrying(n, res, d);
  }
  void TaskFinished(NodeId n, const TaskResult& res) override {
    for (auto* r : list_) r->TaskFinished(n, res);
  }
  void Notice(std::string_view m) override {
    for (auto* r : list_) r->Notice(m);
  }
  void Tick() override {
    for (auto* r : list_) r->Tick();
  }
  void RunFinished(const RunTotals& t, const std::vector<TaskResult>& res) override {
    for (auto* r : list_) r->RunFinished(t, res);
  }

 private:
  std::vector<Reporter*> list_;
};

}  // namespace taskr
