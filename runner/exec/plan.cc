#include "runner/exec/plan.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace taskr {

namespace {

std::string FirstLine(std::string_view text, size_t max) {
  size_t begin = text.find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) return "";
  text.remove_prefix(begin);
  size_t nl = text.find('\n');
  bool more =
      nl != std::string_view::npos && text.find_first_not_of(" \t\n", nl) != std::string_view::npos;
  std::string line(text.substr(0, nl));
  if (line.size() > max) {
    line.resize(max);
    more = true;
  }
  return more ? line + " …" : line;
}

// RenderForPlan fills in what is known before the run; a script that reads
// needs outputs is shown as written.
std::string RenderForPlan(const Template& t, const Contexts& contexts, const TaskNode& node) {
  bool reads_needs = false;
  t.ForEachRef([&](const ContextRef& ref) { reads_needs |= ref.root == "needs"; });
  if (reads_needs) return t.text();
  Result<std::string> text =
      t.Render(TaskScope(contexts, node, Value(ValueObject{}), NeedsStatus{}));
  return text.ok() ? contexts.Mask(*text) : t.text();
}

}  // namespace

std::string DescribePlan(const Graph& graph, const Selection& sel, const Contexts& contexts,
                         int jobs) {
  std::vector<int> wave(graph.nodes().size(), 0);  // 0: will not run
  std::map<int, std::vector<NodeId>> waves;
  std::vector<std::pair<NodeId, std::string>> not_run;
  Value no_needs{ValueObject{}};

  for (NodeId id : sel.order) {
    const TaskNode& node = graph.node(id);
    const TaskSpec& spec = *node.spec;
    int level = 1;
    bool needs_run = true;
    std::string skipped_need;
    for (const auto& edge : node.needs) {
      if (wave[edge.node] == 0) {
        needs_run = false;
        skipped_need = graph.node(edge.node).id;
      }
      level = std::max(level, wave[edge.node] + 1);
    }
    bool explicit_status = spec.condition && spec.condition->UsesStatusFunction();
    if (!needs_run && !explicit_status) {
      not_run.emplace_back(id, fmt::format("needs {}, which does not run", skipped_need));
      continue;
    }
    if (spec.condition) {
      NeedsStatus ok{.all_succeeded = needs_run, .any_failed = false, .cancelled = false};
      Result<Value> runs = spec.condition->Evaluate(TaskScope(contexts, node, no_needs, ok));
      if (!runs.ok()) {
        not_run.emplace_back(id, fmt::format("if: {}", runs.status().message()));
        continue;
      }
      if (!runs->Truthy()) {
        NeedsStatus bad{.all_succeeded = false, .any_failed = true, .cancelled = false};
        Result<Value> on_failure =
            spec.condition->Evaluate(TaskScope(contexts, node, no_needs, bad));
        std::string why =
            on_failure.ok() && on_failure->Truthy() ? "runs only when a need fails" : "is false";
        not_run.emplace_back(id, fmt::format("if: {} ({})", spec.condition->text(), why));
        continue;
      }
    }
    wave[id] = level;
    waves[level].push_back(id);
  }

  size_t width = 0;
  for (NodeId id : sel.order) width = std::max(width, graph.node(id).id.size());
  width = std::min<size_t>(width, 40);
  std::string out =
      fmt::format("taskr: dry run of {} — {} task{}, {} job{}; nothing is run\n", sel.description,
                  sel.order.size(), sel.order.size() == 1 ? "" : "s", jobs, jobs == 1 ? "" : "s");
  for (const auto& [level, ids] : waves) {
    out += fmt::format("wave {} ({} task{}):\n", level, ids.size(), ids.size() == 1 ? "" : "s");
    for (NodeId id : ids) {
      const TaskSpec& spec = *graph.node(id).spec;
      std::string what = spec.run
                             ? FirstLine(RenderForPlan(*spec.run, contexts, graph.node(id)), 72)
                             : fmt::format("uses {}", spec.uses);
      out += fmt::format("  {:<{}}  {}\n", graph.node(id).id, width, what);
    }
  }
  if (!not_run.empty()) {
    out += fmt::format("not run ({}):\n", not_run.size());
    for (const auto& [id, why] : not_run) {
      out += fmt::format("  {:<{}}  {}\n", graph.node(id).id, width, why);
    }
  }
  return out;
}

}  // namespace taskr
