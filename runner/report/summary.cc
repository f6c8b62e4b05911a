#include "runner/report/summary.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "runner/base/read_file.h"
#include "runner/base/write_file.h"
#include "runner/exec/contexts.h"
#include "runner/model/pipeline.h"
#include "runner/report/console.h"
#include "runner/report/findings.h"
#include "taskr/markdown.hpp"

namespace taskr {

namespace {

constexpr size_t kTopFindings = 50;
constexpr size_t kFailureLogLines = 30;
constexpr size_t kMaxLineBytes = 400;
constexpr size_t kMaxPluginSection = 64 * 1024;
constexpr size_t kMaxMermaidBytes = 50'000;  // mermaid's default maxTextSize

// Cell makes text safe inside a markdown table cell, and short.
std::string Cell(std::string_view text) {
  std::string out = sdk::MarkdownCell(text);
  if (out.size() > kMaxLineBytes) out = out.substr(0, kMaxLineBytes) + "…";
  return out;
}

// Code fences a log so that nothing in it can close the fence early.
std::string Fenced(std::string_view text) {
  std::string fence = "```";
  while (text.find(fence) != std::string_view::npos) fence += '`';
  std::string out = fence + "text\n";
  out += text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + fence + "\n";
}

std::string LastLines(std::string_view text, size_t n) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t pos = text.size();
  size_t lines = 0;
  while (pos > 0 && lines < n) {
    size_t nl = text.rfind('\n', pos - 1);
    ++lines;
    if (nl == std::string_view::npos) {
      pos = 0;
      break;
    }
    pos = nl;
    if (lines == n) ++pos;
  }
  std::string out;
  for (std::string_view rest = text.substr(pos); !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    out += line.size() > kMaxLineBytes ? std::string(line.substr(0, kMaxLineBytes)) + "…"
                                       : std::string(line);
    out += '\n';
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return out;
}

const char* StatusIcon(const TaskResult& r) {
  switch (r.state) {
    case TaskState::kSucceeded:
      return r.cache == CacheUse::kHit ? "💾" : "✅";
    case TaskState::kFailed:
      return r.allowed_failure ? "⚠️" : "❌";
    case TaskState::kSkipped:
      return "⏭️";
    default:
      return "🚫";
  }
}

std::string CacheCell(const TaskResult& r) {
  switch (r.cache) {
    case CacheUse::kHit:
      return "hit";
    case CacheUse::kMiss:
      return r.cache_changes.empty() ? "miss: first run" : "miss: " + r.cache_changes.front();
    default:
      return "";
  }
}

// LinkScope evaluates the `links` of a pipeline after the run: success() and
// failure() say how the run went.
class LinkScope : public ExprScope {
 public:
  LinkScope(const Contexts& contexts, bool succeeded) : contexts_(contexts), ok_(succeeded) {}
  const Value* Context(std::string_view name) const override { return contexts_.Get(name); }
  bool Success() const override { return ok_; }
  bool Failure() const override { return !ok_; }

 private:
  const Contexts& contexts_;
  bool ok_;
};

// Section is one part of the page, with forms from fullest to shortest; the
// last form may be "" (left out).
struct Section {
  std::string name;
  std::vector<std::string> forms;
  size_t chosen = 0;
  const std::string& text() const { return forms[chosen]; }
};

class SummaryWriter {
 public:
  SummaryWriter(const RunInfo& info, const RunTotals& totals,
                const std::vector<TaskResult>& results, const EnvLookup& env)
      : info_(info), totals_(totals), results_(results), env_(env) {}

