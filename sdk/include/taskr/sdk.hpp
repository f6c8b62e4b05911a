// taskr plugin SDK for C++17 and later: write a plain class, register it with
// one macro, and the SDK fills in the C ABI of <taskr/plugin_api.h>.
//
//   #include <taskr/sdk.hpp>
//
//   class Hello {
//    public:
//     static taskr::sdk::Manifest Describe() {
//       taskr::sdk::Manifest m;
//       m.name = "hello";
//       m.version = "1.0.0";
//       m.description = "Greets someone";
//       taskr::sdk::ActionInfo greet;
//       greet.name = "greet";
//       greet.description = "Print a greeting";
//       greet.params = R"({"type": "object",
//                          "properties": {"name": {"type": "string", "default": "world"}},
//                          "additionalProperties": false})";
//       greet.outputs = {{"greeting", "the text printed"}};
//       m.actions.push_back(greet);
//       return m;
//     }
//     void Run(taskr::sdk::Context& ctx) {
//       std::string text = "hello, " + ctx.params()["name"].as_string();
//       ctx.Info(text);
//       ctx.SetOutput("greeting", text);
//     }
//   };
//   TASKR_PLUGIN(Hello)
//
// Errors: throw taskr::sdk::Error (or any std::exception) from Run; the SDK
// turns it into a failed task with your message. Nothing ever crosses the C
// boundary as an exception.
#ifndef TASKR_SDK_HPP_
#define TASKR_SDK_HPP_

#include <taskr/plugin_api.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace taskr::sdk {

namespace internal {
struct JsonAccess;  // lets <taskr/testing.hpp> build values
}  // namespace internal

/// Error fails the action with a message meant for a person.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Cancelled is thrown by Context methods once the task is being cancelled.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

