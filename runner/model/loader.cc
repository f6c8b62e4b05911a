#include "runner/model/loader.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "runner/model/pipeline_keys.h"

namespace taskr {

const TaskSpec* Pipeline::FindTask(std::string_view name) const {
  for (const auto& t : tasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const PipelineSpec* Pipeline::FindPipeline(std::string_view name) const {
  for (const auto& p : pipelines) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  bool any = false;
  while (!text.empty()) {
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || !(number >= 0) || !std::isfinite(number)) return std::nullopt;
    text.remove_prefix(end - text.data());
    size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len]))) {
      ++unit_len;
    }
    std::string_view unit = text.substr(0, unit_len);
    text.remove_prefix(unit_len);
    double scale;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s" || (unit.empty() && !any && text.empty())) {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else {
      return std::nullopt;
    }
    total_ms += number * scale;
    any = true;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

namespace {

using namespace std::string_view_literals;

const std::vector<std::string> kContexts = {"git",    "env",     "vars",   "inputs",
                                            "runner", "secrets", "matrix", "needs"};
const std::vector<std::string> kGitFields = {"sha", "short_sha", "branch", "tag",
                                             "ref", "event",     "dirty",  "default_branch"};
const std::vector<std::string> kRunnerFields = {"os", "arch", "ci", "github", "workspace", "temp"};

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

/// What expression contexts a template may use, and what they hold.
struct ExprRules {
  bool task_level = false;  // matrix and needs allowed
  const std::vector<MatrixAxis>* matrix = nullptr;
  const std::vector<NeedSpec>* needs = nullptr;
  bool status_functions = false;  // only `if` may call success() and friends
};

class Loader {
 public:
  Loader(std::string text, std::filesystem::path file) : file_(std::move(file)) {
    result_.source = std::move(text);
  }

  LoadResult Load() {
    toml::table root;
    try {
      root = toml::parse(result_.source, file_.string());
    } catch (const toml::parse_error& e) {
      Error(SourceLoc{e.source().begin.line, e.source().begin.column},
            std::string(e.description()));
      return std::move(result_);
    }
    Pipeline p;
    p.file = file_;
    std::error_code ec;
    p.root = std::filesystem::absolute(file_, ec).parent_path().lexically_normal();
    p.shell = kDefaultShell;
    pipeline_ = &p;

    CheckKeys(root, "the top level", kTopTable);
    if (auto* t = TopLevel(root, "project")) ReadProject(*t);
    if (auto* t = TopLevel(root, "vars")) ReadVars(*t);
    if (auto* t = TopLevel(root, "secrets")) ReadSecrets(*t);
    if (auto* t = TopLevel(root, "defaults")) ReadDefaults(*t);
    if (auto* t = TopLevel(root, "pipelines")) ReadPipelines(*t);
    if (auto* t = TopLevel(root, "plugins")) ReadPlugins(*t);
    if (auto* t = TopLevel(root, "env")) p.env = ReadEnv(*t, "[env]", ExprRules{});
    if (auto* t = TopLevel(root, "tasks")) ReadTasks(*t);
    CheckPipelineTasks();
    if (result_.errors.empty()) CheckCycles();
    if (result_.errors.empty()) result_.pipeline = std::move(p);
    return std::move(result_);
  }

 private:
  // ---- errors and positions ----

  void Error(SourceLoc loc, std::string message) {
    if (result_.errors.size() >= kMaxErrors) return;
    result_.errors.push_back(Diagnostic{file_.string(), loc, std::move(message)});
  }
  static SourceLoc Loc(const toml::node& n) {
    return SourceLoc{n.source().begin.line, n.source().begin.column};
  }
  static SourceLoc Loc(const toml::key& k) {
    return SourceLoc{k.source().begin.line, k.source().begin.column};
  }

  // LocInString maps a byte offset inside a string's value to its place in the
  // file, walking the raw source from the string's opening quote.
  SourceLoc LocInString(const toml::node& n, size_t offset) const {
    SourceLoc loc = Loc(n);
    std::string_view src = result_.source;
    size_t pos = 0;
    for (uint32_t line = 1; line < loc.line && pos < src.size(); ++line) {
      pos = src.find('\n', pos);
      if (pos == std::string_view::npos) return loc;
      ++pos;
    }
    pos += loc.column - 1;
    if (pos >= src.size()) return loc;
    char quote = src[pos];
    if (quote != '"' && quote != '\'') return loc;
    bool literal = quote == '\'';
    size_t open = src.compare(pos, 3, std::string(3, quote)) == 0 ? 3 : 1;
    pos += open;
    loc.column += open;
    if (open == 3 && pos < src.size() && src[pos] == '\n') {
      ++pos;
      ++loc.line;
      loc.column = 1;
    }
    for (size_t decoded = 0; decoded < offset && pos < src.size(); ++decoded) {
      size_t width = 1;
      if (!literal && src[pos] == '\\' && pos + 1 < src.size()) {
        char e = src[pos + 1];
        width = e == 'u' ? 6 : e == 'U' ? 10 : 2;
      }
      for (size_t i = 0; i < width && pos < src.size(); ++i, ++pos) {
        if (src[pos] == '\n') {
          ++loc.line;
          loc.column = 1;
        } else {
          ++loc.column;
        }
      }
    }
    return loc;
  }