  std::string Render(size_t budget) {
    std::vector<Section> sections;
    sections.push_back({"header", {Header()}});
    sections.push_back(Failures());
    sections.push_back(Tasks());
    sections.push_back(Graph());
    sections.push_back(Findings());
    sections.push_back(Artifacts());
    for (NodeId id : info_.selection->order) {
      if (!results_[id].summary.empty()) sections.push_back(PluginSection(id));
    }
    // Step sections down, least needed first, until the page fits.
    std::vector<size_t> order;
    for (size_t i = sections.size(); i-- > 6;) order.push_back(i);  // plugin sections
    for (size_t i : {3, 5, 4, 2, 1}) order.push_back(i);
    auto total = [&] {
      size_t n = 0;
      for (const auto& s : sections) n += s.text().size();
      return n + 512;  // the note about what was left out
    };
    for (size_t i : order) {
      while (total() > budget && sections[i].chosen + 1 < sections[i].forms.size())
        ++sections[i].chosen;
    }
    std::string page;
    std::vector<std::string> left_out;
    for (const auto& s : sections) {
      page += s.text();
      if (s.chosen > 0) left_out.push_back(s.text().empty() ? s.name : s.name + " (shortened)");
    }
    if (!left_out.empty()) {
      std::string names;
      for (const auto& n : left_out) names += (names.empty() ? "" : ", ") + n;
      page += fmt::format(
          "\n> [!NOTE]\n> This page leaves out: {}, to stay within GitHub's limits. "
          "Everything is in `{}/report.json`.\n",
          names, RunDirForDisplay());
    }
    if (page.size() > budget) page.resize(budget);  // only when the header alone is too big
    return page;
  }

 private:
  std::string RunDirForDisplay() const {
    std::filesystem::path dir = info_.run_dir;
    std::filesystem::path rel = dir.lexically_relative(info_.pipeline->root);
    return rel.empty() ? dir.string() : rel.string();
  }

  std::string Env(std::string_view name) const { return env_ ? env_(name).value_or("") : ""; }

  std::string RunUrl() const {
    std::string server = Env("GITHUB_SERVER_URL"), repo = Env("GITHUB_REPOSITORY"),
                run = Env("GITHUB_RUN_ID");
    if (server.empty() || repo.empty() || run.empty()) return "";
    return fmt::format("{}/{}/actions/runs/{}", server, repo, run);
  }

  std::string Header() const {
    bool ok = totals_.exit_code == 0;
    const char* verdict = totals_.interrupted ? "interrupted" : ok ? "succeeded" : "failed";
    std::string project = info_.pipeline->project_name;
    std::string out =
        fmt::format("## {} taskr: {}{} {}\n\n", ok ? "✅" : "❌",
                    project.empty() ? "" : project + " — ", info_.selection->description, verdict);
    size_t cached = 0;
    for (NodeId id : info_.selection->order) cached += results_[id].cache == CacheUse::kHit;
    out += fmt::format("**{}**\n\n", DescribeTotals(totals_, cached));
    std::vector<std::string> links;
    if (std::string url = RunUrl(); !url.empty()) {
      std::string attempt = Env("GITHUB_RUN_ATTEMPT");
      links.push_back(fmt::format("[Workflow run]({}{})", url,
                                  attempt.empty() || attempt == "1" ? "" : "/attempts/" + attempt));
      if (!ok) {
        links.push_back(fmt::format("re-run the failed jobs: `gh run rerun {} --failed`",
                                    Env("GITHUB_RUN_ID")));
      }
    }
    if (!ok) {
      links.push_back(fmt::format("locally: `taskr run {}`", LocalTargets()));
    }
    for (const auto& link : DeclaredLinks()) links.push_back(link);
    if (!links.empty()) {
      std::string joined;
      for (const auto& l : links) joined += (joined.empty() ? "" : " · ") + l;
      out += joined + "\n\n";
    }
    return out;
  }

  std::string LocalTargets() const {
    if (info_.selection->pipeline) return info_.selection->pipeline->name;
    std::string out;
    for (NodeId id : info_.selection->order) {
      if (!info_.graph->node(id).dependents.empty()) continue;
      out += (out.empty() ? "" : " ") + fmt::format("'{}'", info_.graph->node(id).id);
    }
    return out;
  }

  std::vector<std::string> DeclaredLinks() const {
    std::vector<std::string> out;
    const PipelineSpec* p = info_.selection->pipeline;
    if (!p || !info_.contexts) return out;
    LinkScope scope(*info_.contexts, totals_.exit_code == 0);
    for (const LinkSpec& link : p->links) {
      if (link.condition) {
        Result<Value> shown = link.condition->Evaluate(scope);
        if (!shown.ok() || !shown->Truthy()) continue;
      }
      Result<std::string> title = link.title.Render(scope);
      Result<std::string> url = link.url.Render(scope);
      if (!title.ok() || !url.ok() || url->empty()) continue;
      out.push_back(fmt::format("**[{}]({})**", Cell(*title), *url));
    }
    return out;
  }

