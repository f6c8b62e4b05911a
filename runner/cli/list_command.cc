// taskr list: the pipelines and tasks of pipeline.toml; with --names, bare
// names one per line (targets, environments or plugins) for shell completion.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"

namespace taskr {
namespace {

struct ListOptionsGiven {
  bool names = false;    // --names: one name per line, nothing else
  bool envs = false;     // --envs: the environments instead of the targets
  bool plugins = false;  // --plugins: the visible plugins instead of the targets
};

void PrintLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// TargetNames lists what `taskr run` accepts: pipelines, tasks, and after each
// matrix task its instance ids, each once.
int TargetNames(const GlobalOptions& global) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) names.push_back(name);
  };
  for (const auto& pl : loaded->pipeline.pipelines) add(pl.name);
  for (const auto& t : loaded->pipeline.tasks) {
    add(t.name);
    if (t.matrix.empty()) continue;
    for (const auto& node : loaded->graph.nodes()) {
      if (node.spec == &t) add(node.id);
    }
  }
  PrintLines(names);
  return kExitOk;
}

// EnvironmentNames lists the folders of environments/ beside pipeline.toml.
int EnvironmentNames(const GlobalOptions& global) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  std::filesystem::path dir = loaded->pipeline.root / "environments";
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && !name.starts_with(".")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  PrintLines(names);
  return kExitOk;
}

int PluginNames(const GlobalOptions& global) {
  std::optional<Pipeline> pipeline;
  PluginRegistry registry = VisiblePlugins(global, &pipeline);
  std::vector<std::string> names;
  for (const auto& [name, entry] : registry.entries()) names.push_back(name);
  PrintLines(names);
  return kExitOk;
}

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
  auto given = std::make_shared<ListOptionsGiven>();
  auto* cmd = app.add_subcommand("list", "List pipelines and tasks");
  auto* names =
      cmd->add_flag("--names", given->names,
                    "Print only names, one per line: pipelines, tasks and matrix instances "
                    "(image[service=api]); exit 2 and print nothing without a valid pipeline.toml");
  auto* envs = cmd->add_flag("--envs", given->envs,
                             "With --names: the environments (the folders of environments/ "
                             "beside pipeline.toml) instead")
                   ->needs(names);
  cmd->add_flag("--plugins", given->plugins, "With --names: the plugins taskr finds instead")
      ->needs(names)
      ->excludes(envs);
  cmd->footer("Examples:\n  taskr list\n  taskr list --names\n  taskr list --names --envs");
  return [&global, given] {
    if (given->envs) return EnvironmentNames(global);
    if (given->plugins) return PluginNames(global);
    return given->names ? TargetNames(global) : List(global);
  };
}

}  // namespace taskr
