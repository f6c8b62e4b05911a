#include "runner/model/pipeline_schema.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cctype>
#include <functional>
#include <map>
#include <span>
#include <utility>

#include "runner/model/pipeline_keys.h"

namespace taskr {
namespace {

constexpr std::string_view kDraft = "https://json-schema.org/draft/2020-12/schema";

Value Str(std::string_view s) { return Value(s); }

Value Strs(const std::vector<std::string>& items) {
  ValueArray out;
  for (const auto& item : items) out.push_back(Value(item));
  return Value(std::move(out));
}

Value Strs(std::span<const std::string_view> items) {
  ValueArray out;
  for (std::string_view item : items) out.push_back(Value(item));
  return Value(std::move(out));
}

Value Num(int64_t n) { return Value(static_cast<double>(n)); }

Value Obj(ValueObject members) { return Value(std::move(members)); }

ValueObject StringsOf(ValueObject schema) {
  schema["items"] = Obj({{"type", Str("string")}});
  return schema;
}

/// Schemas turns the key tables into JSON Schema; `extend_task` adds what the
/// plugins say to the schema of a task.
class Schemas {
 public:
  explicit Schemas(std::function<void(ValueObject&)> extend_task)
      : extend_task_(std::move(extend_task)) {}

  ValueObject Key(const KeySpec& key) const {
    ValueObject schema = Type(key);
    if (!key.description.empty()) schema["description"] = Str(key.description);
    return schema;
  }

  ValueObject Table(const TableSpec& table) const {
    ValueObject schema{{"type", Str("object")}};
    if (!table.title.empty()) schema["title"] = Str(table.title);
    ValueObject properties;
    std::vector<std::string> required;
    ValueObject dependent;
    for (const KeySpec& key : table.keys) {
      properties[std::string(key.name)] = Obj(Key(key));
      if (key.required) required.emplace_back(key.name);
      if (!key.needs.empty()) dependent[std::string(key.name)] = Strs({std::string(key.needs)});
    }
    if (!properties.empty()) schema["properties"] = Obj(std::move(properties));
    if (!required.empty()) schema["required"] = Strs(required);
    if (!dependent.empty()) schema["dependentRequired"] = Obj(std::move(dependent));
    if (!table.exactly_one_of.empty()) {
      ValueArray one_of;
      for (std::string_view name : table.exactly_one_of) {
        one_of.push_back(Obj({{"required", Strs({std::string(name)})}}));
      }
      schema["oneOf"] = Value(std::move(one_of));
    }
    if (table.entry == nullptr) {
      schema["additionalProperties"] = Value(false);
    } else if (ValueObject entry = Key(*table.entry); !entry.empty()) {
      schema["additionalProperties"] = Obj(std::move(entry));
    }
    ValueObject names;
    if (!table.entry_names.empty()) names["pattern"] = Str(table.entry_names);
    if (!table.reserved.empty()) names["not"] = Obj({{"enum", Strs(table.reserved)}});
    if (!names.empty()) schema["propertyNames"] = Obj(std::move(names));
    if (&table == &kTaskTable) extend_task_(schema);
    return schema;
  }

 private:
  ValueObject Type(const KeySpec& key) const {
    ValueObject schema;
    switch (key.type) {
      case KeyType::kAny:
        break;
      case KeyType::kString:
        schema["type"] = Str("string");
        break;
      case KeyType::kBoolean:
        schema["type"] = Str("boolean");
        break;
      case KeyType::kStrings:
        schema = StringsOf({{"type", Strs({"string", "array"})}});
        break;
      case KeyType::kDuration:
        schema = {{"type", Strs({"integer", "string"})},
                  {"minimum", Num(0)},
                  {"pattern", Str(kDurationPattern)}};
        break;
      case KeyType::kInteger:
        schema = {
            {"type", Str("integer")}, {"minimum", Num(key.minimum)}, {"maximum", Num(key.maximum)}};
        break;
      case KeyType::kShell:
        schema = StringsOf({{"type", Strs({"string", "array"})}, {"minItems", Num(1)}});
        break;
      case KeyType::kExport:
        schema = StringsOf({{"type", Strs({"boolean", "string", "array"})}});
        break;
      case KeyType::kEnvValue:
        schema["type"] = Strs({"string", "number", "boolean"});
        break;
      case KeyType::kMatrixValues:
        schema = {{"type", Str("array")},
                  {"minItems", Num(1)},
                  {"uniqueItems", Value(true)},
                  {"items", Obj({{"type", Strs({"string", "number", "boolean"})}})}};
        break;
      case KeyType::kTable:
        schema = Table(*key.table);
        break;
      case KeyType::kTables:
        schema = {{"type", Str("array")}, {"items", Obj(Table(*key.table))}};
        break;
      case KeyType::kStringOrTable:
        schema = Table(*key.table);
        schema["type"] = Strs({"string", "object"});
        break;
    }
    if (!key.pattern.empty()) schema["pattern"] = Str(key.pattern);
    return schema;
  }