  Section Failures() const {
    std::vector<bool> downstream;
    std::vector<NodeId> failed =
        RootCauseOrder(*info_.graph, *info_.selection, results_, &downstream);
    if (failed.empty()) return {"failures", {""}};
    std::string full = "### Failures\n\n";
    std::string brief = full;
    for (size_t i = 0; i < failed.size(); ++i) {
      const TaskResult& r = results_[failed[i]];
      std::string title = fmt::format("**{}** {}: {}\n\n", Cell(info_.graph->node(failed[i]).id),
                                      downstream[i] ? "then failed" : "failed", Cell(r.reason));
      brief += "- " + title;
      full += title;
      if (!r.log_tail.empty()) full += Fenced(LastLines(r.log_tail, kFailureLogLines)) + "\n";
    }
    return {"failure logs", {full, brief}};
  }

  Section Tasks() const {
    std::string head =
        "### Tasks\n\n| | Task | Status | Duration | Cache | Detail |\n|---|---|---|---|---|---|\n";
    std::string all = head, notable = head;
    size_t hidden = 0;
    for (NodeId id : info_.selection->order) {
      const TaskResult& r = results_[id];
      ResultLine d = DescribeResult(r, /*explain=*/false);
      std::string detail = r.reason;
      if (r.attempts > 1)
        detail += fmt::format("{}after {} attempts", detail.empty() ? "" : ", ", r.attempts);
      std::string row = fmt::format("| {} | {} | {} | {} | {} | {} |\n", StatusIcon(r),
                                    Cell(info_.graph->node(id).id), d.label, d.duration,
                                    Cell(CacheCell(r)), Cell(detail));
      all += row;
      if (r.state == TaskState::kSucceeded) {
        ++hidden;
      } else {
        notable += row;
      }
    }
    notable += fmt::format("\n{} tasks that succeeded are not listed.\n", hidden);
    return {"task table", {all + "\n", notable + "\n", ""}};
  }

  Section Graph() const {
    const char* kClasses[] = {"ok", "cached", "failed", "allowed", "skipped", "cancelled"};
    std::string out = "### Graph\n\n```mermaid\nflowchart LR\n";
    for (NodeId id : info_.selection->order) {
      const TaskResult& r = results_[id];
      std::string label = info_.graph->node(id).id;
      std::string safe;
      for (char c : label) safe += c == '"' ? std::string("#quot;") : std::string(1, c);
      const char* cls =
          r.state == TaskState::kSucceeded ? (r.cache == CacheUse::kHit ? kClasses[1] : kClasses[0])
          : r.state == TaskState::kFailed  ? (r.allowed_failure ? kClasses[3] : kClasses[2])
          : r.state == TaskState::kSkipped ? kClasses[4]
                                           : kClasses[5];
      out += fmt::format("  n{}[\"{}\"]:::{}\n", id, safe, cls);
    }
    for (NodeId id : info_.selection->order) {
      for (const auto& edge : info_.graph->node(id).needs)
        out += fmt::format("  n{} --> n{}\n", edge.node, id);
    }
    out +=
        "  classDef ok fill:#dafbe1,stroke:#1a7f37\n"
        "  classDef cached fill:#ddf4ff,stroke:#0969da\n"
        "  classDef failed fill:#ffebe9,stroke:#cf222e\n"
        "  classDef allowed fill:#fff8c5,stroke:#9a6700\n"
        "  classDef skipped fill:#f6f8fa,stroke:#8c959f\n"
        "  classDef cancelled fill:#f6f8fa,stroke:#57606a,stroke-dasharray: 4\n"
        "```\n\n";
    if (out.size() > kMaxMermaidBytes) {
      return {"graph (too large for mermaid to draw)", {out, ""}, /*chosen=*/1};
    }
    return {"graph", {out, ""}};
  }

  static std::string Location(const FindingView& f) {
    std::string file = f.Text("file");
    if (file.empty()) return "";
    uint32_t line = f.Number("line");
    return line ? fmt::format("`{}:{}`", Cell(file), line) : fmt::format("`{}`", Cell(file));
  }

