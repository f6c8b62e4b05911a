// Renders a Selection of a Graph for `taskr graph`: Graphviz dot, Mermaid, or JSON.
#pragma once

#include <string>
#include <string_view>

#include "runner/graph/graph.h"

namespace taskr {

/// FormatGraph renders the selected nodes and their edges; `format` is "dot",
/// "mermaid" or "json" (others give "").
std::string FormatGraph(const Graph& graph, const Selection& selection, std::string_view format);

}  // namespace taskr
