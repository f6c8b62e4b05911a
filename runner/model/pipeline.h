// Pipeline is a validated pipeline.toml: every key checked, every expression
// parsed and its contexts resolved. LoadPipeline (loader.h) builds it; the
// graph expands it into task instances.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runner/model/expr.h"
#include "runner/model/value.h"

namespace taskr {

/// SourceLoc is a 1-based line and column in pipeline.toml; 0 means unknown.
struct SourceLoc {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// PipelineInput is one `inputs.<name>` of a pipeline, settable with --input.
struct PipelineInput {
  std::string name;
  std::string description;
  std::vector<std::string> choices;  // empty: any value
  std::optional<std::string> default_value;
  bool required = false;
  SourceLoc loc;
};

/// LinkSpec is one entry of a pipeline's `links`: an action link in the job
/// summary, such as "Promote to production".
struct LinkSpec {
  Template title;
  Template url;
  std::optional<Expr> condition;  // `if`; may call success() and failure() of the run
  SourceLoc loc;
};

/// PipelineSpec is one `[pipelines.<name>]` table.
struct PipelineSpec {
  std::string name;
  std::string description;
  std::vector<std::string> tasks;  // roots: task names or instances (`image[service=api]`)
  std::vector<PipelineInput> inputs;
  std::vector<LinkSpec> links;
  SourceLoc loc;
};

/// SecretSpec is one `[secrets]` entry: a value read from the environment that
/// is masked in every output.
struct SecretSpec {
  std::string name;
  std::string env;  // the environment variable holding the value
  bool required = true;
  SourceLoc loc;
};

/// MatrixAxis is one matrix key and the values it takes, in declared order.
struct MatrixAxis {
  std::string key;
  std::vector<Value> values;
};

/// NeedSpec is one entry of a task's `needs`.
struct NeedSpec {
  std::string task;
  SourceLoc loc;
};

/// EnvEntry is one `KEY = "value"` of an `env` table; the value may hold expressions.
struct EnvEntry {
  std::string name;
  Template value;
};

/// PluginRef is one `[plugins]` entry: a plugin library named explicitly.
struct PluginRef {
  std::string name;
  std::string path;    // as written; relative paths start at the workspace root
  std::string sha256;  // lowercase hex pin; empty: not pinned
  SourceLoc loc;
};

/// TaskSpec is one `[tasks.<name>]` table, before matrix expansion.
struct TaskSpec {
  std::string name;
  std::string description;
  SourceLoc loc;
  std::optional<Template> run;  // exactly one of run and uses is set
  std::string uses;             // "plugin" or "plugin.action"
  SourceLoc uses_loc;
  Value with;  // plugin parameters; strings may hold expressions
  /// with_locs places each `with` value: "files.2" -> its line and column.
  std::vector<std::pair<std::string, SourceLoc>> with_locs;
  std::vector<std::string> shell;  // argv before the script; empty: the pipeline default
  std::vector<NeedSpec> needs;
  std::vector<EnvEntry> env;
  std::optional<Template> cwd;           // relative to the workspace root
  std::chrono::milliseconds timeout{0};  // 0: none
  int retries = 0;
  std::chrono::milliseconds retry_delay{1000};  // doubles after each attempt
  std::optional<Expr> condition;                // `if`
  std::vector<MatrixAxis> matrix;
  std::vector<ValueObject> matrix_exclude;  // combinations to leave out
  bool allow_failure = false;
  std::vector<std::string> inputs;      // globs, relative to the workspace root
  std::vector<std::string> outputs;     // paths or globs, relative to the workspace root
  bool cache = true;                    // false: never cached, even with inputs or outputs
  std::optional<Template> concurrency;  // group name
  std::string sarif;                    // a SARIF file a `run` task writes; may hold expressions
  std::vector<std::string> exports;     // outputs sent to $GITHUB_OUTPUT
  bool export_all = false;              // `export = true`: every output
};

/// Pipeline is the whole validated file.
struct Pipeline {
  std::filesystem::path file;  // pipeline.toml as given
  std::filesystem::path root;  // the workspace: the folder holding pipeline.toml, absolute
  std::string project_name;
  ValueObject vars;
  std::vector<EnvEntry> env;
  std::vector<SecretSpec> secrets;
  std::vector<std::string> shell;  // default shell argv; the script is appended
  std::vector<PipelineSpec> pipelines;
  std::vector<PluginRef> plugins;
  std::vector<TaskSpec> tasks;  // in file order

  /// FindTask returns the task named `name`, or nullptr.
  const TaskSpec* FindTask(std::string_view name) const;
  /// FindPipeline returns the pipeline named `name`, or nullptr.
  const PipelineSpec* FindPipeline(std::string_view name) const;
};

/// kDefaultShell is the shell `run` scripts get unless `shell` says otherwise.
inline const std::vector<std::string> kDefaultShell = {"bash", "-eo", "pipefail", "-c"};

}  // namespace taskr