  Section Findings() const {
    std::vector<RankedFinding> ranked = RankFindings(*info_.selection, results_);
    if (ranked.empty()) return {"findings", {""}};
    std::map<std::string, size_t> counts;
    for (const auto& f : ranked) ++counts[f.finding.Severity()];
    std::string head =
        fmt::format("### Findings ({})\n\n| Severity | Count |\n|---|---|\n", ranked.size());
    for (std::string_view s : kSeverityOrder) {
      if (auto it = counts.find(std::string(s)); it != counts.end())
        head += fmt::format("| {} | {} |\n", s, it->second);
    }
    head += "\n";
    auto top = [&](size_t n) {
      std::string out = head;
      out += fmt::format(
          "Top {} of {}:\n\n| Severity | Rule | Location | Message | Task "
          "|\n|---|---|---|---|---|\n",
          std::min(n, ranked.size()), ranked.size());
      for (size_t i = 0; i < ranked.size() && i < n; ++i) {
        const FindingView& f = ranked[i].finding;
        std::string rule = f.Text("rule_id");
        std::string uri = f.Text("help_uri");
        std::string rule_cell = uri.empty() ? Cell(rule) : fmt::format("[{}]({})", Cell(rule), uri);
        out += fmt::format("| {} | {} | {} | {} | {} |\n", f.Severity(), rule_cell, Location(f),
                           Cell(f.Text("message")), Cell(info_.graph->node(ranked[i].node).id));
      }
      return out + "\n";
    };
    return {"findings", {top(kTopFindings), top(10), head}};
  }

  Section Artifacts() const {
    std::vector<std::string> rows;
    for (NodeId id : info_.selection->order) {
      for (const Value& a : results_[id].artifacts) {
        FindingView v{&a};
        rows.push_back(fmt::format("| `{}` | `{}` | {} |\n", Cell(v.Text("path")),
                                   Cell(v.Text("digest")), Cell(info_.graph->node(id).id)));
      }
    }
    if (rows.empty()) return {"artifacts", {""}};
    std::string head = "### Artifacts\n\n| Path | Digest | Task |\n|---|---|---|\n";
    auto first = [&](size_t n) {
      std::string out = head;
      for (size_t i = 0; i < rows.size() && i < n; ++i) out += rows[i];
      if (rows.size() > n) out += fmt::format("\n…and {} more.\n", rows.size() - n);
      return out + "\n";
    };
    return {"artifacts", {first(rows.size()), first(20), ""}};
  }

  Section PluginSection(NodeId id) const {
    std::string md = results_[id].summary;
    if (md.size() > kMaxPluginSection) {
      md.resize(kMaxPluginSection);
      md += "\n\n…cut at 64 KiB.\n";
    }
    std::string name = info_.graph->node(id).id;
    return {"section of " + name, {fmt::format("### {}\n\n{}\n\n", Cell(name), md), ""}};
  }

  const RunInfo& info_;
  const RunTotals& totals_;
  const std::vector<TaskResult>& results_;
  const EnvLookup& env_;
};

}  // namespace

std::string RenderSummary(const RunInfo& info, const RunTotals& totals,
                          const std::vector<TaskResult>& results, const EnvLookup& env,
                          size_t budget) {
  std::string page = SummaryWriter(info, totals, results, env).Render(budget);
  return info.contexts ? info.contexts->Mask(page) : page;
}

void SummaryReporter::RunFinished(const RunTotals& totals, const std::vector<TaskResult>& results) {
  size_t budget = options_.budget;
  if (!options_.append_to.empty()) {
    // The step's summary file may already hold what earlier commands wrote.
    std::error_code ec;
    auto existing = std::filesystem::file_size(options_.append_to, ec);
    if (!ec) budget = existing < budget ? budget - existing : 0;
  }
  std::string page = RenderSummary(info_, totals, results, options_.env, budget);
  for (const auto& path : options_.files) {
    if (Status s = WriteFile(path, page); !s.ok())
      fmt::print(stderr, "taskr: warning: {}\n", s.message());
  }
  if (!options_.append_to.empty() && budget > 0) {
    if (Status s = AppendFile(options_.append_to, page); !s.ok())
      fmt::print(stderr, "taskr: warning: job summary: {}\n", s.message());
  }
}

}  // namespace taskr