  std::function<void(ValueObject&)> extend_task_;
};

/// RegexEscape quotes the characters of `text` that ECMAScript regexes treat
/// as syntax (only those: escaping others is an error in Unicode mode).
std::string RegexEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("^$\\.*+?()[]{}|/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

/// RefTo is the $ref of the $defs member `name`: a JSON pointer in a URI
/// fragment, so '~' and '/' are escaped as JSON pointers do, and any byte a
/// fragment may not hold is percent-encoded.
std::string RefTo(std::string_view name) {
  constexpr std::string_view kSafe = "-._!$&'()*+,;=:@";
  std::string out = "#/$defs/";
  for (unsigned char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else if (std::isalnum(c) || kSafe.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// OneOf is {"const": x} for one value, {"enum": [...]} for more.
ValueObject OneOf(const std::vector<std::string>& values) {
  if (values.size() == 1) return {{"const", Str(values[0])}};
  return {{"enum", Strs(values)}};
}

/// UsesIs is the `if` that holds when the task has a `uses` that fits `uses`.
Value UsesIs(ValueObject uses) {
  return Obj({{"properties", Obj({{"uses", Obj(std::move(uses))}})},
              {"required", Strs(std::vector<std::string>{"uses"})}});
}

/// PluginRules are the task schema's if/then pairs for the plugins' actions,
/// and the definitions of their `with` schemas.
struct PluginRules {
  ValueArray all_of;
  ValueObject defs;
  std::vector<std::string> uses_values;  // every value of `uses` the plugins know
  std::vector<std::string> plugins;      // their names
};

/// ActionRule is the if/then that gives `with` the schema of `action` when
/// `uses` picks it, and adds that schema to `defs`.
Value ActionRule(const UsesSchema& action, ValueObject& defs) {
  std::vector<std::string> picks = {action.plugin + "." + action.action};
  if (action.default_action) picks.insert(picks.begin(), action.plugin);
  std::string def = "with:" + action.plugin + "." + action.action;
  ValueObject with = action.with.is_object() ? action.with.as_object() : ValueObject{};
  if (!action.description.empty()) with["description"] = Str(action.description);
  defs[def] = Obj(std::move(with));
  ValueObject then = {{"properties", Obj({{"with", Obj({{"$ref", Str(RefTo(def))}})}})}};
  // Without `with` the action gets {}, which lacks its required parameters.
  const Value* required = action.with.Get("required");
  if (required && required->is_array() && !required->as_array().empty())
    then["required"] = Strs(std::vector<std::string>{"with"});
  return Obj({{"if", UsesIs(OneOf(picks))}, {"then", Obj(std::move(then))}});
}

/// RulesFor builds the plugin rules: per plugin, one that `uses` names one of
/// its actions, then one per action for `with`.
PluginRules RulesFor(const std::vector<UsesSchema>& actions) {
  std::vector<std::string> plugins;
  std::map<std::string, std::vector<const UsesSchema*>> by_plugin;
  for (const UsesSchema& a : actions) {
    if (!by_plugin.contains(a.plugin)) plugins.push_back(a.plugin);
    by_plugin[a.plugin].push_back(&a);
  }
  PluginRules rules;
  rules.plugins = plugins;
  for (const std::string& plugin : plugins) {
    std::vector<std::string> uses;
    for (const UsesSchema* a : by_plugin[plugin]) {
      if (a->default_action) uses.insert(uses.begin(), plugin);
    }
    for (const UsesSchema* a : by_plugin[plugin]) uses.push_back(plugin + "." + a->action);
    // "plugin." is the default action too, as SplitUses reads it; it is left unchecked.
    rules.all_of.push_back(
        Obj({{"if", UsesIs({{"pattern", Str("^" + RegexEscape(plugin) + "(\\..|$)")}})},
             {"then", Obj({{"properties", Obj({{"uses", Obj(OneOf(uses))}})}})}}));
    for (const UsesSchema* a : by_plugin[plugin])
      rules.all_of.push_back(ActionRule(*a, rules.defs));
    rules.uses_values.insert(rules.uses_values.end(), uses.begin(), uses.end());
  }
  return rules;
}

}  // namespace

Value PipelineSchema(const std::vector<UsesSchema>& actions) {
  PluginRules rules = RulesFor(actions);
  Schemas schemas([&](ValueObject& task) {
    if (rules.all_of.empty()) return;
    task["allOf"] = Value(rules.all_of);
    ValueObject properties = task["properties"].as_object();
    ValueObject uses = properties["uses"].as_object();
    uses["examples"] = Strs(rules.uses_values);
    properties["uses"] = Obj(std::move(uses));
    task["properties"] = Obj(std::move(properties));
  });

  ValueObject schema = schemas.Table(kTopTable);
  schema["$schema"] = Str(kDraft);
  schema["$comment"] =
      Str(fmt::format("Generated by `taskr schema` from the tables of keys taskr's loader checks "
                      "(runner/model/pipeline_keys.cc) and {}; regenerate it, do not edit it.",
                      rules.plugins.empty() ? "no plugin"
                                            : fmt::format("the manifests of the plugins {}",
                                                          fmt::join(rules.plugins, ", "))));
  schema["description"] = Str(
      "A taskr pipeline file: tasks, the pipelines that run them, and what they share. Every key "
      "is described in docs/pipeline-reference.md.");
  ValueObject defs = std::move(rules.defs);
  defs["expression"] = Obj({{"type", Str("string")},
                            {"pattern", Str(R"(\$\{\{)")},
                            {"description", Str("An expression, ${{ … }}: its value is checked "
                                                "once rendered, when the task starts.")}});
  schema["$defs"] = Obj(std::move(defs));
  return Value(std::move(schema));
}

}  // namespace taskr