/// Json is a parsed JSON value: the parameters of an action, or any document
/// a plugin reads with Parse (a tool's JSON report). For documents where any
/// member may be missing, read with string_or, number_or and items: they
/// never throw.
class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  /// Parse reads JSON text; it throws Error on malformed input.
  static Json Parse(std::string_view text) {
    Parser p{text, 0};
    Json value = p.Value(0);
    p.SkipSpace();
    if (p.pos != text.size()) p.Fail("unexpected text after the value");
    return value;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  /// as_bool, as_number, as_string, as_array: the value; Error if the kind differs.
  bool as_bool() const { return Expect(Kind::kBool, "a boolean").bool_; }
  double as_number() const { return Expect(Kind::kNumber, "a number").number_; }
  int64_t as_int() const { return static_cast<int64_t>(as_number()); }
  const std::string& as_string() const { return Expect(Kind::kString, "a string").string_; }
  const std::vector<Json>& as_array() const { return Expect(Kind::kArray, "an array").array_; }
  const std::map<std::string, Json, std::less<>>& as_object() const {
    return Expect(Kind::kObject, "an object").object_;
  }
  /// as_strings reads an array of strings, or one string as a one-item list.
  std::vector<std::string> as_strings() const {
    if (is_string()) return {string_};
    std::vector<std::string> out;
    for (const Json& item : as_array()) out.push_back(item.as_string());
    return out;
  }

  /// string_or returns the string, or `fallback` when this is not a string
  /// (a missing member is null).
  std::string string_or(std::string_view fallback = {}) const {
    return is_string() ? string_ : std::string(fallback);
  }
  /// number_or returns the number, or `fallback` when this is not a number.
  double number_or(double fallback) const { return is_number() ? number_ : fallback; }
  /// items returns the elements of an array, or none when this is not an array.
  const std::vector<Json>& items() const {
    static const std::vector<Json> kNone;
    return is_array() ? array_ : kNone;
  }

  /// contains tells whether an object has member `key`.
  bool contains(std::string_view key) const {
    return kind_ == Kind::kObject && object_.find(key) != object_.end();
  }
  /// operator[] returns member `key` of an object, or a null Json when there
  /// is none; reading a missing member with as_* names it ("with.max is
  /// missing: it must be a number").
  const Json& operator[](std::string_view key) const {
    static const Json kNull;
    if (kind_ != Kind::kObject) return kNull;
    auto it = object_.find(key);
    if (it != object_.end()) return it->second;
    auto [missing, added] = missing_.try_emplace(std::string(key));
    if (added) {
      missing->second.path_ = path_.empty() ? missing->first : path_ + "." + missing->first;
      missing->second.missing_member_ = true;
    }
    return missing->second;
  }

  /// ToJson renders the value as compact JSON text (object members in name order).
  std::string ToJson() const {
    switch (kind_) {
      case Kind::kNull:
        return "null";
      case Kind::kBool:
        return bool_ ? "true" : "false";
      case Kind::kNumber: {
        // The shortest of %.15g and %.17g that reads back as the same number.
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.15g", number_);
        if (std::strtod(buf, nullptr) != number_) std::snprintf(buf, sizeof buf, "%.17g", number_);
        return buf;
      }
      case Kind::kString:
        return Quote(string_);
      case Kind::kArray: {
        std::string out = "[";
        for (size_t i = 0; i < array_.size(); ++i) out += (i ? "," : "") + array_[i].ToJson();
        return out + "]";
      }
      case Kind::kObject: {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, v] : object_) {
          out += (first ? "" : ",") + Quote(k) + ":" + v.ToJson();
          first = false;
        }
        return out + "}";
      }
    }
    return "null";
  }

  /// Quote renders `s` as a JSON string literal.
  static std::string Quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += c;
          }
      }
    }
    return out + "\"";
  }

 private:
  const Json& Expect(Kind kind, const char* what) const {
    static const char* kNames[] = {"null",     "a boolean", "a number",
                                   "a string", "an array",  "an object"};
    if (kind_ != kind) {
      std::string name = path_.empty() ? std::string("the value") : "with." + path_;
      if (missing_member_) throw Error(name + " is missing: it must be " + what);
      throw Error(name + " must be " + what + ", not " + kNames[static_cast<int>(kind_)]);
    }
    return *this;
  }

  struct Parser {
    std::string_view text;
    size_t pos;

    [[noreturn]] void Fail(const std::string& what) const {
      throw Error("invalid JSON at byte " + std::to_string(pos) + ": " + what);
    }
    void SkipSpace() {
      while (pos < text.size() &&
             (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
        ++pos;
      }
    }
    bool Consume(std::string_view word) {
      if (text.substr(pos, word.size()) != word) return false;
      pos += word.size();
      return true;
    }
    Json Value(int depth) {
      if (depth > 200) Fail("nested too deeply");
      SkipSpace();
      if (pos >= text.size()) Fail("unexpected end");
      Json j;
      char c = text[pos];
      if (c == '{') {
        j.kind_ = Kind::kObject;
        ++pos;
        SkipSpace();
        if (Consume("}")) return j;
        while (true) {
          SkipSpace();
          if (pos >= text.size() || text[pos] != '"') Fail("expected a member name");
          std::string key = String();
          SkipSpace();
          if (!Consume(":")) Fail("expected ':'");
          Json member = Value(depth + 1);
          member.SetPath(j.path_.empty() ? key : j.path_ + "." + key);
          j.object_[key] = std::move(member);
          SkipSpace();
          if (Consume("}")) return j;
          if (!Consume(",")) Fail("expected ',' or '}'");
        }
      }
      if (c == '[') {
        j.kind_ = Kind::kArray;
        ++pos;
        SkipSpace();
        if (Consume("]")) return j;
        while (true) {
          j.array_.push_back(Value(depth + 1));
          j.array_.back().SetPath(j.path_ + "[" + std::to_string(j.array_.size() - 1) + "]");
          SkipSpace();
          if (Consume("]")) return j;
          if (!Consume(",")) Fail("expected ',' or ']'");
        }
      }
      if (c == '"') {
        j.kind_ = Kind::kString;
        j.string_ = String();
        return j;
      }
      if (Consume("true")) {
        j.kind_ = Kind::kBool;
        j.bool_ = true;
        return j;
      }
      if (Consume("false")) {
        j.kind_ = Kind::kBool;
        return j;
      }
      if (Consume("null")) return j;
      size_t start = pos;
      while (pos < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '-' ||
              text[pos] == '+' || text[pos] == '.' || text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
      }
      if (start == pos) Fail(std::string("unexpected character '") + c + "'");
      std::string number(text.substr(start, pos - start));
      char* end = nullptr;
      j.kind_ = Kind::kNumber;
      j.number_ = std::strtod(number.c_str(), &end);
      if (end != number.c_str() + number.size()) Fail("bad number");
      return j;
    }
    std::string String() {
      ++pos;  // opening quote
      std::string out;
      while (pos < text.size() && text[pos] != '"') {
        char c = text[pos++];
        if (c != '\\') {
          out += c;
          continue;
        }
        if (pos >= text.size()) break;
        char e = text[pos++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u': {
            if (pos + 4 > text.size()) Fail("bad \\u escape");
            unsigned code =
                static_cast<unsigned>(std::stoul(std::string(text.substr(pos, 4)), nullptr, 16));
            pos += 4;
            if (code >= 0xD800 && code <= 0xDBFF && text.substr(pos, 2) == "\\u") {
              unsigned low = static_cast<unsigned>(
                  std::stoul(std::string(text.substr(pos + 2, 4)), nullptr, 16));
              pos += 6;
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(out, code);
            break;
          }
          default:
            out += e;
        }
      }
      if (!Consume("\"")) Fail("unterminated string");
      return out;
    }
    static void AppendUtf8(std::string& out, unsigned code) {
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    }
  };

  // SetPath names this value and, below it, every member and element.
  void SetPath(std::string path) {
    path_ = std::move(path);
    for (auto& [k, v] : object_) v.SetPath(path_ + "." + k);
    for (size_t i = 0; i < array_.size(); ++i)
      array_[i].SetPath(path_ + "[" + std::to_string(i) + "]");
  }

  friend struct internal::JsonAccess;

  Kind kind_ = Kind::kNull;
  std::string path_;             // "files[2]": where the value stands in the parameters
  bool missing_member_ = false;  // a null standing for a member the object lacks
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::map<std::string, Json, std::less<>> object_;
  mutable std::map<std::string, Json, std::less<>> missing_;  // members asked for but absent
};

