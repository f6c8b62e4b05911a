#include "runner/plugins/plugin_registry.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runner/base/digest.h"
#include "runner/model/json.h"
#include "runner/os/run_capture.h"
#include "runner/plugins/schema.h"
#include "runner/plugins/worker.h"
#include "sdk/include/taskr/plugin_api.h"

namespace taskr {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "taskr-";
constexpr std::string_view kSuffix = ".so";
constexpr auto kManifestTimeout = std::chrono::seconds(10);

void ScanFolder(const fs::path& dir, const std::string& source,
                std::map<std::string, PluginEntry>* out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (!file.starts_with(kPrefix) || !file.ends_with(kSuffix)) continue;
    std::string name = file.substr(kPrefix.size(), file.size() - kPrefix.size() - kSuffix.size());
    (*out)[name] =
        PluginEntry{name, fs::absolute(entry.path()).lexically_normal().string(), source, "", {}};
  }
}

std::string StringField(const Value& v, std::string_view key) {
  const Value* f = v.is_object() ? v.Get(key) : nullptr;
  return f && f->is_string() ? f->as_string() : "";
}

Result<PluginManifest> ParseManifest(const std::string& text, const std::string& path) {
  Result<Value> json = ParseJson(text);
  if (!json.ok())
    return Status::Error(
        fmt::format("{}: its manifest is not JSON: {}", path, json.status().message()));
  const Value& v = *json;
  PluginManifest m;
  m.name = StringField(v, "name");
  m.version = StringField(v, "version");
  m.description = StringField(v, "description");
  m.default_action = StringField(v, "default_action");
  const Value* actions = v.is_object() ? v.Get("actions") : nullptr;
  if (m.name.empty() || !actions || !actions->is_object() || actions->as_object().empty()) {
    return Status::Error(
        fmt::format("{}: its manifest needs a name and at least one action", path));
  }
  for (const auto& [name, a] : actions->as_object()) {
    PluginAction action;
    action.name = name;
    action.description = StringField(a, "description");
    const Value* pure = a.Get("pure");
    action.pure = !pure || !pure->is_bool() || pure->as_bool();
    const Value* params = a.Get("params");
    action.params = params ? *params : Value(ValueObject{{"type", Value("object")}});
    if (std::string problem = CheckSchema(action.params); !problem.empty()) {
      return Status::Error(
          fmt::format("{}: action '{}' has a bad parameter schema: {}", path, name, problem));
    }
    if (const Value* outputs = a.Get("outputs"); outputs && outputs->is_object()) {
      for (const auto& [k, d] : outputs->as_object()) action.outputs.emplace_back(k, d.ToString());
    }
    m.actions.push_back(std::move(action));
  }
  if (m.default_action.empty()) m.default_action = m.actions.front().name;
  return m;
}

}  // namespace

