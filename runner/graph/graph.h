// Graph is a Pipeline expanded into task instances (one per matrix
// combination) linked by their needs; a Selection is the part of it a run
// executes, in topological order.
//
//   std::vector<Diagnostic> errors;
//   auto graph = Graph::Build(pipeline, &errors);
//   Result<Selection> sel = graph->Select(pipeline, {"ci"});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runner/base/status.h"
#include "runner/model/diagnostic.h"
#include "runner/model/pipeline.h"

namespace taskr {

/// NodeId indexes Graph::nodes().
using NodeId = uint32_t;

/// NeedEdge links a node to one instance of a task it needs.
struct NeedEdge {
  NodeId node;
  uint32_t need_index;  // index into TaskSpec::needs
};

/// TaskNode is one task instance.
struct TaskNode {
  const TaskSpec* spec = nullptr;
  std::string id;  // "test", or "scan[service=api]" for a matrix instance
  Value matrix;    // object of matrix key -> value; null without a matrix
  std::vector<NeedEdge> needs;
  std::vector<NodeId> dependents;
};

/// Selection is what a run executes.
struct Selection {
  std::vector<NodeId> order;               // every selected node, needs before dependents
  const PipelineSpec* pipeline = nullptr;  // set when a pipeline was named
  std::string description;                 // "pipeline ci" or "tasks a, b"
};

/// Graph owns the task instances of one Pipeline.
class Graph {
 public:
  /// Build expands matrices and links needs; on errors it fills `errors` and returns nullopt.
  static std::optional<Graph> Build(const Pipeline& pipeline, std::vector<Diagnostic>* errors);

  const std::vector<TaskNode>& nodes() const { return nodes_; }
  const TaskNode& node(NodeId id) const { return nodes_[id]; }
  /// Find returns the node with instance id `id`, or nullopt.
  std::optional<NodeId> Find(std::string_view id) const;

  /// Select resolves targets (pipeline names, task names, instance selectors
  /// such as `image[service=api]`) and adds every node they need.
  Result<Selection> Select(const Pipeline& pipeline, const std::vector<std::string>& targets) const;

 private:
  std::vector<TaskNode> nodes_;
  std::unordered_map<std::string_view, NodeId> by_id_;
  std::unordered_map<std::string_view, std::pair<NodeId, NodeId>> by_task_;  // [first, last)
};

/// InstanceId renders "task[key=value,…]" for a task name and its matrix values.
std::string InstanceId(std::string_view task, const Value& matrix);

}  // namespace taskr
