#include "runner/graph/graph.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <deque>

namespace taskr {

namespace {

// MatrixCombinations lists every combination of the task's axes, in declared
// order with the last axis varying fastest, minus the excluded ones.
std::vector<Value> MatrixCombinations(const TaskSpec& task) {
  if (task.matrix.empty()) return {Value()};
  std::vector<ValueObject> combos = {ValueObject{}};
  for (const auto& axis : task.matrix) {
    std::vector<ValueObject> next;
    next.reserve(combos.size() * axis.values.size());
    for (const auto& combo : combos) {
      for (const auto& v : axis.values) {
        ValueObject c = combo;
        c.emplace(axis.key, v);
        next.push_back(std::move(c));
      }
    }
    combos = std::move(next);
  }
  std::vector<Value> out;
  out.reserve(combos.size());
  for (auto& combo : combos) {
    bool excluded = std::any_of(task.matrix_exclude.begin(), task.matrix_exclude.end(),
                                [&](const ValueObject& ex) {
                                  return std::all_of(ex.begin(), ex.end(), [&](const auto& kv) {
                                    auto it = combo.find(kv.first);
                                    return it != combo.end() && it->second == kv.second;
                                  });
                                });
    if (!excluded) out.emplace_back(std::move(combo));
  }
  return out;
}

std::vector<std::string> SharedKeys(const TaskSpec& a, const TaskSpec& b) {
  std::vector<std::string> keys;
  for (const auto& x : a.matrix) {
    for (const auto& y : b.matrix) {
      if (x.key == y.key) keys.push_back(x.key);
    }
  }
  return keys;
}

// Projection renders the values of `keys` in `matrix` as one lookup key.
std::string Projection(const Value& matrix, const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    out += matrix.Get(k)->ToJson(-1);
    out += '\x1f';
  }
  return out;
}

// ReferencesNeedOutputs tells whether any expression of `task` reads needs.<name>.outputs.
bool ReferencesNeedOutputs(const TaskSpec& task, std::string_view name) {
  bool found = false;
  auto check = [&](const ContextRef& ref) {
    if (ref.root == "needs" && ref.path.size() >= 2 && ref.path[0] == name &&
        ref.path[1] == "outputs") {
      found = true;
    }
  };
  if (task.run) task.run->ForEachRef(check);
  for (const auto& e : task.env) e.value.ForEachRef(check);
  if (task.cwd) task.cwd->ForEachRef(check);
  if (task.concurrency) task.concurrency->ForEachRef(check);
  if (task.condition) task.condition->ForEachRef(check);
  std::function<void(const Value&)> walk = [&](const Value& v) {
    if (v.is_string()) {
      ExprError ignored;
      if (auto t = Template::Parse(v.as_string(), &ignored)) t->ForEachRef(check);
    } else if (v.is_array()) {
      for (const auto& item : v.as_array()) walk(item);
    } else if (v.is_object()) {
      for (const auto& [k, item] : v.as_object()) walk(item);
    }
  };
  walk(task.with);
  return found;
}

struct Selector {
  std::string task;
  std::vector<std::pair<std::string, std::string>> matrix;  // key, rendered value
};

std::optional<Selector> ParseSelector(std::string_view text) {
  Selector s;
  size_t open = text.find('[');
  s.task = std::string(text.substr(0, open));
  if (open == std::string_view::npos) return s;
  if (text.back() != ']') return std::nullopt;
  std::string_view body = text.substr(open + 1, text.size() - open - 2);
  while (!body.empty()) {
    size_t comma = body.find(',');
    std::string_view pair = body.substr(0, comma);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    s.matrix.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    body.remove_prefix(comma + 1);
  }
  return s;
}

}  // namespace

std::string InstanceId(std::string_view task, const Value& matrix) {
  if (!matrix.is_object()) return std::string(task);
  std::string id(task);
  id += '[';
  bool first = true;
  for (const auto& [k, v] : matrix.as_object()) {
    if (!first) id += ',';
    first = false;
    id += k;
    id += '=';
    id += v.ToString();
  }
  id += ']';
  return id;
}

