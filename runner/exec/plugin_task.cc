#include "runner/exec/plugin_task.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <signal.h>

#include <chrono>

#include "runner/base/digest.h"
#include "runner/exec/contexts.h"
#include "runner/model/pipeline.h"
#include "runner/os/run_capture.h"
#include "runner/plugins/plugin_registry.h"
#include "runner/plugins/schema.h"
#include "runner/plugins/worker.h"

namespace taskr {
namespace {

// MakesEffect tells whether a parameter marked "x-taskr-effect" in the
// action's schema is true: a build that also pushes is never cached.
bool MakesEffect(const Value& schema, const Value& params) {
  const Value* props = schema.is_object() ? schema.Get("properties") : nullptr;
  if (!props || !props->is_object() || !params.is_object()) return false;
  for (const auto& [name, prop] : props->as_object()) {
    const Value* marked = prop.is_object() ? prop.Get("x-taskr-effect") : nullptr;
    const Value* given = params.Get(name);
    if (marked && marked->is_bool() && marked->as_bool() && given && given->Truthy()) return true;
  }
  return false;
}

// RenderValue evaluates the expressions in every string of `v`; a string
// that is one whole expression keeps the expression's type.
Result<Value> RenderValue(const Value& v, const TaskScope& scope) {
  if (v.is_string()) {
    ExprError error;
    auto t = Template::Parse(v.as_string(), &error);
    if (!t) return Status::Error(fmt::format("with: {}", error.message));
    if (t->is_literal()) return v;
    return t->Evaluate(scope);
  }
  if (v.is_array()) {
    ValueArray out;
    for (const auto& item : v.as_array()) {
      Result<Value> r = RenderValue(item, scope);
      if (!r.ok()) return r;
      out.push_back(std::move(*r));
    }
    return Value(std::move(out));
  }
  if (v.is_object()) {
    ValueObject out;
    for (const auto& [k, item] : v.as_object()) {
      Result<Value> r = RenderValue(item, scope);
      if (!r.ok()) return r;
      out.emplace(k, std::move(*r));
    }
    return Value(std::move(out));
  }
  return v;
}

}  // namespace

Result<PluginCall> PluginTasks::Prepare(const TaskSpec& spec, const TaskScope& scope) {
  auto [name, action_name] = SplitUses(spec.uses);
  if (!registry_) return Status::Error(fmt::format("plugin '{}' is not available", name));
  const PluginEntry* entry = registry_->Find(name);
  if (!entry) return Status::Error(fmt::format("unknown plugin '{}'", name));
  Result<const PluginManifest*> manifest = registry_->Manifest(name);
  if (!manifest.ok()) return manifest.status();
  const PluginAction* action = (*manifest)->FindAction(action_name);
  if (!action)
    return Status::Error(fmt::format("plugin '{}' has no action '{}'", name, action_name));
  Result<Value> with = RenderValue(spec.with.is_object() ? spec.with : Value(ValueObject{}), scope);
  if (!with.ok()) return with.status();
  Value params = ApplyDefaults(action->params, *with);
  std::vector<std::string> problems;
  for (const SchemaError& e : ValidateSchema(action->params, params, /*allow_templates=*/false)) {
    problems.push_back(fmt::format("{}: {}", FormatSchemaPath(e.path), e.message));
  }
  if (!problems.empty()) return Status::Error(fmt::format("{}", fmt::join(problems, "; ")));
  auto digest = digests_.find(entry->path);
  if (digest == digests_.end()) {
    Result<std::string> d = Sha256File(entry->path);
    digest = digests_.emplace(entry->path, d.ok() ? *d : "unreadable").first;
  }
  PluginCall call;
  call.plugin = name;
  call.version = (*manifest)->version;
  call.effect = !action->pure || MakesEffect(action->params, params);
  call.key_facts = {{"plugin", fmt::format("{}@{}", name, (*manifest)->version)},
                    {"plugin.sha256", digest->second},
                    {"action", action->name},
                    {"params", contexts_.MaskForKey(params.ToJson(-1))}};
  call.tool_identity = (*manifest)->tool_identity;
  ValueObject request;
  request.emplace("plugin", Value(entry->path));
  request.emplace("sha256", Value(entry->sha256));
  request.emplace("action", Value(action->name));
  request.emplace("params", params);
  request.emplace("workspace", Value(workspace_));
  request.emplace("secrets", *contexts_.Get("secrets"));
  call.request = Value(std::move(request)).ToJson(-1);
  return call;
}

std::vector<std::string> PluginTasks::WorkerCommand(const std::string& mode) const {
  return registry_->WorkerCommand({mode});
}

Result<std::string> PluginTasks::ToolIdentity(const PluginCall& call,
                                              std::vector<std::string> env) const {
  Result<Captured> out = RunCapture(WorkerCommand("identity"), std::chrono::seconds(60), env);
  if (!out.ok()) return out.status();
  if (out->status.signal || out->status.exit_code != 0) {
    std::string err = out->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::Error(fmt::format("plugin '{}' could not name its tools: {}", call.plugin,
                                     err.empty() ? "it failed" : err));
  }
  return contexts_.MaskForKey(out->out);
}

std::string PluginFailure(const std::string& name, ExitStatus status, bool done,
                          const std::string& error) {
  if (status.signal) {
    return fmt::format("plugin '{}' crashed: {}{}", name, SignalName(status.signal),
                       status.signal == SIGABRT ? " (abort)" : "");
  }
  if (status.exit_code == kWorkerOk) {
    if (done) return "";
    return fmt::format("plugin '{}' exited before finishing its action (did it call exit()?)",
                       name);
  }
  if (!error.empty()) {
    if (status.exit_code == kWorkerLoadFailed)
      return fmt::format("cannot load plugin '{}': {}", name, error);
    return fmt::format("plugin '{}': {}", name, error);
  }
  return fmt::format(
      "plugin '{}' exited with code {} in the middle of its action (did it call exit()?)", name,
      status.exit_code);
}

}  // namespace taskr