const PluginAction* PluginManifest::FindAction(std::string_view name) const {
  if (name.empty()) name = default_action;
  for (const auto& a : actions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string SelfExecutable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("taskr") : p.string();
}

std::pair<std::string, std::string> SplitUses(std::string_view uses) {
  size_t dot = uses.find('.');
  if (dot == std::string_view::npos) return {std::string(uses), ""};
  return {std::string(uses.substr(0, dot)), std::string(uses.substr(dot + 1))};
}

std::string FormatSchemaPath(const std::vector<std::string>& path) {
  std::string out = "with";
  for (const auto& part : path) {
    bool index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    out += index ? "[" + part + "]" : "." + part;
  }
  return out;
}

PluginRegistry PluginRegistry::Discover(const Pipeline* pipeline, const std::string& self,
                                        const EnvLookup& env) {
  PluginRegistry r;
  r.self_ = self;
  fs::path bin = fs::path(self).parent_path();
  for (const fs::path& dir : {bin / ".." / "lib" / "taskr" / "plugins", bin / "plugins"}) {
    std::string shown = dir.lexically_normal().string();
    r.searched_.push_back(shown);
    ScanFolder(dir, "beside taskr", &r.entries_);
  }
  if (auto path = env("TASKR_PLUGIN_PATH"); path && !path->empty()) {
    std::string_view rest = *path;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string dir(rest.substr(0, colon));
      if (!dir.empty()) {
        r.searched_.push_back(dir + " (TASKR_PLUGIN_PATH)");
        ScanFolder(dir, "TASKR_PLUGIN_PATH", &r.entries_);
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (pipeline) {
    for (const auto& ref : pipeline->plugins) {
      fs::path p = ref.path;
      if (p.is_relative()) p = pipeline->root / p;
      r.entries_[ref.name] = PluginEntry{ref.name, p.lexically_normal().string(), "pipeline.toml",
                                         ref.sha256, ref.loc};
    }
    if (!pipeline->plugins.empty()) r.searched_.push_back("[plugins] in pipeline.toml");
  }
  return r;
}

std::vector<std::string> PluginRegistry::WorkerCommand(std::vector<std::string> mode) const {
  std::string slim = (fs::path(self_).parent_path() / kWorkerBinary).string();
  std::vector<std::string> argv = access(slim.c_str(), X_OK) == 0
                                      ? std::vector<std::string>{slim}
                                      : std::vector<std::string>{self_, kWorkerCommand};
  argv.insert(argv.end(), mode.begin(), mode.end());
  return argv;
}

const PluginEntry* PluginRegistry::Find(std::string_view name) const {
  auto it = entries_.find(std::string(name));
  return it == entries_.end() ? nullptr : &it->second;
}

Result<const PluginManifest*> PluginRegistry::Manifest(std::string_view name) {
  if (auto it = manifests_.find(name); it != manifests_.end()) return it->second.get();
  const PluginEntry* entry = Find(name);
  if (!entry) return Status::Error(fmt::format("unknown plugin '{}'", name));
  if (!entry->sha256.empty()) {
    Result<std::string> digest = Sha256File(entry->path);
    if (!digest.ok()) return digest.status();
    if (*digest != entry->sha256) {
      return Status::Error(fmt::format(
          "plugin '{}': {} has sha256 {}, but pipeline.toml pins {}; refusing a changed plugin",
          name, entry->path, *digest, entry->sha256));
    }
  }
  Result<Captured> run = RunCapture(WorkerCommand({"manifest", entry->path}), kManifestTimeout);
  if (!run.ok()) return run.status();
  std::string err = run->err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (run->timed_out)
    return Status::Error(fmt::format("{}: reading its manifest took over 10s", entry->path));
  if (run->status.signal) {
    return Status::Error(fmt::format("{}: crashed with {} while describing itself", entry->path,
                                     SignalName(run->status.signal)));
  }
  if (!run->status.ok())
    return Status::Error(err.empty() ? fmt::format("{}: cannot be loaded", entry->path) : err);
  std::string_view out = run->out;
  std::string_view json = out.substr(0, out.find('\n'));
  Result<PluginManifest> m = ParseManifest(std::string(json), entry->path);
  if (!m.ok()) return m.status();
  if (size_t at = out.find("\ncapabilities "); at != std::string_view::npos) {
    unsigned long caps = std::strtoul(std::string(out.substr(at + 14)).c_str(), nullptr, 10);
    m->tool_identity = (caps & TASKR_CAP_TOOL_IDENTITY) != 0;
  }
  if (m->name != name) {
    return Status::Error(
        fmt::format("{}: calls itself '{}', but is installed as '{}'", entry->path, m->name, name));
  }
  auto owned = std::make_unique<PluginManifest>(std::move(*m));
  const PluginManifest* ptr = owned.get();
  manifests_.emplace(std::string(name), std::move(owned));
  return ptr;
}

void CheckPluginTasks(const Pipeline& pipeline, PluginRegistry& registry,
                      std::vector<Diagnostic>* errors) {
  auto error = [&](SourceLoc loc, std::string message) {
    errors->push_back(Diagnostic{pipeline.file.string(), loc, std::move(message)});
  };
  for (const auto& task : pipeline.tasks) {
    if (task.uses.empty()) continue;
    auto [name, action_name] = SplitUses(task.uses);
    std::string where = fmt::format("[tasks.{}] uses", task.name);
    if (!registry.Find(name)) {
      std::vector<std::string> known;
      for (const auto& [n, e] : registry.entries()) known.push_back(n);
      error(task.uses_loc,
            fmt::format("{}: unknown plugin '{}' (looked for taskr-{}.so in {}){}", where, name,
                        name, fmt::join(registry.searched(), ", "), DidYouMean(name, known)));
      continue;
    }
    Result<const PluginManifest*> manifest = registry.Manifest(name);
    if (!manifest.ok()) {
      const PluginEntry* entry = registry.Find(name);
      bool pin_error =
          !entry->sha256.empty() && manifest.status().message().find("pins") != std::string::npos;
      error(pin_error ? entry->loc : task.uses_loc,
            fmt::format("{}: plugin '{}': {}", where, name, manifest.status().message()));
      continue;
    }
    const PluginAction* action = (*manifest)->FindAction(action_name);
    if (!action) {
      std::vector<std::string> names;
      for (const auto& a : (*manifest)->actions) names.push_back(a.name);
      error(task.uses_loc, fmt::format("{}: plugin '{}' has no action '{}' (actions: {})", where,
                                       name, action_name, fmt::join(names, ", ")));
      continue;
    }
    Value with = task.with.is_object() ? task.with : Value(ValueObject{});
    for (const SchemaError& e : ValidateSchema(action->params, with, /*allow_templates=*/true)) {
      SourceLoc loc = task.uses_loc;
      for (size_t n = e.path.size(); n > 0; --n) {
        std::string key = fmt::format(
            "{}", fmt::join(e.path.begin(), e.path.begin() + static_cast<long>(n), "."));
        auto it = std::find_if(task.with_locs.begin(), task.with_locs.end(),
                               [&](const auto& kv) { return kv.first == key; });
        if (it != task.with_locs.end()) {
          loc = it->second;
          break;
        }
      }
      error(loc, fmt::format("[tasks.{}] {}: {}", task.name, FormatSchemaPath(e.path), e.message));
    }
  }
}

}  // namespace taskr