/// ActionInfo describes one action in the manifest.
struct ActionInfo {
  std::string name;
  std::string description;
  /// pure: same inputs give the same result, so taskr may cache it (a scan,
  /// a checksum). false marks an effect (push, deploy, upload): never cached.
  bool pure = true;
  /// params is the JSON Schema of the task's `with` table, as JSON text.
  std::string params = R"({"type": "object"})";
  /// outputs names each output the action sets, with a description.
  std::vector<std::pair<std::string, std::string>> outputs;
};

/// Manifest describes a plugin: what `taskr plugins info` prints and what the
/// runner checks a task's `with` against.
struct Manifest {
  std::string name;
  std::string version;
  std::string description;
  std::vector<ActionInfo> actions;
  /// default_action runs for `uses = "<plugin>"`; empty: the first action.
  std::string default_action;

  /// ToJson renders the manifest in the form the ABI describes.
  std::string ToJson() const {
    std::string out =
        "{\"name\": " + Json::Quote(name) + ", \"version\": " + Json::Quote(version) +
        ", \"description\": " + Json::Quote(description) + ", \"default_action\": " +
        Json::Quote(default_action.empty() && !actions.empty() ? actions[0].name : default_action) +
        ", \"actions\": {";
    for (size_t i = 0; i < actions.size(); ++i) {
      const ActionInfo& a = actions[i];
      out += (i ? ", " : "") + Json::Quote(a.name) +
             ": {\"description\": " + Json::Quote(a.description) +
             ", \"pure\": " + (a.pure ? "true" : "false") + ", \"params\": " + a.params +
             ", \"outputs\": {";
      for (size_t j = 0; j < a.outputs.size(); ++j) {
        out += (j ? ", " : "") + Json::Quote(a.outputs[j].first) + ": " +
               Json::Quote(a.outputs[j].second);
      }
      out += "}}";
    }
    return out + "}}";
  }
};

