// The attempts of a health check: one probe, repeated `interval` apart until
// `successes` attempts in a row are healthy, the attempts run out or the
// deadline passes, each attempt logged as one line. The three actions differ
// only in their probe.
//
//   Policy policy = ...;                       // from timeout, interval, retries, deadline,
//   successes Verdict v = RunAttempts(ctx, policy, [&](std::chrono::milliseconds limit) {
//     Attempt a;
//     a.result = "exit code 0 in 4 ms";
//     a.healthy = true;
//     return a;
//   });
//   if (!v.healthy) throw sdk::Error(FailureMessage("pg_isready", v));
#pragma once

#include <taskr/sdk.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::health {

/// Policy is how often and for how long a check tries.
struct Policy {
  std::chrono::milliseconds timeout{5000};     // limit of one attempt
  std::chrono::milliseconds interval{2000};    // pause after an attempt, before the next
  std::chrono::milliseconds deadline{120000};  // limit of the whole check
  int retries = 10;                            // attempts beyond `successes`
  int successes = 1;                           // healthy attempts in a row needed

  /// MaxAttempts is how many attempts the check may make: successes + retries.
  int MaxAttempts() const { return successes + retries; }
};

/// Attempt is what one attempt saw.
struct Attempt {
  int number = 0;                   // from 1; set by RunAttempts
  std::chrono::milliseconds at{0};  // when it started, after the check's start; set by RunAttempts
  bool healthy = false;
  /// result is what happened, one phrase: "200 OK in 3 ms",
  /// "connection refused by 127.0.0.1:8080", "exit code 1 in 4 ms".
  std::string result;
  /// problem is why a response does not count as healthy ("expected status
  /// 200-399"); empty when healthy or when `result` says it all.
  std::string problem;
  /// code is the HTTP status or the exit code, when there was one.
  std::optional<int> code;
};

/// Probe makes one attempt that takes at most `limit`; it throws
/// sdk::Cancelled when the task is cancelled meanwhile.
using Probe = std::function<Attempt(std::chrono::milliseconds limit)>;

/// Verdict is how the check ended.
struct Verdict {
  bool healthy = false;
  std::vector<Attempt> attempts;
  std::chrono::milliseconds elapsed{0};
  /// ended says how it ended, after "healthy" or "not healthy":
  /// "after 3 attempts in 4.1s", "within the 3s deadline (4 attempts in 2.9s)".
  std::string ended;
};

/// PolicyText is the plan of a check, for its first log line:
/// "up to 11 attempts, 2s apart, 5s each, within 2m".
std::string PolicyText(const Policy& policy);

/// RunAttempts runs `probe` as `policy` says, logging a line per attempt, and
/// waits between attempts in short slices so that a cancelled task stops at
/// once (it throws sdk::Cancelled).
Verdict RunAttempts(const sdk::Context& ctx, const Policy& policy, const Probe& probe);

/// AttemptText is an attempt's result and its problem, if any:
/// "503 Service Unavailable in 1 ms: expected status 200-399".
std::string AttemptText(const Attempt& attempt);

/// FailureMessage is the one line a failed check fails its task with:
/// "<target>: not healthy after 11 attempts in 20.0s; last: <AttemptText>".
std::string FailureMessage(std::string_view target, const Verdict& verdict);

/// Publish sets the outputs every action has: attempts, elapsed_ms, healthy.
void Publish(const sdk::Context& ctx, const Verdict& verdict);

}  // namespace taskr::health
