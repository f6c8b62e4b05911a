// TaskResult is what became of one task instance in a run. It sits below exec/
// and cache/ so that both can use it: the scheduler fills it, the cache stores
// what it produced, the reporters read it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runner/model/value.h"

namespace taskr {

/// TaskState is where a task instance is in its life.
enum class TaskState {
  kPending,    // waiting for its needs
  kRunning,    // started (or waiting for its concurrency group)
  kSucceeded,  // exited 0
  kFailed,     // exited non-zero, was killed, timed out, or could not start
  kSkipped,    // its `if` was false, or a need did not succeed
  kCancelled,  // stopped or never started because the run was cancelled
};

/// StateName is "pending", "running", "succeeded", "failed", "skipped" or "cancelled".
const char* StateName(TaskState state);

using Clock = std::chrono::steady_clock;

/// CacheUse says what the cache did for a task.
enum class CacheUse {
  kNone,  // not cacheable, or caching is off
  kHit,   // restored from the cache; the task did not run
  kMiss,  // looked up, not found: the task ran
};

/// Span is one attempt of a task: when it ran and in which job slot.
struct Span {
  Clock::time_point start{}, end{};
  int slot = -1;
};

/// TaskResult is the outcome of one task instance.
struct TaskResult {
  TaskState state = TaskState::kPending;
  bool allowed_failure = false;  // failed, but allow_failure keeps the run green
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;
  int attempts = 0;
  Clock::time_point start{};  // first attempt's start; epoch when it never ran
  Clock::time_point end{};
  std::string reason;   // one line: why it failed, was skipped or was cancelled
  ValueObject outputs;  // from $TASKR_OUTPUT, or set by a plugin
  /// findings are objects shaped like taskr_finding (rule_id, rule_name, level, message,
  /// file, line, column, security_severity, help, help_uri), plus "tool" and
  /// "tool_version" for a plugin's, or "source": "sarif" for one read from a declared file.
  std::vector<Value> findings;
  std::vector<Value> artifacts;  // {"path", "digest"} objects
  std::string summary;           // markdown for the job summary
  std::string log_path;          // "" when the task printed nothing
  std::string log_tail;          // the end of its output, for failure reports
  int slot = -1;                 // the job slot its last attempt ran in
  std::vector<Span> spans;       // one per attempt that ran; empty for a cache hit
  std::string sarif_path;        // the SARIF file a `run` task declared, workspace-relative
  CacheUse cache = CacheUse::kNone;
  std::string cache_key;                   // the key looked up (cacheable tasks)
  std::vector<std::string> cache_changes;  // on a miss: what changed since the last record

  /// Succeeded counts allowed failures as success, as dependents see them.
  bool Succeeded() const {
    return state == TaskState::kSucceeded || (state == TaskState::kFailed && allowed_failure);
  }
  /// Duration is end - start, zero when it never ran.
  Clock::duration Duration() const {
    return start == Clock::time_point{} ? Clock::duration{} : end - start;
  }
};

}  // namespace taskr
