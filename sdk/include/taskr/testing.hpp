// taskr plugin test kit: run one action of a plugin in a unit test, in
// process, with parameters as JSON, a fake environment and workspace, and
// scripted child programs; then read back what the action did.
//
//   #include <taskr/testing.hpp>
//
//   taskr::testing::PluginTest<Todos> test;
//   test.workspace = "/tmp/demo";
//   test.OnRun({"grep"}, {.exit_code = 0, .output = "src/a.c:4:// TODO: x\n"});
//   taskr::testing::ActionResult r = test.Run("scan", R"({"paths": ["src"]})");
//   assert(r.ok());
//   assert(r.outputs.at("count") == "1");
//   assert(r.findings[0].line == 4);
//   assert(r.runs[0].argv == std::vector<std::string>{"grep", "-rnF", "-e", "TODO", "--", "src"});
//
// The action sees what it would see under taskr: the schema's defaults are
// applied to the parameters, Env reads only `env`, Secret reads `secrets`,
// and every string taskr would pass on (log, outputs, summary, findings,
// program output) has the secrets' values replaced by "***". Unlike taskr,
// the kit does not check `with` against the schema (`taskr validate` does),
// and it starts no program: each Context::Run is answered by the first
// OnRun rule whose argv prefix matches, and a program no rule matches cannot
// start, as a missing one would.
#ifndef TASKR_TESTING_HPP_
#define TASKR_TESTING_HPP_

#include <taskr/sdk.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskr::sdk::internal {

/// JsonAccess builds and changes Json values for the test kit.
struct JsonAccess {
  /// WithDefaults fills in the `default` of every property of `schema` that
  /// `value` lacks, in nested objects and array items too, as taskr does.
  static Json WithDefaults(const Json& schema, Json value) {
    if (value.is_object()) {
      const Json& properties = schema["properties"];
      if (!properties.is_object()) return value;
      for (const auto& [name, property] : properties.object_) {
        auto it = value.object_.find(name);
        if (it != value.object_.end()) {
          it->second = WithDefaults(property, std::move(it->second));
        } else if (property.contains("default")) {
          value.object_.emplace(name, WithDefaults(property, property["default"]));
        }
      }
    } else if (value.is_array() && schema.contains("items")) {
      for (Json& item : value.array_) item = WithDefaults(schema["items"], std::move(item));
    }
    return value;
  }
};

}  // namespace taskr::sdk::internal

namespace taskr::testing {

/// Invocation is one program an action asked to run through Context::Run.
struct Invocation {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the "NAME=value" entries the action added
  std::string cwd;               // as the action gave it; "" for the workspace
  bool capture_only = false;
};

/// Reply is how a scripted program ends and what it prints.
struct Reply {
  int exit_code = 0;
  std::string output;  // stdout and stderr merged
  int signal = 0;      // non-zero: killed by this signal (exit_code is then -1)
  /// cancel: the task is cancelled while the program runs, as Ctrl-C would
  /// do; Context::Run then throws sdk::Cancelled.
  bool cancel = false;
};

/// LogLine is one message an action logged.
struct LogLine {
  taskr_log_level level = TASKR_LOG_INFO;
  std::string message;
};

/// Artifact is one file an action recorded with AddArtifact.
struct Artifact {
  std::string path;
  std::string digest;  // as given; "" lets taskr compute it
};

/// ActionResult is what one action did.
struct ActionResult {
  /// status is TASKR_OK, TASKR_ERROR (the action threw) or TASKR_CANCELLED.
  taskr_status status = TASKR_ERROR;
  /// error is the action's failure message; taskr prints it as "plugin 'NAME': <error>".
  std::string error;
  std::vector<LogLine> logs;
  /// log is the task log as taskr writes it: each message on its own line,
  /// "debug: ", "warning: " or "error: " before those levels, and the output
  /// of programs run without capture_only, in order.
  std::string log;
  /// outputs are the ones the action set; taskr passes them on whether or not
  /// the action succeeded, as GitHub does a failed step's.
  std::map<std::string, std::string> outputs;
  std::vector<sdk::Finding> findings;
  std::vector<Artifact> artifacts;
  std::string summary;
  std::vector<Invocation> runs;  // every program the action asked for, in order

  /// ok tells whether the action succeeded.
  bool ok() const { return status == TASKR_OK; }
};

/// IdentityResult is what ToolIdentity answered.
struct IdentityResult {
  taskr_status status = TASKR_ERROR;  // TASKR_UNSUPPORTED: the plugin has no ToolIdentity
  std::string identity;
  std::string error;
  std::vector<Invocation> runs;
  bool ok() const { return status == TASKR_OK; }
};

/// PluginTest runs the actions of plugin class `Plugin` (the class given to
/// TASKR_PLUGIN) through the same SDK code taskr calls, in this process.
template <typename Plugin>
class PluginTest {
 public:
  /// Handler answers an invocation in place of a real program.
  using Handler = std::function<Reply(const Invocation&)>;