  // ---- keys and their types (pipeline_keys.h) ----

  // TopLevel returns the top-level table `key`, reporting it when it is not a table.
  const toml::table* TopLevel(const toml::table& root, std::string_view key) {
    const toml::node* n = Field(root, kTopTable, key, fmt::format("'{}'", key));
    return n ? n->as_table() : nullptr;
  }

  // Field returns the value of `key` in `t` when it has the type `table` gives
  // the key, and nullptr when it is absent or has another type (reported as `what`).
  const toml::node* Field(const toml::table& t, const TableSpec& table, std::string_view key,
                          std::string_view what) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    const KeySpec* spec = FindKey(table, key);
    if (!spec) throw std::logic_error(fmt::format("{} has no key '{}'", table.title, key));
    return HasType(*n, *spec, what) ? n : nullptr;
  }

  // HasType tells whether `n` has the type `key` says, reporting it as `what` if not.
  bool HasType(const toml::node& n, const KeySpec& key, std::string_view what) {
    switch (key.type) {
      case KeyType::kString:
        return String(n, what).has_value();
      case KeyType::kBoolean:
        return Bool(n, what).has_value();
      case KeyType::kStrings:
        return StringList(n, what).has_value();
      case KeyType::kDuration:
        return DurationOf(n, what).has_value();
      case KeyType::kShell:
        return ShellOf(n).has_value();
      case KeyType::kExport:
        return n.is_boolean() || StringList(n, what).has_value();
      case KeyType::kInteger:
        if (auto* i = n.as_integer(); i && i->get() >= key.minimum && i->get() <= key.maximum)
          return true;
        Error(Loc(n), fmt::format("{} must be a whole number from {} to {}", what, key.minimum,
                                  key.maximum));
        return false;
      case KeyType::kTable:
        if (n.is_table()) return true;
        Error(Loc(n), fmt::format("{} must be a table", what));
        return false;
      case KeyType::kAny:
      case KeyType::kEnvValue:
      case KeyType::kMatrixValues:
      case KeyType::kTables:
      case KeyType::kStringOrTable:
        break;  // their readers check them, with messages that show the expected form
    }
    return true;
  }

