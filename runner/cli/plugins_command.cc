// taskr plugins: the plugins taskr finds, or one plugin's actions and parameters.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/cli/command.h"
#include "runner/cli/loaded_pipeline.h"

namespace taskr {
namespace {

struct PluginsOptionsGiven {
  std::string what = "list";
  std::string name;
};

std::string DescribeParams(const Value& schema) {
  const Value* props = schema.is_object() ? schema.Get("properties") : nullptr;
  if (!props || !props->is_object() || props->as_object().empty()) return "      (none)\n";
  std::vector<std::string> required;
  if (const Value* r = schema.Get("required"); r && r->is_array()) {
    for (const auto& item : r->as_array()) required.push_back(item.ToString());
  }
  size_t width = 0;
  for (const auto& [name, p] : props->as_object()) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, p] : props->as_object()) {
    std::vector<std::string> facts;
    if (const Value* t = p.Get("type")) {
      std::string type = t->is_array() ? t->ToJson(-1) : t->ToString();
      if (const Value* items = p.Get("items"); items && items->is_object() && items->Get("type")) {
        type += " of " + items->Get("type")->ToString();
      }
      facts.push_back(type);
    }
    if (std::find(required.begin(), required.end(), name) != required.end())
      facts.push_back("required");
    if (const Value* d = p.Get("default")) facts.push_back("default " + d->ToJson(-1));
    if (const Value* e = p.Get("enum")) facts.push_back("one of " + e->ToJson(-1));
    const Value* desc = p.Get("description");
    out += fmt::format("      {:<{}}  {}{}\n", name, width, fmt::join(facts, ", "),
                       desc ? "  — " + desc->ToString() : "");
  }
  return out;
}

// TomlString quotes `text` as a TOML basic string.
std::string TomlString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ExampleValue is a value that `schema` accepts, written as TOML: the first of
// its examples, its default, const or first enum value, else a placeholder of
// its type that meets its minimum, minLength and minItems.
std::string ExampleValue(const std::string& name, const Value& schema, int depth = 0) {
  if (!schema.is_object() || depth > 8) return TomlString("<" + name + ">");
  auto toml = [](const Value& v) {
    // JSON and TOML agree on strings, numbers, booleans and arrays of them.
    return v.is_string() ? TomlString(v.as_string()) : v.ToJson(-1);
  };
  if (const Value* e = schema.Get("examples");
      e && e->is_array() && !e->as_array().empty() && !e->as_array()[0].is_object()) {
    return toml(e->as_array()[0]);
  }
  for (const char* key : {"default", "const"}) {
    if (const Value* v = schema.Get(key); v && !v->is_object()) return toml(*v);
  }
  if (const Value* e = schema.Get("enum"); e && e->is_array() && !e->as_array().empty())
    return toml(e->as_array()[0]);
  std::string type;
  if (const Value* t = schema.Get("type")) {
    type = t->is_array() && !t->as_array().empty() ? t->as_array()[0].ToString() : t->ToString();
  }
  if (type == "boolean") return "false";
  if (type == "integer" || type == "number") {
    const Value* minimum = schema.Get("minimum");
    return minimum && minimum->is_number() ? minimum->ToJson(-1) : "1";
  }
  if (type == "array") {
    const Value* items = schema.Get("items");
    const Value* min = schema.Get("minItems");
    size_t count = min && min->is_number() ? static_cast<size_t>(min->as_number()) : 1;
    std::vector<std::string> values(std::max<size_t>(count, 1),
                                    ExampleValue(name, items ? *items : Value(), depth + 1));
    return fmt::format("[{}]", fmt::join(values, ", "));
  }
  if (type == "object") {
    std::vector<std::string> members;
    const Value* props = schema.Get("properties");
    if (const Value* r = schema.Get("required"); r && r->is_array() && props) {
      for (const auto& item : r->as_array()) {
        const Value* p = props->Get(item.ToString());
        members.push_back(fmt::format("{} = {}", item.ToString(),
                                      ExampleValue(item.ToString(), p ? *p : Value(), depth + 1)));
      }
    }
    return members.empty() ? "{}" : fmt::format("{{ {} }}", fmt::join(members, ", "));
  }
  return TomlString("<" + name + ">");
}