/// Finding is one result for SARIF and the job summary.
struct Finding {
  std::string rule_id;
  std::string rule_name;
  taskr_finding_level level = TASKR_FINDING_WARNING;
  std::string message;
  std::string file;  // workspace-relative
  uint32_t line = 0;
  uint32_t column = 0;
  double security_severity = -1;  // 0-10 for security findings
  std::string help;
  std::string help_uri;
};

/// RunOptions tune Context::Run.
struct RunOptions {
  std::vector<std::string> env;  // "NAME=value", added to the task's environment
  std::string cwd;               // empty: the workspace
  bool capture_only = false;     // keep the output out of the task log
};

/// ProcessResult is how a child ended and, when asked, what it printed.
struct ProcessResult {
  int exit_code = -1;
  int signal = 0;
  std::string output;  // stdout and stderr merged
  bool ok() const { return exit_code == 0; }
};

namespace internal {
inline taskr_str Str(std::string_view s) { return taskr_str{s.data(), s.size()}; }
inline std::string_view View(taskr_str s) {
  return s.data ? std::string_view(s.data, s.size) : std::string_view();
}
}  // namespace internal

/// Context is what an action sees: its parameters and the host's services.
class Context {
 public:
  explicit Context(const taskr_action_call* call)
      : call_(call), host_(call->host), params_(Json::Parse(internal::View(call->params_json))) {}

  /// action is the name of the action being run.
  std::string_view action() const { return internal::View(call_->action); }
  /// params is the task's `with`, checked against the schema, defaults applied.
  const Json& params() const { return params_; }

  void Debug(std::string_view m) const { Log(TASKR_LOG_DEBUG, m); }
  void Info(std::string_view m) const { Log(TASKR_LOG_INFO, m); }
  void Warn(std::string_view m) const { Log(TASKR_LOG_WARNING, m); }
  void LogError(std::string_view m) const { Log(TASKR_LOG_ERROR, m); }
  void Log(taskr_log_level level, std::string_view m) const {
    host_->log(host_->ctx, level, internal::Str(m));
  }

  /// SetOutput publishes ${{ needs.<task>.outputs.<key> }}.
  void SetOutput(std::string_view key, std::string_view value) const {
    Check(host_->set_output(host_->ctx, internal::Str(key), internal::Str(value)), "set_output");
  }
  /// ReportFinding adds a finding to SARIF and the summary.
  void ReportFinding(const Finding& f) const {
    taskr_finding c{};
    c.struct_size = sizeof c;
    c.rule_id = internal::Str(f.rule_id);
    c.rule_name = internal::Str(f.rule_name);
    c.level = f.level;
    c.message = internal::Str(f.message);
    c.file = internal::Str(f.file);
    c.line = f.line;
    c.column = f.column;
    c.security_severity = f.security_severity;
    c.help = internal::Str(f.help);
    c.help_uri = internal::Str(f.help_uri);
    Check(host_->report_finding(host_->ctx, &c), "report_finding");
  }
  /// AddArtifact records a produced file; an empty digest lets taskr compute it.
  void AddArtifact(std::string_view path, std::string_view digest = {}) const {
    Check(host_->add_artifact(host_->ctx, internal::Str(path), internal::Str(digest)),
          "add_artifact");
  }
  /// AppendSummary adds markdown to the job summary.
  void AppendSummary(std::string_view markdown) const {
    Check(host_->append_summary(host_->ctx, internal::Str(markdown)), "append_summary");
  }
  /// Cancelled tells whether the task is being cancelled.
  bool Cancelled() const { return host_->cancelled(host_->ctx); }
  /// ThrowIfCancelled throws sdk::Cancelled when the task is being cancelled.
  void ThrowIfCancelled() const {
    if (Cancelled()) throw sdk::Cancelled();
  }

