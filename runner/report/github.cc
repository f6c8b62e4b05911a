#include "runner/report/github.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runner/base/read_file.h"
#include "runner/base/write_file.h"
#include "runner/exec/contexts.h"
#include "runner/model/pipeline.h"
#include "runner/report/console.h"
#include "runner/report/findings.h"

namespace taskr {

namespace {

constexpr size_t kMaxAnnotationChars = 4096;
constexpr size_t kLiveBufferBytes = 1 << 20;  // what a task may print before it streams

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, raw.data(), raw.size());
    (void)n;
    close(fd);
  }
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

std::string OutputName(std::string name) {
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return name;
}

std::string LastLines(std::string_view text, size_t n, size_t* skipped) {
  size_t total = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) +
                 (!text.empty() && text.back() != '\n');
  *skipped = total > n ? total - n : 0;
  size_t pos = 0;
  for (size_t i = 0; i < *skipped; ++i) pos = text.find('\n', pos) + 1;
  return std::string(text.substr(pos));
}

}  // namespace

std::string EscapeData(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeProperty(std::string_view text) {
  std::string out;
  for (char c : EscapeData(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatAnnotation(const Annotation& a) {
  std::vector<std::string> props;
  if (!a.file.empty()) {
    props.push_back("file=" + EscapeProperty(a.file));
    if (a.line) props.push_back(fmt::format("line={}", a.line));
    if (a.line && a.column) props.push_back(fmt::format("col={}", a.column));
  }
  if (!a.title.empty()) props.push_back("title=" + EscapeProperty(a.title));
  std::string joined;
  for (const auto& p : props) joined += (joined.empty() ? " " : ",") + p;
  std::string message = a.message;
  if (message.size() > kMaxAnnotationChars) {
    size_t end = kMaxAnnotationChars - 3;
    while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
    message = message.substr(0, end) + "...";
  }
  return fmt::format("::{}{}::{}\n", a.type, joined, EscapeData(message));
}

std::vector<Annotation> PlanAnnotations(const RunInfo& info, const std::vector<TaskResult>& results,
                                        const std::filesystem::path& workspace, size_t per_type,
                                        size_t* left_out) {
  std::map<std::string, size_t> used;
  std::vector<Annotation> out;
  *left_out = 0;
  auto relative = [&](const std::filesystem::path& p) {
    std::filesystem::path abs = p.is_absolute() ? p : info.pipeline->root / p;
    std::filesystem::path rel = abs.lexically_normal().lexically_relative(workspace);
    return rel.empty() || rel.string().starts_with("..") ? p.generic_string()
                                                         : rel.generic_string();
  };
  std::string pipeline_file = relative(std::filesystem::absolute(info.pipeline->file));
  for (NodeId id : RootCauseOrder(*info.graph, *info.selection, results, nullptr)) {
    if (used["error"] >= per_type) break;
    ++used["error"];
    const TaskResult& r = results[id];
    std::string message = r.reason;
    size_t skipped = 0;
    if (!r.log_tail.empty()) message += "\n" + LastLines(r.log_tail, 10, &skipped);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    out.push_back({"error", pipeline_file, info.graph->node(id).spec->loc.line, 0,
                   fmt::format("{} failed", info.graph->node(id).id), message});
  }
  for (const RankedFinding& rf : RankFindings(*info.selection, results)) {
    const FindingView& f = rf.finding;
    if (f.Text("file").empty()) continue;
    std::string level = f.Level();
    std::string type = level == "note" ? "notice" : level;
    if (used[type] >= per_type) {
      ++*left_out;
      continue;
    }
    ++used[type];
    std::string rule = f.Text("rule_id");
    std::string name = f.Text("rule_name");
    std::string title = name.empty() ? rule : rule.empty() ? name : rule + ": " + name;
    std::string severity = f.Severity();
    if (severity != level) title = fmt::format("[{}] {}", severity, title);
    out.push_back({type, relative(f.Text("file")), f.Number("line"), f.Number("column"), title,
                   f.Text("message")});
  }
  return out;
}

std::string MaskCommands(const SecretMasker& masker) {
  std::string out;
  for (const auto& p : masker.patterns()) out += "::add-mask::" + EscapeData(p) + "\n";
  return out;
}

std::vector<std::pair<std::string, std::string>> ExportedOutputs(
    const RunInfo& info, const RunTotals& totals, const std::vector<TaskResult>& results) {
  std::vector<std::pair<std::string, std::string>> out;
  for (NodeId id : info.selection->order) {
    const TaskNode& node = info.graph->node(id);
    const TaskSpec& spec = *node.spec;
    if (!spec.export_all && spec.exports.empty()) continue;
    std::string suffix;
    if (node.matrix.is_object()) {
      for (const auto& [k, v] : node.matrix.as_object()) suffix += "_" + v.ToString();
    }
    for (const auto& [key, value] : results[id].outputs) {
      bool wanted = spec.export_all ||
                    std::find(spec.exports.begin(), spec.exports.end(), key) != spec.exports.end();
      if (wanted) out.emplace_back(OutputName(key + suffix), value.ToString());
    }
  }
  const char* status = totals.interrupted      ? "cancelled"
                       : totals.exit_code == 0 ? "success"
                                               : "failure";
  out.emplace_back("taskr_status", status);
  return out;
}

std::string FormatOutputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  std::string delimiter;
  bool clash = true;
  while (clash) {
    delimiter = "ghadelimiter_" + RandomHex(16);
    clash = false;
    for (const auto& [name, value] : outputs) {
      clash |=
          name.find(delimiter) != std::string::npos || value.find(delimiter) != std::string::npos;
    }
  }
  std::string out;
  for (const auto& [name, value] : outputs) {
    out += fmt::format("{}<<{}\n{}\n{}\n", name, delimiter, value, delimiter);
  }
  return out;
}

// ---- GitHubConsole ----

void GitHubConsole::Write(std::string_view text) { std::fwrite(text.data(), 1, text.size(), out_); }

void GitHubConsole::RunStarted(const RunInfo& info) {
  info_ = info;
  Write(fmt::format("taskr: {} — {} task{}, {} job{}\n", info.selection->description,
                    info.selection->order.size(), info.selection->order.size() == 1 ? "" : "s",
                    info.jobs, info.jobs == 1 ? "" : "s"));
  std::fflush(out_);
}

std::string GitHubConsole::Title(NodeId node, const TaskResult& r) const {
  ResultLine d = DescribeResult(r, /*explain=*/false);
  std::string title = fmt::format("{} {}", d.label, info_.graph->node(node).id);
  if (!d.duration.empty()) title += fmt::format(" ({})", d.duration);
  if (!d.detail.empty()) title += " — " + d.detail;
  // A title is one line: a newline would end the command.
  std::replace(title.begin(), title.end(), '\n', ' ');
  std::replace(title.begin(), title.end(), '\r', ' ');
  return title;
}

void GitHubConsole::TaskStarted(NodeId node, int attempt) {
  (void)attempt;
  running_.emplace(node, Clock::now());
}

void GitHubConsole::TaskOutput(NodeId node, std::string_view chunk) {
  if (streaming_ == node) {
    Write(chunk);
    std::fflush(out_);
    return;
  }
  std::string& buffer = live_[node];
  buffer += chunk;
  if (buffer.size() > kLiveBufferBytes) buffer.erase(0, buffer.size() - kLiveBufferBytes / 2);
}

void GitHubConsole::TaskRetrying(NodeId node, const TaskResult& result, Clock::duration delay) {
  running_.erase(node);
  if (streaming_ == node) {
    Write(fmt::format("\ntaskr: attempt {} failed ({}); retrying in {}\n", result.attempts,
                      result.reason, FormatDuration(delay)));
  }
}

void GitHubConsole::Tick() {
  if (streaming_ || running_.size() != 1) return;
  auto [node, start] = *running_.begin();
  if (Clock::now() - start < options_.stream_after) return;
  // A long task runs alone: open its group now and follow it live.
  streaming_ = node;
  Write(fmt::format("::group::{} (running)\n", info_.graph->node(node).id));
  Write(live_[node]);
  live_.erase(node);
  std::fflush(out_);
}

void GitHubConsole::PrintGroup(NodeId node, const TaskResult& r) {
  bool exists = false;
  std::string log = r.log_path.empty() ? "" : ReadFile(r.log_path, &exists);
  if (log.empty()) {
    Write(Title(node, r) + "\n");  // never an empty group
    return;
  }
  Write("::group::" + Title(node, r) + "\n");
  Write(log);
  if (log.back() != '\n') Write("\n");
  Write("::endgroup::\n");
}

void GitHubConsole::TaskFinished(NodeId node, const TaskResult& r) {
  running_.erase(node);
  live_.erase(node);
  if (r.cache == CacheUse::kHit) ++cached_;
  if (streaming_ == node) {
    Write(fmt::format("\n{}\n::endgroup::\n", Title(node, r)));
    streaming_.reset();
    for (const auto& [n, result] : deferred_) PrintGroup(n, result);
    deferred_.clear();
  } else if (streaming_) {
    deferred_.emplace_back(node, r);
  } else {
    PrintGroup(node, r);
  }
  std::fflush(out_);
}

void GitHubConsole::Notice(std::string_view message) {
  Write(fmt::format("taskr: {}\n", message));
  std::fflush(out_);
}

void GitHubConsole::PrintReplays(const std::vector<TaskResult>& results) {
  std::vector<bool> downstream;
  std::vector<NodeId> failed = RootCauseOrder(*info_.graph, *info_.selection, results, &downstream);
  if (failed.empty()) return;
  // Logs are shown a second time: keep commands in them from acting twice.
  std::string token = "taskr-" + RandomHex(8);
  Write(fmt::format("::stop-commands::{}\n", token));
  for (size_t i = 0; i < failed.size(); ++i) {
    const TaskResult& r = results[failed[i]];
    std::string title = fmt::format("{} {}: {}", downstream[i] ? "then failed:" : "failed:",
                                    info_.graph->node(failed[i]).id, r.reason);
    if (options_.color) title = "\x1b[1;31m" + title + "\x1b[0m";
    Write("\n" + title + "\n");
    bool exists = false;
    std::string log = r.log_path.empty() ? "" : ReadFile(r.log_path, &exists);
    if (log.empty()) {
      Write("  (no output)\n");
      continue;
    }
    size_t skipped = 0;
    std::string tail = LastLines(log, options_.replay_lines, &skipped);
    if (skipped) Write(fmt::format("… {} earlier lines are in the task's group above\n", skipped));
    Write(tail);
    if (tail.back() != '\n') Write("\n");
  }
  Write(fmt::format("::{}::\n", token));
}

void GitHubConsole::RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) {
  if (streaming_) {
    Write("::endgroup::\n");
    streaming_.reset();
  }
  for (const auto& [n, result] : deferred_) PrintGroup(n, result);
  deferred_.clear();

  size_t left_out = 0;
  for (const Annotation& a :
       PlanAnnotations(info_, results, options_.workspace, kAnnotationsPerType, &left_out)) {
    Write(FormatAnnotation(a));
  }
  PrintReplays(results);
  if (left_out) {
    Write(fmt::format("taskr: {} more finding{} are in the job summary and results.sarif\n",
                      left_out, left_out == 1 ? "" : "s"));
  }
  if (!options_.output_file.empty()) {
    std::string text = FormatOutputs(ExportedOutputs(info_, totals, results));
    if (info_.contexts) text = info_.contexts->Mask(text);
    if (Status s = AppendFile(options_.output_file, text); !s.ok())
      Write(fmt::format("::warning::{}\n",
                        EscapeData("taskr: cannot write outputs: " + s.message())));
  }
  std::string line = "taskr: " + DescribeTotals(totals, cached_);
  if (options_.color) line = fmt::format("\x1b[{}m{}\x1b[0m", totals.exit_code ? 31 : 32, line);
  Write("\n" + line + "\n");
  std::fflush(out_);
}

}  // namespace taskr
