#include "runner/report/findings.h"

#include <algorithm>
#include <cmath>

namespace taskr {

std::string FindingView::Text(std::string_view key) const {
  const Value* f = v ? v->Get(key) : nullptr;
  return f && f->is_string() ? f->as_string() : std::string();
}

uint32_t FindingView::Number(std::string_view key) const {
  const Value* f = v ? v->Get(key) : nullptr;
  if (!f || !f->is_number() || !(f->as_number() >= 1)) return 0;
  return static_cast<uint32_t>(std::min(f->as_number(), 4e9));
}

std::string FindingView::Level() const {
  std::string level = Text("level");
  if (level == "error" || level == "note") return level;
  return "warning";
}

double FindingView::SecuritySeverity() const {
  const Value* f = v ? v->Get("security_severity") : nullptr;
  if (!f || !f->is_number() || std::isnan(f->as_number())) return -1;
  return std::min(f->as_number(), 10.0);
}

std::string FindingView::Severity() const {
  double s = SecuritySeverity();
  if (s > 0) {
    if (s >= 9.0) return "critical";
    if (s >= 7.0) return "high";
    if (s >= 4.0) return "medium";
    return "low";
  }
  return Level();
}

double FindingView::Rank() const {
  std::string level = Level();
  double base = level == "error" ? 20 : level == "warning" ? 10 : 0;
  return base + std::max(0.0, SecuritySeverity());
}

std::vector<RankedFinding> RankFindings(const Selection& selection,
                                        const std::vector<TaskResult>& results) {
  std::vector<RankedFinding> all;
  for (NodeId id : selection.order) {
    for (const Value& f : results[id].findings) all.push_back({id, FindingView{&f}});
  }
  std::stable_sort(all.begin(), all.end(), [](const RankedFinding& a, const RankedFinding& b) {
    return a.finding.Rank() > b.finding.Rank();
  });
  return all;
}

std::vector<NodeId> RootCauseOrder(const Graph& graph, const Selection& selection,
                                   const std::vector<TaskResult>& results,
                                   std::vector<bool>* downstream) {
  auto failed = [&](NodeId id) {
    return results[id].state == TaskState::kFailed && !results[id].allowed_failure;
  };
  auto has_failed_ancestor = [&](NodeId id) {
    std::vector<NodeId> stack = {id};
    std::vector<char> seen(results.size(), 0);
    while (!stack.empty()) {
      NodeId n = stack.back();
      stack.pop_back();
      for (const auto& edge : graph.node(n).needs) {
        if (seen[edge.node]) continue;
        seen[edge.node] = 1;
        if (failed(edge.node)) return true;
        stack.push_back(edge.node);
      }
    }
    return false;
  };
  std::vector<std::pair<bool, NodeId>> ordered;
  for (NodeId id : selection.order) {
    if (failed(id)) ordered.emplace_back(has_failed_ancestor(id), id);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return !a.first;
    return results[a.second].end < results[b.second].end;
  });
  std::vector<NodeId> out;
  if (downstream) downstream->clear();
  for (const auto& [down, id] : ordered) {
    out.push_back(id);
    if (downstream) downstream->push_back(down);
  }
  return out;
}

}  // namespace taskr
