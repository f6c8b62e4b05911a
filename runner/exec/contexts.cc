#include "runner/exec/contexts.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <sys/utsname.h>

#include <cstdlib>

extern char** environ;

namespace taskr {

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

namespace {

Value EnvironmentValue() {
  ValueObject env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), Value(entry.substr(eq + 1)));
  }
  return Value(std::move(env));
}

Value RunnerValue(const Pipeline& pipeline, const EnvLookup& env) {
  struct utsname u {};
  uname(&u);
  std::string arch = u.machine;
  if (arch == "x86_64")
    arch = "X64";
  else if (arch == "aarch64")
    arch = "ARM64";
  ValueObject r;
  r.emplace("os", Value("Linux"));
  r.emplace("arch", Value(arch));
  r.emplace("ci", Value(env("CI").value_or("") == "true"));
  r.emplace("github", Value(env("GITHUB_ACTIONS").value_or("") == "true"));
  r.emplace("workspace", Value(pipeline.root.string()));
  r.emplace("temp", Value(env("RUNNER_TEMP").value_or(env("TMPDIR").value_or("/tmp"))));
  return Value(std::move(r));
}

Value GitValue(const GitInfo& g) {
  ValueObject o;
  o.emplace("sha", Value(g.sha));
  o.emplace("short_sha", Value(g.short_sha));
  o.emplace("branch", Value(g.branch));
  o.emplace("tag", Value(g.tag));
  o.emplace("ref", Value(g.ref));
  o.emplace("event", Value(g.event));
  o.emplace("dirty", Value(g.dirty));
  o.emplace("default_branch", Value(g.default_branch));
  return Value(std::move(o));
}

}  // namespace

Result<std::unique_ptr<Contexts>> Contexts::Create(const Pipeline& pipeline,
                                                   const Selection& selection,
                                                   const std::map<std::string, std::string>& given,
                                                   EnvLookup env) {
  auto c = std::make_unique<Contexts>();
  c->pipeline_ = &pipeline;
  c->env_lookup_ = env;

  // Inputs: the selected pipeline's, or every pipeline's when tasks were named directly.
  std::vector<const PipelineInput*> declared;
  for (const auto& p : pipeline.pipelines) {
    if (selection.pipeline && &p != selection.pipeline) continue;
    for (const auto& in : p.inputs) {
      bool seen = false;
      for (const auto* d : declared) seen |= d->name == in.name;
      if (!seen) declared.push_back(&in);
    }
  }
  ValueObject inputs;
  for (const auto& [name, value] : given) {
    const PipelineInput* in = nullptr;
    std::vector<std::string> names;
    for (const auto* d : declared) {
      names.push_back(d->name);
      if (d->name == name) in = d;
    }
    if (!in) {
      std::string where = selection.pipeline
                              ? fmt::format("pipeline '{}'", selection.pipeline->name)
                              : "any pipeline";
      return Status::Error(fmt::format("--input {}: {} declares no input '{}'{}", name, where, name,
                                       DidYouMean(name, names)));
    }
    if (!in->choices.empty() &&
        std::find(in->choices.begin(), in->choices.end(), value) == in->choices.end()) {
      return Status::Error(fmt::format("--input {}={}: must be one of {}", name, value,
                                       fmt::join(in->choices, ", ")));
    }
    inputs.emplace(name, Value(value));
  }
  for (const auto* in : declared) {
    if (inputs.contains(in->name)) continue;
    if (in->default_value) {
      inputs.emplace(in->name, Value(*in->default_value));
    } else if (in->required && selection.pipeline) {
      return Status::Error(fmt::format(
          "pipeline '{}' needs --input {}=<value>{}", selection.pipeline->name, in->name,
          in->choices.empty() ? "" : fmt::format(" (one of {})", fmt::join(in->choices, ", "))));
    } else {
      inputs.emplace(in->name, Value(""));
    }
  }

  ValueObject secrets;
  for (const auto& s : pipeline.secrets) {
    std::optional<std::string> value = env(s.env);
    if (!value || value->empty()) {
      if (s.required) {
        return Status::Error(
            fmt::format("secret {} is required: set the environment variable {}", s.name, s.env));
      }
      value = "";
    }
    if (!value->empty()) {
      c->secret_values_.push_back(*value);
      c->secret_names_.emplace_back(*value, s.name);
    }
    secrets.emplace(s.name, Value(*value));
  }

  c->masker_ = SecretMasker(c->secret_values_);
  c->env_ = EnvironmentValue();
  c->vars_ = Value(pipeline.vars);
  c->inputs_ = Value(std::move(inputs));
  c->runner_ = RunnerValue(pipeline, env);
  c->secrets_ = Value(std::move(secrets));
  return c;
}

std::string Contexts::MaskForKey(std::string_view text) const {
  std::string out(text);
  for (const auto& [secret, name] : secret_names_) {
    std::string placeholder = fmt::format("${{{{ secrets.{} }}}}", name);
    for (size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + placeholder.size())) {
      out.replace(pos, secret.size(), placeholder);
    }
  }
  return out;
}

const Value& Contexts::GitHead() const {
  if (git_) return *git_;
  if (!git_head_) {
    auto get = [&](std::string_view name) { return env_lookup_(name).value_or(""); };
    std::string sha = get("GITHUB_SHA"), ref = get("GITHUB_REF");
    if (sha.empty() && ref.empty()) {
      git_head_ = Value();
    } else {
      auto after = [&](std::string_view prefix) {
        return ref.starts_with(prefix) ? ref.substr(prefix.size()) : std::string();
      };
      ValueObject o;
      o.emplace("sha", Value(sha));
      o.emplace("ref", Value(ref));
      o.emplace("branch", Value(after("refs/heads/")));
      o.emplace("tag", Value(after("refs/tags/")));
      git_head_ = Value(std::move(o));
    }
  }
  return *git_head_;
}

const Value* Contexts::Get(std::string_view name) const {
  if (name == "git") {
    if (!git_) git_ = GitValue(ReadGitInfo(pipeline_->root, env_lookup_));
    return &*git_;
  }
  if (name == "env") return &env_;
  if (name == "vars") return &vars_;
  if (name == "inputs") return &inputs_;
  if (name == "runner") return &runner_;
  if (name == "secrets") return &secrets_;
  return nullptr;
}

const Value* TaskScope::Context(std::string_view name) const {
  if (name == "matrix") return &node_.matrix;
  if (name == "needs") return &needs_;
  return contexts_.Get(name);
}

Result<std::string> RenderText(const std::string& text, const ExprScope& scope) {
  ExprError error;
  auto t = Template::Parse(text, &error);
  if (!t) return Status::Error(error.message);
  return t->Render(scope);
}

}  // namespace taskr
