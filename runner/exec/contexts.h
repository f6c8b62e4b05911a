// Contexts holds the run-wide expression contexts (git, env, vars, inputs,
// runner, secrets) and TaskScope adds a task's own (matrix, needs, status).
//
//   auto ctx = Contexts::Create(pipeline, selection, inputs, GetEnv);
//   TaskScope scope(*ctx, graph.node(id), needs_value, status);
//   Result<std::string> script = spec.run->Render(scope);
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/secret_masker.h"
#include "runner/base/status.h"
#include "runner/git/git_info.h"
#include "runner/graph/graph.h"
#include "runner/model/expr.h"

namespace taskr {

/// Contexts are the expression contexts shared by every task of a run.
class Contexts {
 public:
  /// Create resolves inputs (`--input k=v` over the pipeline's declared inputs
  /// and defaults) and secrets (read through `env`). Errors: an unknown input, a
  /// value outside its choices, a required input or secret that is missing.
  static Result<std::unique_ptr<Contexts>> Create(const Pipeline& pipeline,
                                                  const Selection& selection,
                                                  const std::map<std::string, std::string>& inputs,
                                                  EnvLookup env);

  /// Get returns the root context `name`; `git` is read on first use.
  const Value* Get(std::string_view name) const;
  /// GitHead is the `git` context when the run has read it, else what
  /// GITHUB_SHA and GITHUB_REF say (on GitHub Actions), else
  /// null: opening the repository costs every run about 7 ms.
  const Value& GitHead() const;
  /// SecretValues lists the non-empty secret values, to be masked in all output.
  const std::vector<std::string>& SecretValues() const { return secret_values_; }
  /// Masker masks the secret values (and each line of a multi-line one).
  const SecretMasker& Masker() const { return masker_; }
  /// Mask replaces every secret value in `text` with "***".
  std::string Mask(std::string_view text) const { return masker_.Mask(text); }
  /// MaskForKey replaces every secret value with "${{ secrets.NAME }}", so a
  /// cache key covers which secret is used, never its value.
  std::string MaskForKey(std::string_view text) const;

 private:
  const Pipeline* pipeline_ = nullptr;
  EnvLookup env_lookup_;
  Value env_, vars_, inputs_, runner_, secrets_;
  mutable std::optional<Value> git_;
  mutable std::optional<Value> git_head_;
  std::vector<std::string> secret_values_;
  SecretMasker masker_;
  std::vector<std::pair<std::string, std::string>> secret_names_;  // value, name
};

/// NeedsStatus is what a task's needs came to, for success() and failure().
struct NeedsStatus {
  bool all_succeeded = true;  // every need succeeded (or failed with allow_failure)
  bool any_failed = false;    // a need, or anything it needs, failed
  bool cancelled = false;     // the run is being cancelled
};

/// TaskScope evaluates one task instance's expressions.
class TaskScope : public ExprScope {
 public:
  TaskScope(const Contexts& contexts, const TaskNode& node, Value needs, NeedsStatus status)
      : contexts_(contexts), node_(node), needs_(std::move(needs)), status_(status) {}

  const Value* Context(std::string_view name) const override;
  bool Success() const override { return status_.all_succeeded && !status_.cancelled; }
  bool Failure() const override { return status_.any_failed; }
  bool Cancelled() const override { return status_.cancelled; }

 private:
  const Contexts& contexts_;
  const TaskNode& node_;
  Value needs_;
  NeedsStatus status_;
};

/// RootScope evaluates pipeline-level expressions (the top-level [env]).
class RootScope : public ExprScope {
 public:
  explicit RootScope(const Contexts& contexts) : contexts_(contexts) {}
  const Value* Context(std::string_view name) const override { return contexts_.Get(name); }

 private:
  const Contexts& contexts_;
};

/// RenderText evaluates the expressions in a string that is not parsed at load
/// time (a task's inputs, outputs and sarif path).
Result<std::string> RenderText(const std::string& text, const ExprScope& scope);

/// ProcessEnv looks a variable up in taskr's own environment.
std::optional<std::string> ProcessEnv(std::string_view name);

}  // namespace taskr
