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
  out += fmt::format("\nExample:\n  [tasks.example]\n  uses = \"{}.{}\"\n", (*m)->name,
                     (*m)->default_action);
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
