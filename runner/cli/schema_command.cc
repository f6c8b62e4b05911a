// taskr schema: the JSON Schema of pipeline.toml, with the parameters of the
// plugins found here, for editors (docs/editors.md).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"
#include "runner/model/pipeline_schema.h"
#include "runner/plugins/schema.h"

namespace taskr {
namespace {

struct SchemaOptionsGiven {
  bool no_plugins = false;
};

// PluginActions lists every action of the plugins visible here; a plugin whose
// manifest cannot be read is left out with a warning.
std::vector<UsesSchema> PluginActions(const GlobalOptions& global) {
  std::optional<Pipeline> pipeline;
  PluginRegistry registry = VisiblePlugins(global, &pipeline);
  const Value expression(ValueObject{{"$ref", Value(kExpressionRef)}});
  std::vector<UsesSchema> actions;
  for (const auto& [name, entry] : registry.entries()) {
    Result<const PluginManifest*> m = registry.Manifest(name);
    if (!m.ok()) {
      fmt::print(stderr, "taskr: warning: plugin '{}' is left out of the schema: {}\n", name,
                 m.status().message());
      continue;
    }
    for (const PluginAction& a : (*m)->actions) {
      actions.push_back(UsesSchema{
          .plugin = name,
          .action = a.name,
          .default_action = a.name == (*m)->default_action,
          .description = fmt::format("Parameters of {}.{} ({} {}): {}.", name, a.name, name,
                                     (*m)->version, a.description),
          .with = StandardSchema(a.params, expression),
      });
    }
  }
  return actions;
}

int Schema(const GlobalOptions& global, const SchemaOptionsGiven& given) {
  std::vector<UsesSchema> actions;
  if (!given.no_plugins) actions = PluginActions(global);
  std::string out = PipelineSchema(actions).ToJson(2) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

CommandRunner AddSchemaCommand(CLI::App& app, const GlobalOptions& global) {
  auto given = std::make_shared<SchemaOptionsGiven>();
  auto* cmd = app.add_subcommand("schema", "Print the JSON Schema of pipeline.toml, for editors");
  cmd->add_flag("--no-plugins", given->no_plugins,
                "Only pipeline.toml's own keys: no plugin parameters under `with`");
  cmd->footer(
      "The schema (JSON Schema draft 2020-12) has every key taskr accepts, and for each plugin\n"
      "found (beside taskr, in $TASKR_PLUGIN_PATH, in [plugins]) the parameters `with` takes\n"
      "for its `uses`. Point your editor at it with a first line in pipeline.toml "
      "(docs/editors.md):\n"
      "  #:schema ./pipeline.schema.json\n"
      "Examples:\n"
      "  taskr schema > pipeline.schema.json\n"
      "  taskr schema --no-plugins");
  return [given, &global] { return Schema(global, *given); };
}

}  // namespace taskr