  bool CheckKeys(const toml::table& t, std::string_view where, const TableSpec& table) {
    const std::vector<std::string> allowed = KeyNames(table);
    bool ok = true;
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      Error(Loc(k),
            fmt::format("unknown key '{}' in {}{}", k.str(), where, DidYouMean(k.str(), allowed)));
      ok = false;
    }
    return ok;
  }

  std::optional<std::string> String(const toml::node& n, std::string_view what) {
    if (auto* s = n.as_string()) return s->get();
    Error(Loc(n), fmt::format("{} must be a string, not {}", what, TypeName(n)));
    return std::nullopt;
  }

  std::optional<bool> Bool(const toml::node& n, std::string_view what) {
    if (auto* b = n.as_boolean()) return b->get();
    Error(Loc(n), fmt::format("{} must be true or false, not {}", what, TypeName(n)));
    return std::nullopt;
  }

  // StringList accepts one string or an array of strings.
  std::optional<std::vector<std::string>> StringList(const toml::node& n, std::string_view what) {
    if (auto* s = n.as_string()) return std::vector<std::string>{s->get()};
    auto* a = n.as_array();
    if (!a) {
      Error(Loc(n),
            fmt::format("{} must be a string or an array of strings, not {}", what, TypeName(n)));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : *a) {
      auto s = String(item, fmt::format("each entry of {}", what));
      if (!s) return std::nullopt;
      out.push_back(*s);
    }
    return out;
  }

  static std::string TypeName(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::table:
        return "a table";
      case toml::node_type::array:
        return "an array";
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a float";
      case toml::node_type::boolean:
        return "a boolean";
      default:
        return "a date or time";
    }
  }

  static Value ToValue(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return Value(n.as_string()->get());
      case toml::node_type::integer:
        return Value(static_cast<double>(n.as_integer()->get()));
      case toml::node_type::floating_point:
        return Value(n.as_floating_point()->get());
      case toml::node_type::boolean:
        return Value(n.as_boolean()->get());
      case toml::node_type::array: {
        ValueArray a;
        for (const auto& item : *n.as_array()) a.push_back(ToValue(item));
        return Value(std::move(a));
      }
      case toml::node_type::table: {
        ValueObject o;
        for (auto&& [k, v] : *n.as_table()) o.emplace(std::string(k.str()), ToValue(v));
        return Value(std::move(o));
      }
      default: {
        std::ostringstream out;
        n.visit([&](auto&& v) {
          if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> ||
                        toml::is_date_time<decltype(v)>) {
            out << v.get();
          }
        });
        return Value(out.str());
      }
    }
  }

  // ---- expressions ----

  std::optional<Template> TemplateOf(const toml::node& n, std::string_view what,
                                     const ExprRules& rules) {
    auto text = String(n, what);
    if (!text) return std::nullopt;
    ExprError error;
    auto t = Template::Parse(*text, &error);
    if (!t) {
      Error(LocInString(n, error.offset), fmt::format("in {}: {}", what, error.message));
      return std::nullopt;
    }
    if (!rules.status_functions && t->UsesStatusFunction()) {
      Error(Loc(n), fmt::format("in {}: success(), failure(), always() and cancelled() may "
                                "only be used in `if`",
                                what));
      return std::nullopt;
    }
    bool ok = true;
    t->ForEachRef([&](const ContextRef& ref) {
      ok &= CheckRef(ref, LocInString(n, ref.offset), what, rules);
    });
    if (!ok) return std::nullopt;
    return t;
  }

  // ConditionOf reads `if`: a `${{ }}` template or a bare expression.
  std::optional<Expr> ConditionOf(const toml::node& n, const ExprRules& rules) {
    auto text = String(n, "`if`");
    if (!text) return std::nullopt;
    std::string_view body = *text;
    size_t shift = 0;
    auto trimmed_begin = body.find_first_not_of(" \t\n");
    auto trimmed_end = body.find_last_not_of(" \t\n");
    if (trimmed_begin != std::string_view::npos && body.substr(trimmed_begin).starts_with("${{") &&
        body.substr(0, trimmed_end + 1).ends_with("}}") &&
        body.find("${{", trimmed_begin + 3) == std::string_view::npos) {
      shift = trimmed_begin + 3;
      body = body.substr(shift, trimmed_end + 1 - 2 - shift);
    }
    size_t lead = body.find_first_not_of(" \t\n");
    if (lead != std::string_view::npos) {
      shift += lead;
      body = body.substr(lead, body.find_last_not_of(" \t\n") + 1 - lead);
    }
    ExprError error;
    auto expr = Expr::Parse(body, &error);
    if (!expr) {
      Error(LocInString(n, shift + error.offset), fmt::format("in `if`: {}", error.message));
      return std::nullopt;
    }
    bool ok = true;
    expr->ForEachRef([&](const ContextRef& ref) {
      ok &= CheckRef(ref, LocInString(n, shift + ref.offset), "`if`", rules);
    });
    if (!ok) return std::nullopt;
    return expr;
  }

  bool CheckRef(const ContextRef& ref, SourceLoc loc, std::string_view what,
                const ExprRules& rules) {
    auto fail = [&](std::string message) {
      Error(loc, fmt::format("in {}: {}", what, message));
      return false;
    };
    const std::string& root = ref.root;
    if (std::find(kContexts.begin(), kContexts.end(), root) == kContexts.end()) {
      return fail(fmt::format("unknown context '{}'{}", root, DidYouMean(root, kContexts)));
    }
    if ((root == "matrix" || root == "needs") && !rules.task_level) {
      return fail(fmt::format("'{}' is only available inside a task", root));
    }
    if (ref.path.empty()) return true;
    const std::string& field = ref.path[0];
    if (root == "git" && !Contains(kGitFields, field)) {
      return fail(fmt::format("unknown git field '{}'{}", field, DidYouMean(field, kGitFields)));
    }
    if (root == "runner" && !Contains(kRunnerFields, field)) {
      return fail(
          fmt::format("unknown runner field '{}'{}", field, DidYouMean(field, kRunnerFields)));
    }
    if (root == "vars" && !pipeline_->vars.contains(field)) {
      std::vector<std::string> names;
      for (const auto& [k, v] : pipeline_->vars) names.push_back(k);
      return fail(fmt::format("unknown variable '{}': [vars] has no such key{}", field,
                              DidYouMean(field, names)));
    }
    if (root == "secrets") {
      std::vector<std::string> names;
      for (const auto& s : pipeline_->secrets) names.push_back(s.name);
      if (!Contains(names, field)) {
        return fail(fmt::format("unknown secret '{}': [secrets] has no such key{}", field,
                                DidYouMean(field, names)));
      }
    }
    if (root == "inputs" && !Contains(input_names_, field)) {
      return fail(fmt::format("unknown input '{}': no pipeline declares it{}", field,
                              DidYouMean(field, input_names_)));
    }
    if (root == "matrix") {
      std::vector<std::string> keys;
      for (const auto& axis : *rules.matrix) keys.push_back(axis.key);
      if (!Contains(keys, field)) {
        if (keys.empty())
          return fail(fmt::format("unknown matrix key '{}': this task has no matrix", field));
        return fail(fmt::format("unknown matrix key '{}' (this task's matrix has: {}){}", field,
                                fmt::join(keys, ", "), DidYouMean(field, keys)));
      }
    }
    if (root == "needs") {
      std::vector<std::string> names;
      for (const auto& need : *rules.needs) names.push_back(need.task);
      if (!Contains(names, field)) {
        return fail(
            fmt::format("needs.{} refers to a task this task does not need; add '{}' "
                        "to its needs{}",
                        field, field, DidYouMean(field, names)));
      }
      if (ref.path.size() > 1 && ref.path[1] != "outputs" && ref.path[1] != "result") {
        return fail(
            fmt::format("needs.{} has 'outputs' and 'result', not '{}'", field, ref.path[1]));
      }
    }
    return true;
  }

  static bool Contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  // ---- sections ----

  void ReadProject(const toml::table& t) {
    CheckKeys(t, "[project]", kProjectTable);
    if (auto* n = Field(t, kProjectTable, "name", "project.name"))
      pipeline_->project_name = n->as_string()->get();
    (void)Field(t, kProjectTable, "description", "project.description");
  }

  void ReadVars(const toml::table& t) {
    for (auto&& [k, v] : t) pipeline_->vars.emplace(std::string(k.str()), ToValue(v));
  }

  void ReadSecrets(const toml::table& t) {
    for (auto&& [k, v] : t) {
      SecretSpec s;
      s.name = std::string(k.str());
      s.loc = Loc(k);
      if (auto* str = v.as_string()) {
        s.env = str->get();
      } else if (auto* tbl = v.as_table()) {
        CheckKeys(*tbl, fmt::format("[secrets.{}]", s.name), kSecretTable);
        s.env = s.name;
        if (auto* n = Field(*tbl, kSecretTable, "env", "secrets env"))
          s.env = n->as_string()->get();
        if (auto* n = Field(*tbl, kSecretTable, "required", "secrets required"))
          s.required = n->as_boolean()->get();
        (void)Field(*tbl, kSecretTable, "description", "secrets description");
      } else {
        Error(Loc(v), fmt::format("secret '{}' must be the name of an environment variable or a "
                                  "table like {{ env = \"TOKEN\", required = false }}",
                                  s.name));
        continue;
      }
      pipeline_->secrets.push_back(std::move(s));
    }
  }

  void ReadDefaults(const toml::table& t) {
    CheckKeys(t, "[defaults]", kDefaultsTable);
    if (auto* n = Field(t, kDefaultsTable, "shell", "shell")) pipeline_->shell = *ShellOf(*n);
  }

  std::optional<std::vector<std::string>> ShellOf(const toml::node& n) {
    std::optional<std::vector<std::string>> argv;
    if (auto* s = n.as_string()) {
      argv = SplitWords(s->get());
    } else {
      argv = StringList(n, "shell");
    }
    if (argv && argv->empty()) {
      Error(Loc(n), "shell must name a program, e.g. \"bash -eo pipefail -c\"");
      return std::nullopt;
    }
    return argv;
  }

  void ReadPipelines(const toml::table& t) {
    // First collect every input name: templates anywhere may use them.
    for (auto&& [k, v] : t) {
      if (auto* tbl = v.as_table()) {
        if (auto* inputs = tbl->get_as<toml::table>("inputs")) {
          for (auto&& [ik, iv] : *inputs) input_names_.emplace_back(ik.str());
        }
      }
    }
    for (auto&& [k, v] : t) {
      PipelineSpec p;
      p.name = std::string(k.str());
      p.loc = Loc(k);
      std::string where = fmt::format("[pipelines.{}]", p.name);
      if (!HasType(v, *kPipelinesTable.entry, where)) continue;
      const toml::table* tbl = v.as_table();
      CheckKeys(*tbl, where, kPipelineTable);
      if (auto* n = Field(*tbl, kPipelineTable, "description", "description"))
        p.description = n->as_string()->get();
      if (auto* n = tbl->get("tasks")) {
        if (Field(*tbl, kPipelineTable, "tasks", where + " tasks")) p.tasks = *StringList(*n, "");
        pipeline_task_refs_.push_back({p.name, n});
      } else {
        Error(p.loc, fmt::format("{} needs a `tasks` list naming the tasks it runs", where));
      }
      if (auto* n = Field(*tbl, kPipelineTable, "inputs", where + " inputs"))
        ReadInputs(*n->as_table(), where, p);
      if (auto* links = tbl->get("links")) ReadLinks(*links, where, p);
      pipeline_->pipelines.push_back(std::move(p));
    }
    SortBySource(pipeline_->pipelines);
  }

  // ReadLinks reads `links = [{ title = "...", url = "...", if = "..." }]`.
  void ReadLinks(const toml::node& n, const std::string& where, PipelineSpec& p) {
    auto* list = n.as_array();
    if (!list) {
      Error(Loc(n), fmt::format("{} links must be an array of tables like {{ title = \"Promote\", "
                                "url = \"https://...\" }}",
                                where));
      return;
    }
    ExprRules rules;
    for (const auto& item : *list) {
      auto* tbl = item.as_table();
      if (!tbl) {
        Error(Loc(item), fmt::format("each of {} links must be a table with title and url", where));
        continue;
      }
      std::string lwhere = fmt::format("{} link", where);
      CheckKeys(*tbl, lwhere, kLinkTable);
      auto* title = tbl->get("title");
      auto* url = tbl->get("url");
      if (!title || !url) {
        Error(Loc(item), fmt::format("{} needs both title and url", lwhere));
        continue;
      }
      auto t = TemplateOf(*title, lwhere + " title", rules);
      auto u = TemplateOf(*url, lwhere + " url", rules);
      if (!t || !u) continue;
      LinkSpec link{std::move(*t), std::move(*u), std::nullopt, Loc(item)};
      if (auto* c = tbl->get("if")) {
        ExprRules cond = rules;
        cond.status_functions = true;
        link.condition = ConditionOf(*c, cond);
      }
      p.links.push_back(std::move(link));
    }
  }

  void ReadInputs(const toml::table& inputs, const std::string& where, PipelineSpec& p) {
    for (auto&& [k, v] : inputs) {
      PipelineInput in;
      in.name = std::string(k.str());
      in.loc = Loc(k);
      std::string iwhere = fmt::format("{} input '{}'", where, in.name);
      auto* it = v.as_table();
      if (!it) {
        Error(Loc(v), fmt::format("{} must be a table like {{ default = \"staging\" }}", iwhere));
        continue;
      }
      CheckKeys(*it, iwhere, kInputTable);
      if (auto* d = Field(*it, kInputTable, "description", "description"))
        in.description = d->as_string()->get();
      if (auto* c = Field(*it, kInputTable, "choices", "choices")) in.choices = *StringList(*c, "");
      if (auto* r = Field(*it, kInputTable, "required", "required"))
        in.required = r->as_boolean()->get();
      if (auto* d = Field(*it, kInputTable, "default", "default")) {
        std::string s = d->as_string()->get();
        if (!in.choices.empty() && !Contains(in.choices, s)) {
          Error(Loc(*d), fmt::format("default '{}' of {} is not one of its choices ({})", s, iwhere,
                                     fmt::join(in.choices, ", ")));
        }
        in.default_value = s;
      }
      p.inputs.push_back(std::move(in));
    }
  }

  std::vector<EnvEntry> ReadEnv(const toml::table& t, std::string_view where,
                                const ExprRules& rules) {
    std::vector<EnvEntry> env;
    for (auto&& [k, v] : t) {
      std::string what = fmt::format("{} {}", where, k.str());
      if (std::find(std::begin(kReservedEnvNames), std::end(kReservedEnvNames), k.str()) !=
          std::end(kReservedEnvNames)) {
        Error(Loc(k),
              fmt::format("{}: taskr sets {} for every task; choose another name", where, k.str()));
        continue;
      }
      if (v.is_integer() || v.is_boolean() || v.is_floating_point()) {
        env.push_back(
            EnvEntry{std::string(k.str()), *Template::Parse(ToValue(v).ToString(), nullptr)});
        continue;
      }
      if (auto tpl = TemplateOf(v, what, rules))
        env.push_back(EnvEntry{std::string(k.str()), *tpl});
    }
    return env;
  }

  void ReadPlugins(const toml::table& t) {
    for (auto&& [k, v] : t) {
      PluginRef ref;
      ref.name = std::string(k.str());
      ref.loc = Loc(k);
      std::string where = fmt::format("[plugins] {}", ref.name);
      if (auto* s = v.as_string()) {
        ref.path = s->get();
      } else if (auto* tbl = v.as_table()) {
        CheckKeys(*tbl, where, kPluginTable);
        if (auto* n = Field(*tbl, kPluginTable, "path", where + " path"))
          ref.path = n->as_string()->get();
        if (auto* n = tbl->get("sha256")) {
          if (Field(*tbl, kPluginTable, "sha256", where + " sha256"))
            ref.sha256 = n->as_string()->get();
          bool hex = ref.sha256.size() == 64 &&
                     std::all_of(ref.sha256.begin(), ref.sha256.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c));
                     });
          if (!hex) Error(Loc(*n), fmt::format("{} sha256 must be 64 hex digits", where));
          std::transform(ref.sha256.begin(), ref.sha256.end(), ref.sha256.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        }
      } else {
        Error(Loc(v), fmt::format("{} must be a path, or a table like {{ path = \"plugins/x.so\", "
                                  "sha256 = \"…\" }}",
                                  where));
        continue;
      }
      if (ref.path.empty()) {
        Error(ref.loc, fmt::format("{} needs a path to the plugin library", where));
        continue;
      }
      pipeline_->plugins.push_back(std::move(ref));
    }
    SortBySource(pipeline_->plugins);
  }

  // RecordLocs notes where each value under `with` stands, keyed by its path.
  static void RecordLocs(const toml::node& n, const std::string& path,
                         std::vector<std::pair<std::string, SourceLoc>>& locs) {
    if (!path.empty()) locs.emplace_back(path, Loc(n));
    auto join = [&](std::string_view part) {
      return path.empty() ? std::string(part) : path + "." + std::string(part);
    };
    if (auto* t = n.as_table()) {
      for (auto&& [k, v] : *t) RecordLocs(v, join(k.str()), locs);
    } else if (auto* a = n.as_array()) {
      for (size_t i = 0; i < a->size(); ++i) RecordLocs(*a->get(i), join(std::to_string(i)), locs);
    }
  }

  void ReadTasks(const toml::table& t) {
    for (auto&& [k, v] : t) task_names_.emplace_back(k.str());
    task_name_set_.insert(task_names_.begin(), task_names_.end());
    std::vector<std::pair<const toml::key*, const toml::node*>> ordered;
    for (auto&& [k, v] : t) ordered.push_back({&k, &v});
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
      return a.first->source().begin < b.first->source().begin;
    });
    pipeline_->tasks.reserve(ordered.size());
    for (auto [k, v] : ordered) ReadTask(*k, *v);
  }

  void ReadTask(const toml::key& key, const toml::node& node) {
    TaskSpec task;
    task.name = std::string(key.str());
    task.loc = Loc(key);
    std::string where = fmt::format("[tasks.{}]", task.name);
    if (!ValidName(task.name)) {
      Error(task.loc,
            fmt::format("task name '{}' may only use letters, digits, '_' and '-'", task.name));
    }
    if (!HasType(node, *kTasksTable.entry, where)) return;
    const toml::table* t = node.as_table();
    CheckKeys(*t, where, kTaskTable);

    // matrix and needs first: expressions elsewhere in the task refer to them.
    if (auto* n = t->get("matrix")) ReadMatrix(*n, where, task);
    if (auto* n = t->get("needs")) ReadNeeds(*n, where, task);
    ExprRules rules{.task_level = true, .matrix = &task.matrix, .needs = &task.needs};

    if (auto* n = Field(*t, kTaskTable, "description", "description"))
      task.description = n->as_string()->get();
    const toml::node* run = t->get("run");
    const toml::node* uses = t->get("uses");
    if (run && uses) {
      Error(Loc(*uses),
            fmt::format("{} has both `run` and `uses`; a task does one or the other", where));
    } else if (!run && !uses) {
      Error(task.loc, fmt::format("{} needs `run` (a shell script) or `uses` (a plugin)", where));
    }
    if (run) task.run = TemplateOf(*run, where + " run", rules);
    if (uses) {
      if (Field(*t, kTaskTable, "uses", "uses")) task.uses = uses->as_string()->get();
      task.uses_loc = Loc(*uses);
    }
    if (auto* n = t->get("with")) {
      if (!uses)
        Error(Loc(*n),
              fmt::format("{} has `with` but no `uses`: `with` passes parameters to a plugin",
                          where));
      if (HasType(*n, *FindKey(kTaskTable, "with"), where + " with")) {
        CheckTemplatesIn(*n, where + " with", rules);
        task.with = ToValue(*n);
        RecordLocs(*n, "", task.with_locs);
      }
    }
    if (auto* n = Field(*t, kTaskTable, "shell", "shell")) task.shell = *ShellOf(*n);
    if (auto* n = Field(*t, kTaskTable, "env", where + " env"))
      task.env = ReadEnv(*n->as_table(), where + " env", rules);
    if (auto* n = t->get("cwd")) task.cwd = TemplateOf(*n, where + " cwd", rules);
    if (auto* n = Field(*t, kTaskTable, "timeout", "timeout"))
      task.timeout = *DurationOf(*n, "timeout");
    if (auto* n = Field(*t, kTaskTable, "retry_delay", "retry_delay"))
      task.retry_delay = *DurationOf(*n, "retry_delay");
    if (auto* n = Field(*t, kTaskTable, "retries", "retries"))
      task.retries = static_cast<int>(n->as_integer()->get());
    if (auto* n = t->get("if")) {
      ExprRules cond = rules;
      cond.status_functions = true;
      task.condition = ConditionOf(*n, cond);
    }
    if (auto* n = Field(*t, kTaskTable, "allow_failure", "allow_failure"))
      task.allow_failure = n->as_boolean()->get();
    if (auto* n = Field(*t, kTaskTable, "inputs", "inputs")) task.inputs = *StringList(*n, "");
    if (auto* n = Field(*t, kTaskTable, "outputs", "outputs")) task.outputs = *StringList(*n, "");
    if (auto* n = Field(*t, kTaskTable, "cache", "cache")) task.cache = n->as_boolean()->get();
    if (auto* n = t->get("concurrency"))
      task.concurrency = TemplateOf(*n, where + " concurrency", rules);
    if (auto* n = t->get("sarif")) {
      if (!task.run) {
        Error(Loc(*n), fmt::format("{} sarif is for `run` tasks; a plugin reports its findings "
                                   "itself",
                                   where));
      } else if (TemplateOf(*n, where + " sarif", rules)) {
        task.sarif = n->as_string()->get();
        if (std::filesystem::path(task.sarif).is_absolute())
          Error(Loc(*n), fmt::format("{} sarif must be relative to the workspace", where));
      }
    }
    if (auto* n = Field(*t, kTaskTable, "export", where + " export")) {
      if (auto* b = n->as_boolean()) {
        task.export_all = b->get();
      } else {
        task.exports = *StringList(*n, "");
      }
    }
    pipeline_->tasks.push_back(std::move(task));
  }

  void CheckTemplatesIn(const toml::node& n, const std::string& what, const ExprRules& rules) {
    if (n.is_string()) {
      (void)TemplateOf(n, what, rules);
    } else if (auto* a = n.as_array()) {
      for (const auto& item : *a) CheckTemplatesIn(item, what, rules);
    } else if (auto* t = n.as_table()) {
      for (auto&& [k, v] : *t) CheckTemplatesIn(v, fmt::format("{}.{}", what, k.str()), rules);
    }
  }

  std::optional<std::chrono::milliseconds> DurationOf(const toml::node& n, std::string_view what) {
    if (auto* i = n.as_integer(); i && i->get() >= 0) return std::chrono::seconds(i->get());
    if (auto* s = n.as_string()) {
      if (auto d = ParseDuration(s->get())) return d;
      Error(Loc(n), fmt::format("bad duration '{}' for {}: write it like \"90s\", \"10m\", "
                                "\"1h30m\" or \"500ms\"",
                                s->get(), what));
      return std::nullopt;
    }
    Error(Loc(n), fmt::format("{} must be a duration like \"10m\", not {}", what, TypeName(n)));
    return std::nullopt;
  }

  void ReadMatrix(const toml::node& n, const std::string& where, TaskSpec& task) {
    auto* t = n.as_table();
    if (!t) {
      Error(Loc(n),
            fmt::format(
                "{} matrix must be a table of arrays, like {{ service = [\"api\", \"web\"] }}",
                where));
      return;
    }
    std::vector<std::pair<const toml::key*, const toml::node*>> ordered;
    for (auto&& [k, v] : *t) ordered.push_back({&k, &v});
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
      return a.first->source().begin < b.first->source().begin;
    });
    const toml::node* exclude = nullptr;
    for (auto [k, v] : ordered) {
      if (k->str() == "exclude") {
        exclude = v;
        continue;
      }
      MatrixAxis axis;
      axis.key = std::string(k->str());
      if (!ValidName(axis.key)) {
        Error(Loc(*k),
              fmt::format("matrix key '{}' may only use letters, digits, '_' and '-'", axis.key));
      }
      auto* a = v->as_array();
      if (!a || a->empty()) {
        Error(Loc(*v),
              fmt::format("matrix key '{}' must be a non-empty array of values", axis.key));
        continue;
      }
      for (const auto& item : *a) {
        if (item.is_table() || item.is_array()) {
          Error(Loc(item),
                fmt::format("matrix values must be strings, numbers or booleans; '{}' has {}",
                            axis.key, TypeName(item)));
          continue;
        }
        Value value = ToValue(item);
        if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end()) {
          Error(Loc(item),
                fmt::format("matrix key '{}' lists {} twice", axis.key, value.ToJson(-1)));
          continue;
        }
        axis.values.push_back(std::move(value));
      }
      task.matrix.push_back(std::move(axis));
    }
    if (exclude) ReadMatrixExclude(*exclude, task);
  }

  void ReadMatrixExclude(const toml::node& n, TaskSpec& task) {
    auto* a = n.as_array();
    if (!a) {
      Error(Loc(n), "matrix exclude must be an array of tables, like [{ service = \"web\" }]");
      return;
    }
    std::vector<std::string> keys;
    for (const auto& axis : task.matrix) keys.push_back(axis.key);
    for (const auto& item : *a) {
      auto* t = item.as_table();
      if (!t) {
        Error(Loc(item), "each matrix exclude entry must be a table, like { service = \"web\" }");
        continue;
      }
      for (auto&& [k, v] : *t) {
        if (!Contains(keys, k.str())) {
          Error(Loc(k), fmt::format("unknown matrix key '{}' in exclude{}", k.str(),
                                    DidYouMean(k.str(), keys)));
        }
      }
      task.matrix_exclude.push_back(ToValue(item).as_object());
    }
  }

  void ReadNeeds(const toml::node& n, const std::string& where, TaskSpec& task) {
    std::vector<const toml::node*> items;
    if (auto* a = n.as_array()) {
      for (const auto& item : *a) items.push_back(&item);
    } else {
      items.push_back(&n);
    }
    for (const toml::node* item : items) {
      auto name = String(*item, where + " needs entry");
      if (!name) continue;
      if (!task_name_set_.contains(*name)) {
        Error(Loc(*item), fmt::format("{} needs unknown task '{}'{}", where, *name,
                                      DidYouMean(*name, task_names_)));
        continue;
      }
      if (*name == task.name) {
        Error(Loc(*item), fmt::format("{} needs itself", where));
        continue;
      }
      task.needs.push_back(NeedSpec{*name, Loc(*item)});
    }
  }

  // ---- whole-file checks ----

  void CheckPipelineTasks() {
    for (const auto& [pipeline, node] : pipeline_task_refs_) {
      std::vector<const toml::node*> items;
      if (auto* a = node->as_array()) {
        for (const auto& item : *a) items.push_back(&item);
      } else {
        items.push_back(node);
      }
      for (const toml::node* item : items) {
        std::string ref = item->value_or(std::string());
        std::string name = ref.substr(0, ref.find('['));
        if (!task_name_set_.contains(name)) {
          Error(Loc(*item), fmt::format("pipeline '{}' lists unknown task '{}'{}", pipeline, name,
                                        DidYouMean(name, task_names_)));
        }
      }
    }
  }

  // CheckCycles reports the first dependency cycle with its whole path.
  void CheckCycles() {
    std::map<std::string_view, const TaskSpec*> by_name;
    for (const auto& t : pipeline_->tasks) by_name[t.name] = &t;
    enum class Mark { kNone, kActive, kDone };
    std::map<std::string_view, Mark> marks;
    std::vector<const TaskSpec*> stack;
    std::vector<const NeedSpec*> edges;
    std::function<bool(const TaskSpec*)> visit = [&](const TaskSpec* t) {
      marks[t->name] = Mark::kActive;
      stack.push_back(t);
      for (const auto& need : t->needs) {
        const TaskSpec* next = by_name[need.task];
        Mark m = marks[next->name];
        edges.push_back(&need);
        if (m == Mark::kActive) {
          auto start = std::find(stack.begin(), stack.end(), next);
          std::string path;
          for (auto it = start; it != stack.end(); ++it) path += (*it)->name + " -> ";
          path += next->name;
          const NeedSpec* first_edge = edges[start - stack.begin()];
          Error(first_edge->loc, fmt::format("dependency cycle: {}", path));
          return true;
        }
        if (m == Mark::kNone && visit(next)) return true;
        edges.pop_back();
      }
      stack.pop_back();
      marks[t->name] = Mark::kDone;
      return false;
    };
    for (const auto& t : pipeline_->tasks) {
      if (marks[t.name] == Mark::kNone && visit(&t)) return;
    }
  }

  template <typename T>
  static void SortBySource(std::vector<T>& items) {
    std::stable_sort(items.begin(), items.end(), [](const T& a, const T& b) {
      return std::pair(a.loc.line, a.loc.column) < std::pair(b.loc.line, b.loc.column);
    });
  }

  static constexpr size_t kMaxErrors = 50;
  std::filesystem::path file_;
  LoadResult result_;
  Pipeline* pipeline_ = nullptr;
  std::vector<std::string> task_names_;  // for suggestions
  std::unordered_set<std::string> task_name_set_;
  std::vector<std::string> input_names_;
  std::vector<std::pair<std::string, const toml::node*>> pipeline_task_refs_;
};

}  // namespace

LoadResult ParsePipeline(std::string text, const std::filesystem::path& file_name) {
  return Loader(std::move(text), file_name).Load();
}

LoadResult LoadPipeline(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back(Diagnostic{
        file.string(), {}, "cannot read the file: " + std::string(std::strerror(errno))});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePipeline(text.str(), file);
}

}  // namespace taskr
