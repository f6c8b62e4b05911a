// The JSON Schema (draft 2020-12) of pipeline.toml, for editors and linters:
// every table and key of pipeline_keys.h with its type and description, and,
// for each plugin action given, what `with` may hold when `uses` names it.
// `taskr schema` prints it; docs/pipeline.schema.json is its output with the
// first-party plugins.
//
//   std::vector<UsesSchema> actions = ...;           // from the plugins' manifests
//   std::string json = PipelineSchema(actions).ToJson(2);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runner/model/value.h"

namespace taskr {

/// kExpressionRef is the reference to the schema's definition of an
/// expression: a string holding "${{", whose value is known only once rendered.
inline constexpr std::string_view kExpressionRef = "#/$defs/expression";

/// UsesSchema is one plugin action: the `uses` values that pick it, and the
/// schema its `with` table must fit.
struct UsesSchema {
  std::string plugin;           // the plugin's name: `uses = "<plugin>.<action>"`
  std::string action;           // the action's name
  bool default_action = false;  // `uses = "<plugin>"` picks it too
  std::string description;      // what the action does, for the schema of `with`
  /// with is plain JSON Schema 2020-12 of `with` as written, expressions
  /// included (see StandardSchema in plugins/schema.h), referring to
  /// kExpressionRef.
  Value with;
};

/// PipelineSchema returns the JSON Schema of pipeline.toml: the tables of
/// pipeline_keys.h and, for each of `actions`, the schema of `with` for the
/// `uses` values that pick it. A `uses` naming a plugin not among `actions`
/// may hold any `with`; one naming a known plugin must name one of its actions.
Value PipelineSchema(const std::vector<UsesSchema>& actions);

}  // namespace taskr