std::optional<Graph> Graph::Build(const Pipeline& pipeline, std::vector<Diagnostic>* errors) {
  Graph g;
  auto error = [&](SourceLoc loc, std::string message) {
    errors->push_back(Diagnostic{pipeline.file.string(), loc, std::move(message)});
  };

  // 1. One node per matrix combination. Ids need stable storage before indexing.
  for (const auto& task : pipeline.tasks) {
    NodeId first = static_cast<NodeId>(g.nodes_.size());
    for (auto& combo : MatrixCombinations(task)) {
      TaskNode node;
      node.spec = &task;
      node.id = InstanceId(task.name, combo);
      node.matrix = std::move(combo);
      g.nodes_.push_back(std::move(node));
    }
    if (g.nodes_.size() == first) {
      error(task.loc,
            fmt::format("task '{}': matrix exclude leaves no combination to run", task.name));
    }
    g.by_task_.emplace(task.name, std::pair(first, static_cast<NodeId>(g.nodes_.size())));
  }
  for (NodeId i = 0; i < g.nodes_.size(); ++i) g.by_id_.emplace(g.nodes_[i].id, i);

  // 2. Link needs: instances whose shared matrix keys are equal.
  for (const auto& task : pipeline.tasks) {
    auto [first, last] = g.by_task_.at(task.name);
    for (uint32_t ni = 0; ni < task.needs.size(); ++ni) {
      const NeedSpec& need = task.needs[ni];
      auto [tfirst, tlast] = g.by_task_.at(need.task);
      if (tfirst == tlast) continue;  // reported above: no instance at all
      const TaskSpec& target = *g.nodes_[tfirst].spec;
      std::vector<std::string> keys = SharedKeys(task, target);
      std::unordered_map<std::string, std::vector<NodeId>> groups;
      for (NodeId t = tfirst; t < tlast; ++t)
        groups[Projection(g.nodes_[t].matrix, keys)].push_back(t);
      bool needs_one = ReferencesNeedOutputs(task, need.task);
      for (NodeId n = first; n < last; ++n) {
        auto it = groups.find(Projection(g.nodes_[n].matrix, keys));
        if (it == groups.end()) {
          error(need.loc, fmt::format("{} needs {}, but no instance of '{}' has the same {} "
                                      "(instances: {} …)",
                                      g.nodes_[n].id, need.task, need.task, fmt::join(keys, ", "),
                                      g.nodes_[tfirst].id));
          continue;
        }
        if (needs_one && it->second.size() > 1) {
          error(need.loc, fmt::format("'{}' reads needs.{}.outputs, but {} links to {} instances "
                                      "of '{}'; give '{}' the same matrix keys so each instance "
                                      "needs exactly one",
                                      task.name, need.task, g.nodes_[n].id, it->second.size(),
                                      need.task, task.name));
          break;
        }
        for (NodeId t : it->second) {
          g.nodes_[n].needs.push_back(NeedEdge{t, ni});
          g.nodes_[t].dependents.push_back(n);
        }
      }
    }
  }
  if (!errors->empty()) return std::nullopt;

  // 3. Every pipeline's task list must select something.
  for (const auto& p : pipeline.pipelines) {
    Result<Selection> sel = g.Select(pipeline, {p.name});
    if (!sel.ok()) error(p.loc, fmt::format("pipeline '{}': {}", p.name, sel.status().message()));
  }
  if (!errors->empty()) return std::nullopt;
  return g;
}

std::optional<NodeId> Graph::Find(std::string_view id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

Result<Selection> Graph::Select(const Pipeline& pipeline,
                                const std::vector<std::string>& targets) const {
  Selection sel;
  std::vector<char> chosen(nodes_.size(), 0);
  std::vector<NodeId> stack;
  auto add_node = [&](NodeId id) {
    if (!chosen[id]) {
      chosen[id] = 1;
      stack.push_back(id);
    }
  };
  auto add_ref = [&](const std::string& ref) -> Status {
    auto selector = ParseSelector(ref);
    if (!selector)
      return Status::Error(
          fmt::format("bad task selector '{}': write it like image[service=api]", ref));
    auto range = by_task_.find(selector->task);
    if (range == by_task_.end()) {
      std::vector<std::string> names;
      for (const auto& p : pipeline.pipelines) names.push_back(p.name);
      for (const auto& t : pipeline.tasks) names.push_back(t.name);
      return Status::Error(fmt::format("no pipeline or task named '{}'{}", selector->task,
                                       DidYouMean(selector->task, names)));
    }
    bool any = false;
    for (NodeId id = range->second.first; id < range->second.second; ++id) {
      bool match =
          std::all_of(selector->matrix.begin(), selector->matrix.end(), [&](const auto& kv) {
            const Value* v =
                nodes_[id].matrix.is_object() ? nodes_[id].matrix.Get(kv.first) : nullptr;
            return v && v->ToString() == kv.second;
          });
      if (match) {
        add_node(id);
        any = true;
      }
    }
    if (!any) {
      return Status::Error(
          fmt::format("no instance of '{}' matches {}; instances: {}{}", selector->task, ref,
                      nodes_[range->second.first].id,
                      range->second.second - range->second.first > 1 ? ", …" : ""));
    }
    return Status();
  };

  std::vector<std::string> task_targets;
  for (const auto& target : targets) {
    if (const PipelineSpec* p = pipeline.FindPipeline(target)) {
      if (sel.pipeline)
        return Status::Error(fmt::format("run one pipeline at a time: both '{}' and '{}' given",
                                         sel.pipeline->name, p->name));
      sel.pipeline = p;
      for (const auto& ref : p->tasks) TASKR_RETURN_IF_ERROR(add_ref(ref));
    } else {
      TASKR_RETURN_IF_ERROR(add_ref(target));
      task_targets.push_back(target);
    }
  }
  sel.description = sel.pipeline ? fmt::format("pipeline {}", sel.pipeline->name)
                                 : fmt::format("{}", fmt::join(task_targets, ", "));
  if (sel.pipeline && !task_targets.empty())
    sel.description += fmt::format(" + {}", fmt::join(task_targets, ", "));

  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    for (const auto& edge : nodes_[id].needs) add_node(edge.node);
  }

  // Kahn's algorithm over the chosen nodes, ties broken by file order.
  std::vector<uint32_t> pending(nodes_.size(), 0);
  std::deque<NodeId> ready;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    if (!chosen[id]) continue;
    pending[id] = static_cast<uint32_t>(nodes_[id].needs.size());
    if (pending[id] == 0) ready.push_back(id);
  }
  while (!ready.empty()) {
    NodeId id = ready.front();
    ready.pop_front();
    sel.order.push_back(id);
    for (NodeId d : nodes_[id].dependents) {
      if (chosen[d] && --pending[d] == 0) ready.push_back(d);
    }
  }
  return sel;
}

}  // namespace taskr