  /// workspace is what Context::Workspace returns.
  std::string workspace = ".";
  /// env is the task's environment, as Context::Env sees it.
  std::map<std::string, std::string> env;
  /// secrets are the values Context::Secret returns; they are masked everywhere.
  std::map<std::string, std::string> secrets;

  /// OnRun answers every invocation whose argv starts with `prefix` with
  /// `reply`. Rules are tried in the order they were added.
  PluginTest& OnRun(std::vector<std::string> prefix, Reply reply) {
    return OnRun(std::move(prefix), [reply](const Invocation&) { return reply; });
  }
  /// OnRun answers every invocation whose argv starts with `prefix` by calling `handler`.
  PluginTest& OnRun(std::vector<std::string> prefix, Handler handler) {
    rules_.push_back({std::move(prefix), std::move(handler)});
    return *this;
  }
  /// CancelAfter makes the task count as cancelled once the action has asked
  /// Context::Cancelled (or ThrowIfCancelled) `checks` times.
  PluginTest& CancelAfter(int checks) {
    cancel_after_ = checks;
    return *this;
  }

  /// Run runs `action` ("" for the default one) once on a new plugin object,
  /// with `params_json` (the task's `with`, as a JSON object) and the schema's
  /// defaults. An action the manifest lacks, or parameters that are not a
  /// JSON object, fail the result with a message saying so.
  ActionResult Run(std::string_view action, std::string_view params_json = "{}") {
    Reset();
    ActionResult& result = result_;
    std::string params;
    std::string name;
    if (!Prepare(action, params_json, &name, &params, &result.error)) return result;
    using Trampolines = sdk::internal::Trampolines<Plugin>;
    void* instance = Trampolines::Create();
    taskr_action_call call = Call(name, params);
    result.status = Trampolines::Run(instance, &call);
    if (result.status != TASKR_OK) {
      result.error = Mask(std::string(sdk::internal::View(Trampolines::LastError(instance))));
    }
    Trampolines::Destroy(instance);
    return result;
  }

  /// ToolIdentity asks the plugin which tools `action` would use, as taskr
  /// does before it looks a pure action up in the cache.
  IdentityResult ToolIdentity(std::string_view action, std::string_view params_json = "{}") {
    Reset();
    IdentityResult identity;
    std::string params;
    std::string name;
    if (!Prepare(action, params_json, &name, &params, &identity.error)) return identity;
    using Trampolines = sdk::internal::Trampolines<Plugin>;
    void* instance = Trampolines::Create();
    taskr_action_call call = Call(name, params);
    taskr_str text{nullptr, 0};
    identity.status = Trampolines::ToolIdentity(instance, &call, &text);
    if (identity.status == TASKR_OK) {
      identity.identity = std::string(sdk::internal::View(text));
    } else {
      identity.error = std::string(sdk::internal::View(Trampolines::LastError(instance)));
    }
    Trampolines::Destroy(instance);
    identity.runs = std::move(result_.runs);
    return identity;
  }

 private:
  struct Rule {
    std::vector<std::string> prefix;
    Handler handler;
  };

  void Reset() {
    result_ = ActionResult{};
    checks_ = 0;
    cancelled_ = false;
  }

  // Prepare finds the action and fills in the parameters' defaults.
  bool Prepare(std::string_view action, std::string_view params_json, std::string* name,
               std::string* params, std::string* error) {
    sdk::Manifest manifest = Plugin::Describe();
    *name = action.empty() ? (manifest.default_action.empty() && !manifest.actions.empty()
                                  ? manifest.actions[0].name
                                  : manifest.default_action)
                           : std::string(action);
    const sdk::ActionInfo* info = nullptr;
    for (const sdk::ActionInfo& a : manifest.actions) {
      if (a.name == *name) info = &a;
    }
    if (!info) {
      *error = "plugin '" + manifest.name + "' has no action '" + *name + "'";
      return false;
    }
    try {
      sdk::Json given = sdk::Json::Parse(params_json);
      if (!given.is_object()) {
        *error = "the parameters must be a JSON object";
        return false;
      }
      *params =
          sdk::internal::JsonAccess::WithDefaults(sdk::Json::Parse(info->params), given).ToJson();
    } catch (const std::exception& e) {
      *error = std::string("the parameters or the action's schema: ") + e.what();
      return false;
    }
    return true;
  }

  taskr_action_call Call(const std::string& action, const std::string& params) {
    host_ = Host();
    taskr_action_call call{};
    call.struct_size = sizeof call;
    call.action = sdk::internal::Str(action_ = action);
    call.params_json = sdk::internal::Str(params_ = params);
    call.host = &host_;
    return call;
  }

