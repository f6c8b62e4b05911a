#include "attempts.h"

#include <algorithm>
#include <thread>

#include "duration.h"

namespace taskr::health {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a wait between attempts sleeps before it looks for cancellation again.
constexpr milliseconds kSlice(50);

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

std::string Attempts(int n) { return std::to_string(n) + (n == 1 ? " attempt" : " attempts"); }

// Sleep waits until `until`, throwing sdk::Cancelled as soon as the task is cancelled.
void Sleep(const sdk::Context& ctx, Clock::time_point until) {
  for (;;) {
    ctx.ThrowIfCancelled();
    Clock::time_point now = Clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, until - now));
  }
}

std::string AttemptLine(const Attempt& a, const Policy& policy, int streak) {
  std::string line = "attempt " + std::to_string(a.number) + "/" +
                     std::to_string(policy.MaxAttempts()) + ": " + AttemptText(a);
  if (!a.healthy) return line;
  if (policy.successes == 1) return line + ": healthy";
  return line + ": healthy (" + std::to_string(streak) + " of " + std::to_string(policy.successes) +
         " in a row)";
}

}  // namespace

std::string PolicyText(const Policy& policy) {
  std::string text = "up to " + Attempts(policy.MaxAttempts());
  if (policy.MaxAttempts() > 1) text += ", " + FormatDuration(policy.interval) + " apart";
  text +=
      ", " + FormatDuration(policy.timeout) + " each, within " + FormatDuration(policy.deadline);
  if (policy.successes > 1) {
    text += ", until " + std::to_string(policy.successes) + " in a row are healthy";
  }
  return text;
}

std::string AttemptText(const Attempt& attempt) {
  return attempt.problem.empty() ? attempt.result : attempt.result + ": " + attempt.problem;
}

Verdict RunAttempts(const sdk::Context& ctx, const Policy& policy, const Probe& probe) {
  Verdict v;
  Clock::time_point start = Clock::now();
  Clock::time_point deadline = start + policy.deadline;
  int max = policy.MaxAttempts();
  int streak = 0;
  auto within_deadline = [&] {
    v.ended = "within the " + FormatDuration(policy.deadline) + " deadline (" +
              Attempts(static_cast<int>(v.attempts.size())) + " in " + FormatSeconds(Since(start)) +
              ")";
  };
  for (int n = 1; n <= max; ++n) {
    ctx.ThrowIfCancelled();
    Clock::time_point now = Clock::now();
    if (now >= deadline) {
      within_deadline();
      break;
    }
    milliseconds limit =
        std::min(policy.timeout, std::chrono::duration_cast<milliseconds>(deadline - now));
    Attempt a = probe(std::max(limit, milliseconds(1)));
    a.number = n;
    a.at = std::chrono::duration_cast<milliseconds>(now - start);
    streak = a.healthy ? streak + 1 : 0;
    ctx.Info(AttemptLine(a, policy, streak));
    v.attempts.push_back(std::move(a));

    if (streak >= policy.successes) {
      v.healthy = true;
      v.ended = "after " + Attempts(n) + " in " + FormatSeconds(Since(start));
      break;
    }
    int left = max - n;
    if (left < policy.successes - streak) {
      v.ended = "after " + Attempts(n) + " in " + FormatSeconds(Since(start));
      if (left > 0) {
        v.ended += " (the " + Attempts(left) + " left cannot make " +
                   std::to_string(policy.successes) + " in a row)";
      }
      break;
    }
    // An attempt that would start after the deadline is not worth waiting for.
    Clock::time_point next = Clock::now() + policy.interval;
    if (next >= deadline) {
      within_deadline();
      break;
    }
    Sleep(ctx, next);
  }
  v.elapsed = Since(start);
  return v;
}

std::string FailureMessage(std::string_view target, const Verdict& verdict) {
  std::string message = std::string(target) + ": not healthy " + verdict.ended;
  if (!verdict.attempts.empty()) message += "; last: " + AttemptText(verdict.attempts.back());
  return message;
}

void Publish(const sdk::Context& ctx, const Verdict& verdict) {
  ctx.SetOutput("attempts", std::to_string(verdict.attempts.size()));
  ctx.SetOutput("elapsed_ms", std::to_string(verdict.elapsed.count()));
  ctx.SetOutput("healthy", verdict.healthy ? "true" : "false");
}

}  // namespace taskr::health
