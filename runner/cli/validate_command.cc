// taskr validate: check pipeline.toml and say what it holds.
#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"

namespace taskr {
namespace {

int Validate(const GlobalOptions& global) {
  auto loaded = LoadForCommand(global);
  if (!loaded) return kExitUsage;
  const Pipeline& p = loaded->pipeline;
  fmt::print("{}: ok — {} task{} ({} instance{}), {} pipeline{}\n", p.file.string(), p.tasks.size(),
             p.tasks.size() == 1 ? "" : "s", loaded->graph.nodes().size(),
             loaded->graph.nodes().size() == 1 ? "" : "s", p.pipelines.size(),
             p.pipelines.size() == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace

CommandRunner AddValidateCommand(CLI::App& app, const GlobalOptions& global) {
  app.add_subcommand("validate", "Check pipeline.toml and exit: 0 when valid, 2 with errors");
  return [&global] { return Validate(global); };
}

}  // namespace taskr
