// taskr list: the pipelines and tasks of pipeline.toml.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"

namespace taskr {
namespace {

int List(const GlobalOptions& global) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  const Pipeline& p = loaded->pipeline;
  size_t width = 0;
  for (const auto& pl : p.pipelines) width = std::max(width, pl.name.size());
  for (const auto& t : p.tasks) width = std::max(width, t.name.size());
  std::string out;
  if (!p.pipelines.empty()) {
    out += "Pipelines:\n";
    for (const auto& pl : p.pipelines) {
      std::string tasks;
      for (const auto& t : pl.tasks) tasks += (tasks.empty() ? "" : ", ") + t;
      std::string desc =
          pl.description.empty() ? tasks : fmt::format("{} ({})", pl.description, tasks);
      out += fmt::format("  {:<{}}  {}\n", pl.name, width, desc);
    }
  }
  out += "Tasks:\n";
  size_t first = 0;
  for (const auto& t : p.tasks) {
    size_t instances = 0;
    while (first + instances < loaded->graph.nodes().size() &&
           loaded->graph.node(static_cast<NodeId>(first + instances)).spec == &t) {
      ++instances;
    }
    first += instances;
    std::string detail = t.description;
    if (!t.matrix.empty()) {
      std::string keys;
      for (const auto& axis : t.matrix) keys += (keys.empty() ? "" : ", ") + axis.key;
      detail +=
          fmt::format("{}[matrix: {}; {} instances]", detail.empty() ? "" : " ", keys, instances);
    }
    out += fmt::format("  {:<{}}  {}\n", t.name, width, detail);
    while (out.back() == '\n' && out.size() > 1 && out[out.size() - 2] == ' ')
      out.erase(out.size() - 2, 1);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

CommandRunner AddListCommand(CLI::App& app, const GlobalOptions& global) {
  app.add_subcommand("list", "List pipelines and tasks");
  return [&global] { return List(global); };
}

}  // namespace taskr