  /// Run runs a program (no shell) to completion. Its output streams to the
  /// task log unless capture_only, and is returned in `output`. Throws Error
  /// when it cannot start and Cancelled when the task is cancelled.
  ProcessResult Run(const std::vector<std::string>& argv, const RunOptions& options = {}) const {
    std::vector<taskr_str> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(internal::Str(a));
    for (const auto& e : options.env) cenv.push_back(internal::Str(e));
    taskr_process_spec spec{};
    spec.struct_size = sizeof spec;
    spec.argv = cargv.data();
    spec.argc = cargv.size();
    spec.env = cenv.data();
    spec.envc = cenv.size();
    spec.cwd = internal::Str(options.cwd);
    spec.capture_only = options.capture_only;
    ProcessResult result;
    taskr_process_result r{};
    r.struct_size = sizeof r;
    taskr_status st = host_->run_process(
        host_->ctx, &spec,
        [](void* user, taskr_str chunk) {
          static_cast<ProcessResult*>(user)->output.append(internal::View(chunk));
        },
        &result, &r);
    if (st == TASKR_CANCELLED) throw sdk::Cancelled();
    Check(st, argv.empty() ? "run_process" : argv[0].c_str());
    result.exit_code = r.exit_code;
    result.signal = r.signal;
    return result;
  }

  /// Workspace is the absolute path of the folder holding pipeline.toml.
  std::string Workspace() const {
    return std::string(internal::View(host_->workspace(host_->ctx)));
  }
  /// Env returns the task's environment variable `name`.
  std::optional<std::string> Env(std::string_view name) const {
    bool found = false;
    taskr_str v = host_->env(host_->ctx, internal::Str(name), &found);
    if (!found) return std::nullopt;
    return std::string(internal::View(v));
  }
  /// Secret returns a secret declared in [secrets].
  std::optional<std::string> Secret(std::string_view name) const {
    bool found = false;
    taskr_str v = host_->secret(host_->ctx, internal::Str(name), &found);
    if (!found) return std::nullopt;
    return std::string(internal::View(v));
  }

 private:
  void Check(taskr_status st, const char* what) const {
    if (st == TASKR_OK) return;
    if (st == TASKR_CANCELLED) throw sdk::Cancelled();
    throw Error(std::string(what) + " failed");
  }

  const taskr_action_call* call_;
  const taskr_host* host_;
  Json params_;
};