  std::string Mask(std::string text) const {
    for (const auto& [name, secret] : secrets) {
      if (secret.empty()) continue;
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), "***");
    }
    return text;
  }

  static PluginTest& Self(void* ctx) { return *static_cast<PluginTest*>(ctx); }
  static std::string S(taskr_str s) { return std::string(sdk::internal::View(s)); }

  taskr_host Host() {
    taskr_host h{};
    h.struct_size = sizeof h;
    h.ctx = this;
    h.log = [](void* c, taskr_log_level level, taskr_str m) {
      PluginTest& t = Self(c);
      std::string message = t.Mask(S(m));
      static const char* kPrefixes[] = {"debug: ", "", "warning: ", "error: "};
      int l = static_cast<int>(level);
      t.result_.log += std::string(kPrefixes[l >= 0 && l <= 3 ? l : 1]) + message + "\n";
      t.result_.logs.push_back({level, std::move(message)});
    };
    h.set_output = [](void* c, taskr_str k, taskr_str v) {
      if (S(k).empty()) return TASKR_INVALID_ARGUMENT;
      Self(c).result_.outputs[S(k)] = Self(c).Mask(S(v));
      return TASKR_OK;
    };
    h.report_finding = [](void* c, const taskr_finding* f) {
      if (!f || f->struct_size < offsetof(taskr_finding, help_uri) + sizeof(taskr_str))
        return TASKR_INVALID_ARGUMENT;
      PluginTest& t = Self(c);
      sdk::Finding finding;
      finding.rule_id = t.Mask(S(f->rule_id));
      finding.rule_name = t.Mask(S(f->rule_name));
      finding.level = f->level;
      finding.message = t.Mask(S(f->message));
      finding.file = t.Mask(S(f->file));
      finding.line = f->line;
      finding.column = f->column;
      finding.security_severity = f->security_severity;
      finding.help = t.Mask(S(f->help));
      finding.help_uri = t.Mask(S(f->help_uri));
      t.result_.findings.push_back(std::move(finding));
      return TASKR_OK;
    };
    h.add_artifact = [](void* c, taskr_str p, taskr_str d) {
      if (S(p).empty()) return TASKR_INVALID_ARGUMENT;
      Self(c).result_.artifacts.push_back({Self(c).Mask(S(p)), S(d)});
      return TASKR_OK;
    };
    h.append_summary = [](void* c, taskr_str md) {
      Self(c).result_.summary += Self(c).Mask(S(md));
      return TASKR_OK;
    };
    h.cancelled = [](void* c) {
      PluginTest& t = Self(c);
      ++t.checks_;
      if (t.cancel_after_ >= 0 && t.checks_ >= t.cancel_after_) t.cancelled_ = true;
      return t.cancelled_;
    };
    h.run_process = [](void* c, const taskr_process_spec* spec, taskr_output_fn fn, void* user,
                       taskr_process_result* result) {
      return Self(c).RunProcess(spec, fn, user, result);
    };
    h.workspace = [](void* c) { return sdk::internal::Str(Self(c).workspace); };
    h.env = [](void* c, taskr_str name, bool* found) {
      auto& env = Self(c).env;
      auto it = env.find(S(name));
      *found = it != env.end();
      return *found ? sdk::internal::Str(it->second) : taskr_str{nullptr, 0};
    };
    h.secret = [](void* c, taskr_str name, bool* found) {
      auto& secrets = Self(c).secrets;
      auto it = secrets.find(S(name));
      *found = it != secrets.end();
      return *found ? sdk::internal::Str(it->second) : taskr_str{nullptr, 0};
    };
    return h;
  }

  taskr_status RunProcess(const taskr_process_spec* spec, taskr_output_fn fn, void* user,
                          taskr_process_result* result) {
    if (!spec || spec->argc == 0 || !result) return TASKR_INVALID_ARGUMENT;
    if (cancelled_) return TASKR_CANCELLED;
    Invocation call;
    for (size_t i = 0; i < spec->argc; ++i) call.argv.push_back(S(spec->argv[i]));
    for (size_t i = 0; i < spec->envc; ++i) call.env.push_back(S(spec->env[i]));
    call.cwd = S(spec->cwd);
    call.capture_only = spec->capture_only;
    result_.runs.push_back(call);
    const Rule* rule = nullptr;
    for (const Rule& r : rules_) {
      if (r.prefix.size() <= call.argv.size() &&
          std::equal(r.prefix.begin(), r.prefix.end(), call.argv.begin())) {
        rule = &r;
        break;
      }
    }
    if (!rule) {
      // As taskr says when a program is not installed.
      std::string message = "cannot start " + call.argv[0] + ": not scripted with OnRun";
      result_.log += "error: " + message + "\n";
      result_.logs.push_back({TASKR_LOG_ERROR, message});
      return TASKR_ERROR;
    }
    Reply reply = rule->handler(call);
    std::string output = Mask(reply.output);
    if (!spec->capture_only) result_.log += output;
    if (fn && !output.empty()) fn(user, taskr_str{output.data(), output.size()});
    result->exit_code = reply.signal ? -1 : reply.exit_code;
    result->signal = reply.signal;
    if (reply.cancel) cancelled_ = true;
    return cancelled_ ? TASKR_CANCELLED : TASKR_OK;
  }

  std::vector<Rule> rules_;
  int cancel_after_ = -1;
  int checks_ = 0;
  bool cancelled_ = false;
  ActionResult result_;
  taskr_host host_{};
  std::string action_, params_;
};

}  // namespace taskr::testing

#endif  // TASKR_TESTING_HPP_
