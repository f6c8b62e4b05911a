#include "runner/graph/graph_format.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

namespace taskr {

namespace {

std::string DotQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Dot(const Graph& graph, const Selection& sel) {
  std::string out = "digraph taskr {\n  rankdir=LR;\n  node [shape=box];\n";
  for (NodeId id : sel.order) out += fmt::format("  {};\n", DotQuote(graph.node(id).id));
  for (NodeId id : sel.order) {
    for (const auto& edge : graph.node(id).needs) {
      out += fmt::format("  {} -> {};\n", DotQuote(graph.node(edge.node).id),
                         DotQuote(graph.node(id).id));
    }
  }
  return out + "}\n";
}

// Mermaid node ids must be plain words; labels carry the real ids.
std::string Mermaid(const Graph& graph, const Selection& sel) {
  std::string out = "flowchart LR\n";
  for (NodeId id : sel.order) {
    std::string label = graph.node(id).id;
    for (auto& c : label) {
      if (c == '"') c = '\'';
    }
    out += fmt::format("  n{}[\"{}\"]\n", id, label);
  }
  for (NodeId id : sel.order) {
    for (const auto& edge : graph.node(id).needs)
      out += fmt::format("  n{} --> n{}\n", edge.node, id);
  }
  return out;
}

std::string Json(const Graph& graph, const Selection& sel) {
  nlohmann::json nodes = nlohmann::json::array();
  for (NodeId id : sel.order) {
    const TaskNode& n = graph.node(id);
    nlohmann::json needs = nlohmann::json::array();
    for (const auto& edge : n.needs) needs.push_back(graph.node(edge.node).id);
    nlohmann::json node = {{"id", n.id}, {"task", n.spec->name}, {"needs", needs}};
    if (n.matrix.is_object()) node["matrix"] = nlohmann::json::parse(n.matrix.ToJson(-1));
    if (n.spec->run) node["run"] = n.spec->run->text();
    if (!n.spec->uses.empty()) node["uses"] = n.spec->uses;
    nodes.push_back(std::move(node));
  }
  return nlohmann::json({{"nodes", nodes}}).dump(2) + "\n";
}

}  // namespace

std::string FormatGraph(const Graph& graph, const Selection& selection, std::string_view format) {
  if (format == "dot") return Dot(graph, selection);
  if (format == "mermaid") return Mermaid(graph, selection);
  if (format == "json") return Json(graph, selection);
  return "";
}

}  // namespace taskr
