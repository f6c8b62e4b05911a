#include "runner/report/console.h"

#include "runner/report/findings.h"

#include <fmt/core.h>

#include <algorithm>
#include <vector>

namespace taskr {

namespace {

constexpr const char* kRed = "31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "33";
constexpr const char* kDim = "2";
constexpr const char* kBold = "1";

// LastLines returns at most `n` final lines of `text`, and whether it cut any.
std::string_view LastLines(std::string_view text, int n, bool* cut) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t pos = text.size();
  for (int i = 0; i < n; ++i) {
    size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    if (nl == std::string_view::npos || pos == 0) {
      *cut = false;
      return text;
    }
    pos = nl;
  }
  *cut = true;
  return text.substr(pos + 1);
}

}  // namespace

std::string FormatDuration(Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  if (s < 60) return fmt::format("{:.1f}s", s);
  auto whole = static_cast<long>(s);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

std::string DescribeTotals(const RunTotals& t, size_t cached) {
  std::string summary = fmt::format("{} succeeded, {} failed", t.succeeded, t.failed);
  if (t.allowed_failures) summary += fmt::format(", {} allowed to fail", t.allowed_failures);
  summary += fmt::format(", {} skipped", t.skipped);
  if (cached) summary += fmt::format(" ({} from the cache)", cached);
  if (t.cancelled) summary += fmt::format(", {} cancelled", t.cancelled);
  summary += fmt::format(" in {}", FormatDuration(t.wall));
  if (t.interrupted) summary += " (interrupted)";
  return summary;
}

std::string ConsoleReporter::Paint(std::string_view text, const char* code) const {
  if (!style_.color) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

void ConsoleReporter::ClearStatus() {
  if (!status_shown_) return;
  std::fputs("\r\x1b[K", out_);
  status_shown_ = false;
}

void ConsoleReporter::RunStarted(const RunInfo& info) {
  info_ = info;
  total_ = info.selection->order.size();
  for (NodeId id : info.selection->order) {
    id_width_ = std::max(id_width_, info.graph->node(id).id.size());
  }
  id_width_ = std::min<size_t>(id_width_, 40);
  fmt::print(out_, "taskr: {} — {} task{}, {} job{}\n", info.selection->description, total_,
             total_ == 1 ? "" : "s", info.jobs, info.jobs == 1 ? "" : "s");
}

void ConsoleReporter::TaskStarted(NodeId node, int attempt) {
  (void)attempt;
  running_.emplace(node, Clock::now());
}

void ConsoleReporter::TaskRetrying(NodeId node, const TaskResult& result, Clock::duration delay) {
  ClearStatus();
  running_.erase(node);
  fmt::print(out_, "{} {:<{}}  attempt {} failed ({}); retrying in {}\n",
             Paint("retry    ", kYellow), info_.graph->node(node).id, id_width_, result.attempts,
             result.reason, FormatDuration(delay));
}

ResultLine DescribeResult(const TaskResult& r, bool explain) {
  ResultLine out;
  out.duration = r.start == Clock::time_point{} ? "" : FormatDuration(r.Duration());
  out.detail = r.reason;
  switch (r.state) {
    case TaskState::kSucceeded:
      out.label = r.cache == CacheUse::kHit ? "cached" : "ok";
      break;
    case TaskState::kFailed:
      if (r.allowed_failure) {
        out.label = "allowed";
        out.detail += " (allow_failure)";
      } else {
        out.label = "FAILED";
      }
      break;
    case TaskState::kSkipped:
      out.label = "skipped";
      break;
    default:
      out.label = "cancelled";
      break;
  }
  auto add = [&](const std::string& more) {
    out.detail += fmt::format("{}{}", out.detail.empty() ? "" : ", ", more);
  };
  if (r.attempts > 1) add(fmt::format("after {} attempts", r.attempts));
  if (r.cache == CacheUse::kHit) out.duration.clear();
  if (r.cache == CacheUse::kMiss && !r.cache_changes.empty() && r.state == TaskState::kSucceeded) {
    add("cache miss: " + r.cache_changes.front());
    if (r.cache_changes.size() > 1 && !explain)
      out.detail += fmt::format(" (+{} more)", r.cache_changes.size() - 1);
  }
  return out;
}

void ConsoleReporter::TaskFinished(NodeId node, const TaskResult& r) {
  ClearStatus();
  running_.erase(node);
  ++finished_;
  if (r.cache == CacheUse::kHit) ++cached_;
  ResultLine desc = DescribeResult(r, explain_);
  const char* color = desc.label == "FAILED"                         ? kRed
                      : desc.label == "allowed"                      ? kYellow
                      : desc.label == "ok" || desc.label == "cached" ? kGreen
                                                                     : kDim;
  std::string label = Paint(fmt::format("{:<9}", desc.label), color);
  const std::string& id = info_.graph->node(node).id;
  std::string line = fmt::format("{} {:<{}}  {:>6}", label, id, id_width_, desc.duration);
  if (!desc.detail.empty()) line += "  " + desc.detail;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  fmt::print(out_, "{}\n", line);
  if (explain_ && r.cache == CacheUse::kMiss) {
    if (r.cache_changes.empty())
      fmt::print(out_, "          cache miss: no earlier run of this task on record\n");
    for (size_t i = 1; i < r.cache_changes.size(); ++i) {
      fmt::print(out_, "          cache miss: {}\n", r.cache_changes[i]);
    }
  }
  if (style_.live) std::fflush(out_);
}

void ConsoleReporter::Notice(std::string_view message) {
  ClearStatus();
  fmt::print(out_, "taskr: {}\n", message);
  std::fflush(out_);
}

void ConsoleReporter::Tick() {
  if (!style_.live || running_.empty()) return;
  auto now = Clock::now();
  std::string line = fmt::format("[{}/{}] ", finished_, total_);
  bool first = true;
  for (const auto& [node, start] : running_) {
    std::string item = fmt::format("{}{} {}", first ? "" : ", ", info_.graph->node(node).id,
                                   FormatDuration(now - start));
    if (line.size() + item.size() > 110) {
      line += fmt::format(" +{} more", running_.size());
      break;
    }
    line += item;
    first = false;
  }
  fmt::print(out_, "\r\x1b[K{}", Paint(line, kDim));
  std::fflush(out_);
  status_shown_ = true;
}

void ConsoleReporter::PrintFailureTails(const std::vector<TaskResult>& results) {
  std::vector<bool> downstream;
  std::vector<NodeId> order = RootCauseOrder(*info_.graph, *info_.selection, results, &downstream);
  for (size_t i = 0; i < order.size(); ++i) {
    NodeId id = order[i];
    const TaskResult& r = results[id];
    std::string title =
        fmt::format("{} {}: {}",
                    downstream[i] ? "then failed:" : "failed:", info_.graph->node(id).id, r.reason);
    fmt::print(out_, "\n{}\n", Paint(title, kBold));
    if (r.log_tail.empty()) {
      fmt::print(out_, "  (no output)\n");
      continue;
    }
    bool cut = false;
    std::string_view tail = LastLines(r.log_tail, style_.tail_lines, &cut);
    if (cut)
      fmt::print(
          out_, "{}\n",
          Paint(fmt::format("  … last {} lines of {}", style_.tail_lines, r.log_path), kDim));
    size_t pos = 0;
    while (pos <= tail.size()) {
      size_t nl = tail.find('\n', pos);
      std::string_view line =
          tail.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      fmt::print(out_, "  {}\n", line);
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    if (!cut) fmt::print(out_, "{}\n", Paint(fmt::format("  full log: {}", r.log_path), kDim));
  }
}

void ConsoleReporter::RunFinished(const RunTotals& t, const std::vector<TaskResult>& results) {
  ClearStatus();
  PrintFailureTails(results);
  std::string summary = DescribeTotals(t, cached_);
  const char* color = t.failed || t.interrupted ? kRed : kGreen;
  fmt::print(out_, "\n{} {}\n", Paint("taskr:", kBold), Paint(summary, color));
  std::fflush(out_);
}

}  // namespace taskr