namespace internal {

template <typename T, typename = void>
struct HasDescribe : std::false_type {};
template <typename T>
struct HasDescribe<T, std::void_t<decltype(T::Describe())>>
    : std::is_same<decltype(T::Describe()), Manifest> {};

template <typename T, typename = void>
struct HasRun : std::false_type {};
template <typename T>
struct HasRun<T, std::void_t<decltype(std::declval<T&>().Run(std::declval<Context&>()))>>
    : std::true_type {};

template <typename T, typename = void>
struct HasToolIdentity : std::false_type {};
template <typename T>
struct HasToolIdentity<
    T, std::void_t<decltype(std::declval<T&>().ToolIdentity(std::declval<Context&>()))>>
    : std::is_convertible<decltype(std::declval<T&>().ToolIdentity(std::declval<Context&>())),
                          std::string> {};

/// Instance pairs the author's object with the strings returned through the ABI.
template <typename T>
struct Instance {
  T plugin;
  std::string last_error;
  std::string identity;
};

template <typename T>
taskr_status Guard(Instance<T>* self, const char* what, const std::function<void()>& body) {
  try {
    body();
    return TASKR_OK;
  } catch (const Cancelled&) {
    self->last_error = "cancelled";
    return TASKR_CANCELLED;
  } catch (const std::exception& e) {
    self->last_error = e.what();
    return TASKR_ERROR;
  } catch (...) {
    self->last_error = std::string("unknown exception in ") + what;
    return TASKR_ERROR;
  }
}

template <typename T>
struct Trampolines {
  static taskr_str ManifestJson() {
    static const std::string json = [] {
      try {
        return T::Describe().ToJson();
      } catch (...) {
        return std::string();  // the host reports an empty manifest as broken
      }
    }();
    return Str(json);
  }
  static void* Create() {
    try {
      return new Instance<T>();
    } catch (...) {
      return nullptr;
    }
  }
  static void Destroy(void* instance) { delete static_cast<Instance<T>*>(instance); }
  static taskr_status Run(void* instance, const taskr_action_call* call) {
    auto* self = static_cast<Instance<T>*>(instance);
    return Guard<T>(self, "Run", [&] {
      Context ctx(call);
      self->plugin.Run(ctx);
    });
  }
  static taskr_str LastError(void* instance) {
    return Str(static_cast<Instance<T>*>(instance)->last_error);
  }
  static taskr_status ToolIdentity(void* instance, const taskr_action_call* call,
                                   taskr_str* identity) {
    auto* self = static_cast<Instance<T>*>(instance);
    if constexpr (HasToolIdentity<T>::value) {
      return Guard<T>(self, "ToolIdentity", [&] {
        Context ctx(call);
        self->identity = self->plugin.ToolIdentity(ctx);
        *identity = Str(self->identity);
      });
    } else {
      (void)call;
      (void)identity;
      self->last_error = "tool_identity is not implemented";
      return TASKR_UNSUPPORTED;
    }
  }
  static const taskr_plugin* Table() {
    static const taskr_plugin table = {
        TASKR_ABI_MAJOR,
        TASKR_ABI_MINOR,
        sizeof(taskr_plugin),
        HasToolIdentity<T>::value ? TASKR_CAP_TOOL_IDENTITY : 0u,
        &ManifestJson,
        &Create,
        &Destroy,
        &Run,
        &LastError,
        HasToolIdentity<T>::value ? &ToolIdentity : nullptr,
    };
    return &table;
  }
};

}  // namespace internal
}  // namespace taskr::sdk

/// TASKR_PLUGIN(Class) exports Class as this library's taskr plugin. Class needs
///   static taskr::sdk::Manifest Describe();
///   void Run(taskr::sdk::Context& ctx);
/// and may add
///   std::string ToolIdentity(taskr::sdk::Context& ctx);  // for the cache key
#define TASKR_PLUGIN(Class)                                                            \
  static_assert(::taskr::sdk::internal::HasDescribe<Class>::value,                     \
                "TASKR_PLUGIN(" #Class "): " #Class                                    \
                " must declare `static taskr::sdk::Manifest Describe();`");            \
  static_assert(::taskr::sdk::internal::HasRun<Class>::value,                          \
                "TASKR_PLUGIN(" #Class "): " #Class                                    \
                " must declare `void Run(taskr::sdk::Context& ctx);`");                \
  static_assert(std::is_default_constructible<Class>::value,                           \
                "TASKR_PLUGIN(" #Class "): " #Class " must be default-constructible"); \
  extern "C" TASKR_PLUGIN_EXPORT const taskr_plugin* taskr_plugin_entry(void) {        \
    return ::taskr::sdk::internal::Trampolines<Class>::Table();                        \
  }

#endif  // TASKR_SDK_HPP_