// RequiredNames lists what `schema` requires of an object: its `required`,
// then those of the first alternative of a oneOf or anyOf ("image or input").
std::vector<std::string> RequiredNames(const Value& schema) {
  std::vector<std::string> names;
  auto add = [&names](const Value* required) {
    if (!required || !required->is_array()) return;
    for (const auto& item : required->as_array()) {
      if (std::find(names.begin(), names.end(), item.ToString()) == names.end())
        names.push_back(item.ToString());
    }
  };
  add(schema.Get("required"));
  for (const char* key : {"oneOf", "anyOf"}) {
    const Value* alternatives = schema.Get(key);
    if (alternatives && alternatives->is_array() && !alternatives->as_array().empty() &&
        alternatives->as_array()[0].is_object()) {
      add(alternatives->as_array()[0].Get("required"));
    }
  }
  return names;
}

// ExampleTask is a task for `action` that `taskr validate` accepts: its
// required parameters are filled in with ExampleValue.
std::string ExampleTask(const PluginManifest& m, const PluginAction& action) {
  std::string out = fmt::format("  [tasks.example]\n  uses = \"{}.{}\"\n", m.name, action.name);
  if (!action.params.is_object()) return out;
  const Value* props = action.params.Get("properties");
  std::vector<std::string> with;
  for (const std::string& key : RequiredNames(action.params)) {
    const Value* p = props ? props->Get(key) : nullptr;
    with.push_back(fmt::format("{} = {}", key, ExampleValue(key, p ? *p : Value())));
  }
  if (with.empty()) return out;
  return out + fmt::format("  with = {{ {} }}\n", fmt::join(with, ", "));
}

int Info(PluginRegistry& registry, const std::string& name) {
  if (!registry.Find(name)) {
    fmt::print(stderr, "taskr: unknown plugin '{}'; looked in {}\n", name,
               fmt::join(registry.searched(), ", "));
    return kExitUsage;
  }
  Result<const PluginManifest*> m = registry.Manifest(name);
  if (!m.ok()) {
    fmt::print(stderr, "taskr: {}\n", m.status().message());
    return kExitUsage;
  }
  const PluginEntry& e = *registry.Find(name);
  std::string out = fmt::format("{} {} — {}\n  library: {} ({})\n", (*m)->name, (*m)->version,
                                (*m)->description, e.path, e.source);
  for (const auto& a : (*m)->actions) {
    out += fmt::format("\n  action {}{} ({}): {}\n", a.name,
                       a.name == (*m)->default_action ? ", the default" : "",
                       a.pure ? "pure: may be cached" : "effect: never cached", a.description);
    out += "    parameters (with):\n" + DescribeParams(a.params);
    if (!a.outputs.empty()) {
      out += "    outputs:\n";
      for (const auto& [k, d] : a.outputs) out += fmt::format("      {}  — {}\n", k, d);
    }
  }
  if (const PluginAction* action = (*m)->FindAction((*m)->default_action)) {
    out += "\nExample:\n" + ExampleTask(**m, *action);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int List(PluginRegistry& registry) {
  if (registry.entries().empty()) {
    fmt::print("no plugins found; looked in {}\n", fmt::join(registry.searched(), ", "));
    return kExitOk;
  }
  int code = kExitOk;
  for (const auto& [n, e] : registry.entries()) {
    Result<const PluginManifest*> m = registry.Manifest(n);
    if (m.ok()) {
      fmt::print("{:<16} {:<8} {}\n{:<16} {} ({})\n", n, (*m)->version, (*m)->description, "",
                 e.path, e.source);
    } else {
      fmt::print("{:<16} {:<8} cannot be loaded: {}\n", n, "?", m.status().message());
      code = kExitUsage;
    }
  }
  return code;
}

int Plugins(const GlobalOptions& global, const PluginsOptionsGiven& given) {
  if (given.what == "info" && given.name.empty()) {
    fmt::print(stderr, "taskr: plugins info needs a plugin name\n");
    return kExitUsage;
  }
  std::optional<Pipeline> pipeline;
  PluginRegistry registry = VisiblePlugins(global, &pipeline);
  return given.what == "info" ? Info(registry, given.name) : List(registry);
}

}  // namespace

CommandRunner AddPluginsCommand(CLI::App& app, const GlobalOptions& global) {
  auto given = std::make_shared<PluginsOptionsGiven>();
  auto* cmd = app.add_subcommand("plugins", "List plugins, or describe one (`info NAME`)");
  cmd->add_option("command", given->what, "list (default) or info")
      ->check(CLI::IsMember({"list", "info"}));
  cmd->add_option("name", given->name, "the plugin to describe");
  cmd->footer(
      "Plugins are taskr-NAME.so files beside taskr (plugins/, ../lib/taskr/plugins/), in\n"
      "$TASKR_PLUGIN_PATH, or named in [plugins] of pipeline.toml.\n"
      "Examples:\n  taskr plugins\n  taskr plugins info checksum");
  return [&global, given] { return Plugins(global, *given); };
}

}  // namespace taskr
