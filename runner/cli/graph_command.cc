// taskr graph: the task graph as dot, mermaid or json.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"
#include "runner/graph/graph_format.h"

namespace taskr {
namespace {

struct GraphOptionsGiven {
  std::vector<std::string> targets;
  std::string format = "dot";
};

int PrintGraph(const GlobalOptions& global, const GraphOptionsGiven& given) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  std::vector<std::string> chosen = given.targets;
  if (chosen.empty()) {
    for (const auto& t : loaded->pipeline.tasks) chosen.push_back(t.name);
  }
  Result<Selection> sel = loaded->graph.Select(loaded->pipeline, chosen);
  if (!sel.ok()) {
    fmt::print(stderr, "taskr: {}\n", sel.status().message());
    return kExitUsage;
  }
  fmt::print("{}", FormatGraph(loaded->graph, *sel, given.format));
  return kExitOk;
}

}  // namespace

CommandRunner AddGraphCommand(CLI::App& app, const GlobalOptions& global) {
  auto given = std::make_shared<GraphOptionsGiven>();
  auto* cmd = app.add_subcommand("graph", "Print the task graph (default: every task)");
  cmd->add_option("targets", given->targets, "Pipelines or tasks to include");
  cmd->add_option("--format", given->format, "dot, mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}));
  cmd->footer("Example:\n  taskr graph ci --format mermaid");
  return [&global, given] { return PrintGraph(global, *given); };
}

}  // namespace taskr
