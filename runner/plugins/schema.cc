#include "runner/plugins/schema.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/model/diagnostic.h"
#include "runner/model/value.h"

namespace taskr {
namespace {

/// Shape is what a keyword's argument must be.
enum class Shape {
  kAnything,   // any value
  kString,     // a string
  kBool,       // a boolean
  kNumber,     // a number
  kCount,      // a non-negative integer
  kArray,      // an array
  kValues,     // a non-empty array
  kType,       // a type name, or a non-empty array of them
  kPattern,    // a string holding a valid ECMAScript regular expression
  kSchema,     // a schema
  kSchemas,    // a non-empty array of schemas
  kSchemaMap,  // an object whose members are schemas
  kNames,      // an array of strings
};

/// Keyword is a JSON Schema keyword taskr understands.
struct Keyword {
  std::string_view name;
  Shape shape;
  bool standard = true;  // false: taskr's own, which StandardSchema leaves out
};

/// kKeywords is the whole subset: the validator ignores anything else, and
/// CheckSchema reports it.
constexpr Keyword kKeywords[] = {
    {"additionalProperties", Shape::kSchema},
    {"anyOf", Shape::kSchemas},
    {"const", Shape::kAnything},
    {"default", Shape::kAnything},
    {"description", Shape::kString},
    {"enum", Shape::kValues},
    {"examples", Shape::kArray},
    {"exclusiveMaximum", Shape::kNumber},
    {"exclusiveMinimum", Shape::kNumber},
    {"format", Shape::kString},
    {"items", Shape::kSchema},
    {"maxItems", Shape::kCount},
    {"maxLength", Shape::kCount},
    {"maximum", Shape::kNumber},
    {"minItems", Shape::kCount},
    {"minLength", Shape::kCount},
    {"minimum", Shape::kNumber},
    {"oneOf", Shape::kSchemas},
    {"pattern", Shape::kPattern},
    {"properties", Shape::kSchemaMap},
    {"required", Shape::kNames},
    {"title", Shape::kString},
    {"type", Shape::kType},
    {"uniqueItems", Shape::kBool},
    // taskr's own: a parameter that, when true, makes the run an effect (never
    // cached), such as docker-buildx's `push`.
    {"x-taskr-effect", Shape::kBool, /*standard=*/false},
};

/// kAnnotations describe a value without constraining it.
constexpr std::string_view kAnnotations[] = {"default", "description", "examples", "title"};

/// FindKeyword is the entry of kKeywords for `name`, or nullptr.
const Keyword* FindKeyword(std::string_view name) {
  for (const Keyword& keyword : kKeywords) {
    if (keyword.name == name) return &keyword;
  }
  return nullptr;
}

/// TypeName is a name the `type` keyword accepts and how messages say it.
struct TypeName {
  std::string_view name;
  std::string_view phrase;
};

constexpr TypeName kTypeNames[] = {
    {"array", "an array"},  {"boolean", "a boolean"}, {"integer", "an integer"}, {"null", "null"},
    {"number", "a number"}, {"object", "an object"},  {"string", "a string"},
};

/// NumberBound is a keyword that bounds numbers: when a number passes it, and
/// what a message demands.
struct NumberBound {
  std::string_view keyword;
  bool (*holds)(double n, double limit);
  std::string_view demand;
};

// Each test is written so that NaN fails it.
constexpr NumberBound kNumberBounds[] = {
    {"minimum", [](double n, double limit) { return n >= limit; }, "at least"},
    {"maximum", [](double n, double limit) { return n <= limit; }, "at most"},
    {"exclusiveMinimum", [](double n, double limit) { return n > limit; }, "greater than"},
    {"exclusiveMaximum", [](double n, double limit) { return n < limit; }, "less than"},
};

/// kTemplateOpen starts an expression; a string holding one is only known once rendered.
constexpr std::string_view kTemplateOpen = "${{";

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

/// NamesOf lists the `name` of every entry of a table.
template <typename Table>
std::vector<std::string> NamesOf(const Table& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  return names;
}

/// JoinList renders "a, b or c", with `conjunction` before the last item.
std::string JoinList(const std::vector<std::string>& items, std::string_view conjunction) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " " + std::string(conjunction) + " " : ", ";
    out += items[i];
  }
  return out;
}

/// JoinValues renders values as JSON separated by commas: "\"a\", \"b\"".
std::string JoinValues(const ValueArray& values) {
  std::string out;
  for (const Value& value : values) out += (out.empty() ? "" : ", ") + value.ToJson(-1);
  return out;
}

/// CountOf is "1 item", "2 items".
std::string CountOf(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

/// Phrase is how messages name the type `name` ("a string").
std::string Phrase(std::string_view name) {
  for (const TypeName& type : kTypeNames) {
    if (type.name == name) return std::string(type.phrase);
  }
  return std::string(name);
}

/// ActualOf names what a value is, for "must be X, not Y": numbers by value, as
/// a type name alone could not say why 2.5 is not an integer.
std::string ActualOf(const Value& value) {
  if (value.is_number()) return FormatNumber(value.as_number());
  if (value.is_array() && value.as_array().empty()) return "an empty array";
  return Phrase(Value::KindName(value.kind()));
}

bool IsInteger(double n) { return std::isfinite(n) && std::trunc(n) == n; }

/// IsCount tells whether `n` is a non-negative integer that a size_t holds exactly.
bool IsCount(double n) { return IsInteger(n) && n >= 0 && n <= 9007199254740992.0; }

bool IsTemplate(const Value& value) {
  return value.is_string() && value.as_string().find(kTemplateOpen) != std::string::npos;
}

/// CodePoints counts the characters of UTF-8 text, as minLength and maxLength do.
size_t CodePoints(std::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

/// NumberArg is the number held by keyword `name`, or nullopt when absent or malformed.
std::optional<double> NumberArg(const Value& schema, std::string_view name) {
  const Value* arg = schema.Get(name);
  if (arg == nullptr || !arg->is_number()) return std::nullopt;
  return arg->as_number();
}

/// CountArg is the non-negative integer held by keyword `name`, or nullopt.
std::optional<size_t> CountArg(const Value& schema, std::string_view name) {
  std::optional<double> n = NumberArg(schema, name);
  if (!n || !IsCount(*n)) return std::nullopt;
  return static_cast<size_t>(*n);
}

/// StringsArg is the strings held by keyword `name`: the string itself, or the
/// strings of an array.
std::vector<std::string> StringsArg(const Value& schema, std::string_view name) {
  std::vector<std::string> strings;
  const Value* arg = schema.Get(name);
  if (arg != nullptr && arg->is_string()) strings.push_back(arg->as_string());
  if (arg != nullptr && arg->is_array()) {
    for (const Value& element : arg->as_array()) {
      if (element.is_string()) strings.push_back(element.as_string());
    }
  }
  return strings;
}

bool HasType(const Value& value, std::string_view name) {
  if (name == "integer") return value.is_number() && IsInteger(value.as_number());
  return name == Value::KindName(value.kind());
}

/// AcceptsType tells whether `schema` lets the type of `value` through.
bool AcceptsType(const Value& schema, const Value& value) {
  if (schema.is_bool()) return schema.as_bool();
  std::vector<std::string> types = StringsArg(schema, "type");
  return types.empty() || std::any_of(types.begin(), types.end(), [&](const std::string& type) {
           return HasType(value, type);
         });
}

/// Describe says briefly what `schema` accepts, to list the alternatives of
/// anyOf and oneOf.
std::string Describe(const Value& schema) {
  constexpr size_t kMaxJson = 40;
  if (schema.is_bool()) return schema.as_bool() ? "anything" : "nothing";
  if (const Value* title = schema.Get("title"); title != nullptr && title->is_string()) {
    return title->as_string();
  }
  if (const Value* value = schema.Get("const")) return value->ToJson(-1);
  if (const Value* values = schema.Get("enum"); values != nullptr && values->is_array()) {
    return "one of " + JoinValues(values->as_array());
  }
  std::vector<std::string> phrases;
  for (const std::string& type : StringsArg(schema, "type")) phrases.push_back(Phrase(type));
  if (!phrases.empty()) return JoinList(phrases, "or");
  std::string json = schema.ToJson(-1);
  return json.size() <= kMaxJson ? json : json.substr(0, kMaxJson) + "...";
}

/// DescribeEach describes the alternatives at `indexes`, each wording once.
std::string DescribeEach(const ValueArray& alternatives, const std::vector<size_t>& indexes,
                         std::string_view conjunction) {
  std::vector<std::string> descriptions;
  for (size_t i : indexes) {
    std::string description = Describe(alternatives[i]);
    if (std::find(descriptions.begin(), descriptions.end(), description) == descriptions.end()) {
      descriptions.push_back(std::move(description));
    }
  }
  return JoinList(descriptions, conjunction);
}

/// UnknownParameter is the message for a member that `properties` does not name.
std::string UnknownParameter(const std::string& name, const Value* properties) {
  std::vector<std::string> known;
  if (properties != nullptr && properties->is_object()) {
    for (const auto& property : properties->as_object()) known.push_back(property.first);
  }
  return "unknown parameter " + Quote(name) + DidYouMean(name, known);
}

/// Validator walks a value and its schema together, collecting errors.
class Validator {
 public:
  explicit Validator(bool allow_templates) : allow_templates_(allow_templates) {}

  /// Check records every way `value`, found at path_, breaks `schema`.
  void Check(const Value& schema, const Value& value);
  std::vector<SchemaError> TakeErrors() && { return std::move(errors_); }

 private:
  bool CheckType(const Value& schema, const Value& value);
  void CheckValues(const Value& schema, const Value& value);
  void CheckNumber(const Value& schema, double n);
  void CheckString(const Value& schema, const std::string& s);
  void CheckPattern(const std::string& pattern, const std::string& s);
  void CheckArray(const Value& schema, const ValueArray& array);
  void CheckUnique(const ValueArray& array);
  void CheckObject(const Value& schema, const ValueObject& object);
  void CheckMember(const Value& schema, const std::string& name, const Value& member);
  void CheckAlternatives(const Value& schema, const Value& value);
  /// Trials checks `value` against each alternative, keeping each one's errors apart.
  std::vector<std::vector<SchemaError>> Trials(const ValueArray& alternatives,
                                               const Value& value) const;
  void ReportNoMatch(const ValueArray& alternatives, std::vector<std::vector<SchemaError>> trials,
                     const Value& value);
  void Fail(std::string message) { errors_.push_back({path_, std::move(message)}); }

  bool allow_templates_;
  std::vector<std::string> path_;
  std::vector<SchemaError> errors_;
};

void Validator::Check(const Value& schema, const Value& value) {
  if (schema.is_bool()) {
    if (!schema.as_bool()) Fail("is not allowed");
    return;
  }
  if (!schema.is_object() || (allow_templates_ && IsTemplate(value))) return;
  if (!CheckType(schema, value)) return;  // the other keywords would only repeat it
  CheckValues(schema, value);
  switch (value.kind()) {
    case Value::Kind::kNumber:
      CheckNumber(schema, value.as_number());
      break;
    case Value::Kind::kString:
      CheckString(schema, value.as_string());
      break;
    case Value::Kind::kArray:
      CheckArray(schema, value.as_array());
      break;
    case Value::Kind::kObject:
      CheckObject(schema, value.as_object());
      break;
    default:
      break;
  }
  CheckAlternatives(schema, value);
}

bool Validator::CheckType(const Value& schema, const Value& value) {
  std::vector<std::string> types = StringsArg(schema, "type");
  if (types.empty() || std::any_of(types.begin(), types.end(),
                                   [&](const std::string& type) { return HasType(value, type); })) {
    return true;
  }
  std::vector<std::string> phrases;
  for (const std::string& type : types) phrases.push_back(Phrase(type));
  const bool wants_integer = std::find(types.begin(), types.end(), "integer") != types.end();
  const std::string actual =
      wants_integer ? ActualOf(value) : Phrase(Value::KindName(value.kind()));
  Fail("must be " + JoinList(phrases, "or") + ", not " + actual);
  return false;
}

void Validator::CheckValues(const Value& schema, const Value& value) {
  if (const Value* expected = schema.Get("const"); expected != nullptr && !(*expected == value)) {
    Fail("must be " + expected->ToJson(-1));
  }
  const Value* choices = schema.Get("enum");
  if (choices == nullptr || !choices->is_array()) return;
  const ValueArray& values = choices->as_array();
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  Fail(values.size() == 1 ? "must be " + JoinValues(values)
                          : "must be one of " + JoinValues(values));
}

void Validator::CheckNumber(const Value& schema, double n) {
  for (const NumberBound& bound : kNumberBounds) {
    if (auto limit = NumberArg(schema, bound.keyword); limit && !bound.holds(n, *limit)) {
      Fail("must be " + std::string(bound.demand) + " " + FormatNumber(*limit));
    }
  }
}

void Validator::CheckString(const Value& schema, const std::string& s) {
  const size_t length = CodePoints(s);
  if (auto min = CountArg(schema, "minLength"); min && length < *min) {
    Fail("must be at least " + CountOf(*min, "character") + " long");
  }
  if (auto max = CountArg(schema, "maxLength"); max && length > *max) {
    Fail("must be at most " + CountOf(*max, "character") + " long");
  }
  if (const Value* pattern = schema.Get("pattern"); pattern != nullptr && pattern->is_string()) {
    CheckPattern(pattern->as_string(), s);
  }
}

void Validator::CheckPattern(const std::string& pattern, const std::string& s) {
  try {
    if (!std::regex_search(s, std::regex(pattern, std::regex::ECMAScript))) {
      Fail("must match the pattern " + Quote(pattern));
    }
  } catch (const std::regex_error& e) {
    // CheckSchema reports a bad pattern when the plugin loads; no value passes it.
    Fail("cannot be checked against the pattern " + Quote(pattern) + ": " + e.what());
  }
}

void Validator::CheckArray(const Value& schema, const ValueArray& array) {
  if (auto min = CountArg(schema, "minItems"); min && array.size() < *min) {
    Fail("must have at least " + CountOf(*min, "item"));
  }
  if (auto max = CountArg(schema, "maxItems"); max && array.size() > *max) {
    Fail("must have at most " + CountOf(*max, "item"));
  }
  if (const Value* unique = schema.Get("uniqueItems");
      unique != nullptr && unique->is_bool() && unique->as_bool()) {
    CheckUnique(array);
  }
  const Value* items = schema.Get("items");
  if (items == nullptr) return;
  for (size_t i = 0; i < array.size(); ++i) {
    path_.push_back(std::to_string(i));
    Check(*items, array[i]);
    path_.pop_back();
  }
}

void Validator::CheckUnique(const ValueArray& array) {
  for (size_t i = 1; i < array.size(); ++i) {
    // Equal templates may still render differently.
    if (allow_templates_ && IsTemplate(array[i])) continue;
    auto earlier = std::find(array.begin(), array.begin() + i, array[i]);
    if (earlier == array.begin() + i) continue;
    Fail("must not repeat items, but item " + std::to_string(i) + " repeats item " +
         std::to_string(earlier - array.begin()));
  }
}

void Validator::CheckObject(const Value& schema, const ValueObject& object) {
  std::vector<std::string> required = StringsArg(schema, "required");
  std::sort(required.begin(), required.end());
  for (const std::string& name : required) {
    if (!object.contains(name)) Fail("needs parameter " + Quote(name));
  }
  for (const auto& [name, member] : object) {
    path_.push_back(name);
    CheckMember(schema, name, member);
    path_.pop_back();
  }
}

void Validator::CheckMember(const Value& schema, const std::string& name, const Value& member) {
  const Value* properties = schema.Get("properties");
  if (const Value* property = properties != nullptr ? properties->Get(name) : nullptr) {
    Check(*property, member);
    return;
  }
  const Value* additional = schema.Get("additionalProperties");
  if (additional == nullptr) return;
  if (additional->is_bool() && !additional->as_bool()) {
    Fail(UnknownParameter(name, properties));
    return;
  }
  Check(*additional, member);
}

void Validator::CheckAlternatives(const Value& schema, const Value& value) {
  if (const Value* any = schema.Get("anyOf"); any != nullptr && any->is_array()) {
    std::vector<std::vector<SchemaError>> trials = Trials(any->as_array(), value);
    if (std::none_of(trials.begin(), trials.end(),
                     [](const std::vector<SchemaError>& errors) { return errors.empty(); })) {
      ReportNoMatch(any->as_array(), std::move(trials), value);
    }
  }
  if (const Value* one = schema.Get("oneOf"); one != nullptr && one->is_array()) {
    std::vector<std::vector<SchemaError>> trials = Trials(one->as_array(), value);
    std::vector<size_t> all, matched;
    for (size_t i = 0; i < trials.size(); ++i) {
      all.push_back(i);
      if (trials[i].empty()) matched.push_back(i);
    }
    if (matched.empty()) {
      ReportNoMatch(one->as_array(), std::move(trials), value);
    } else if (matched.size() > 1) {
      Fail("must match only one of " + DescribeEach(one->as_array(), all, "or") + ", but matches " +
           DescribeEach(one->as_array(), matched, "and"));
    }
  }
}

std::vector<std::vector<SchemaError>> Validator::Trials(const ValueArray& alternatives,
                                                        const Value& value) const {
  std::vector<std::vector<SchemaError>> trials;
  for (const Value& alternative : alternatives) {
    Validator trial(allow_templates_);
    trial.path_ = path_;
    trial.Check(alternative, value);
    trials.push_back(std::move(trial).TakeErrors());
  }
  return trials;
}

void Validator::ReportNoMatch(const ValueArray& alternatives,
                              std::vector<std::vector<SchemaError>> trials, const Value& value) {
  std::vector<size_t> all, fitting;
  for (size_t i = 0; i < alternatives.size(); ++i) {
    all.push_back(i);
    if (AcceptsType(alternatives[i], value)) fitting.push_back(i);
  }
  // When the value's type picks out one alternative, that alternative's own
  // errors say more than the list of them all.
  if (fitting.size() == 1) {
    std::move(trials[fitting[0]].begin(), trials[fitting[0]].end(), std::back_inserter(errors_));
    return;
  }
  Fail("must be " + DescribeEach(alternatives, all, "or"));
}

/// SchemaChecker collects the problems of a schema, each with where it is.
class SchemaChecker {
 public:
  /// Check records the problems of the schema found at path_.
  void Check(const Value& schema);
  /// Report is one line per problem, or "".
  std::string Report() const;

 private:
  void CheckKeyword(Shape shape, const Value& arg);
  void CheckType(const Value& arg);
  void CheckTypeName(const Value& arg);
  void CheckPattern(const Value& arg);
  void CheckDefault(const Value& schema, const Value& value);
  /// Expect records "must be `expected`, not ..." unless `ok`, and returns `ok`.
  bool Expect(bool ok, std::string_view expected, const Value& arg);
  /// ForEachElement runs `check` on each element of `array` with its index on path_.
  template <typename Fn>
  void ForEachElement(const ValueArray& array, Fn check);
  void Problem(std::string message);

  std::vector<std::string> path_;
  std::vector<std::string> problems_;
};

void SchemaChecker::Check(const Value& schema) {
  if (schema.is_bool()) return;
  if (!schema.is_object()) {
    Problem("a schema must be an object, true or false, not " + ActualOf(schema));
    return;
  }
  for (const auto& [name, arg] : schema.as_object()) {
    const Keyword* keyword = FindKeyword(name);
    if (keyword == nullptr) {
      Problem("unknown keyword " + Quote(name) + DidYouMean(name, NamesOf(kKeywords)));
      continue;
    }
    path_.push_back(name);
    CheckKeyword(keyword->shape, arg);
    if (name == "default") CheckDefault(schema, arg);
    path_.pop_back();
  }
}

void SchemaChecker::CheckKeyword(Shape shape, const Value& arg) {
  switch (shape) {
    case Shape::kAnything:
      return;
    case Shape::kString:
      Expect(arg.is_string(), "a string", arg);
      return;
    case Shape::kBool:
      Expect(arg.is_bool(), "a boolean", arg);
      return;
    case Shape::kNumber:
      Expect(arg.is_number(), "a number", arg);
      return;
    case Shape::kCount:
      Expect(arg.is_number() && IsCount(arg.as_number()), "a non-negative integer", arg);
      return;
    case Shape::kArray:
      Expect(arg.is_array(), "an array", arg);
      return;
    case Shape::kValues:
      Expect(arg.is_array() && !arg.as_array().empty(), "a non-empty array", arg);
      return;
    case Shape::kType:
      CheckType(arg);
      return;
    case Shape::kPattern:
      CheckPattern(arg);
      return;
    case Shape::kSchema:
      Check(arg);
      return;
    case Shape::kSchemas:
      if (Expect(arg.is_array() && !arg.as_array().empty(), "a non-empty array of schemas", arg)) {
        ForEachElement(arg.as_array(), [&](const Value& element) { Check(element); });
      }
      return;
    case Shape::kSchemaMap:
      if (!Expect(arg.is_object(), "an object of schemas", arg)) return;
      for (const auto& [name, schema] : arg.as_object()) {
        path_.push_back(name);
        Check(schema);
        path_.pop_back();
      }
      return;
    case Shape::kNames:
      if (Expect(arg.is_array(), "an array of strings", arg)) {
        ForEachElement(arg.as_array(), [&](const Value& element) {
          Expect(element.is_string(), "a string", element);
        });
      }
      return;
  }
}

void SchemaChecker::CheckType(const Value& arg) {
  if (arg.is_string()) {
    CheckTypeName(arg);
  } else if (Expect(arg.is_array() && !arg.as_array().empty(),
                    "a type name or a non-empty array of them", arg)) {
    ForEachElement(arg.as_array(), [&](const Value& element) { CheckTypeName(element); });
  }
}

void SchemaChecker::CheckTypeName(const Value& arg) {
  if (!Expect(arg.is_string(), "a type name", arg)) return;
  const std::vector<std::string> names = NamesOf(kTypeNames);
  if (std::find(names.begin(), names.end(), arg.as_string()) != names.end()) return;
  Problem("unknown type " + Quote(arg.as_string()) + DidYouMean(arg.as_string(), names));
}

void SchemaChecker::CheckPattern(const Value& arg) {
  if (!Expect(arg.is_string(), "a string", arg)) return;
  try {
    std::regex(arg.as_string(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    Problem("is not a valid regular expression: " + std::string(e.what()));
  }
}

void SchemaChecker::CheckDefault(const Value& schema, const Value& value) {
  // A default may be a template, as any value in `with` may.
  for (const SchemaError& error : ValidateSchema(schema, value, /*allow_templates=*/true)) {
    path_.insert(path_.end(), error.path.begin(), error.path.end());
    Problem(error.message);
    path_.resize(path_.size() - error.path.size());
  }
}

bool SchemaChecker::Expect(bool ok, std::string_view expected, const Value& arg) {
  if (!ok) Problem("must be " + std::string(expected) + ", not " + ActualOf(arg));
  return ok;
}

template <typename Fn>
void SchemaChecker::ForEachElement(const ValueArray& array, Fn check) {
  for (size_t i = 0; i < array.size(); ++i) {
    path_.push_back(std::to_string(i));
    check(array[i]);
    path_.pop_back();
  }
}

void SchemaChecker::Problem(std::string message) {
  std::string where;
  for (const std::string& step : path_) where += (where.empty() ? "" : ".") + step;
  problems_.push_back(where.empty() ? std::move(message) : where + ": " + message);
}

std::string SchemaChecker::Report() const {
  std::string report;
  for (const std::string& problem : problems_) report += (report.empty() ? "" : "\n") + problem;
  return report;
}

/// ApplyObjectDefaults is ApplyDefaults for an object `value`.
Value ApplyObjectDefaults(const Value& schema, const Value& value) {
  const Value* properties = schema.Get("properties");
  if (properties == nullptr || !properties->is_object()) return value;
  ValueObject filled = value.as_object();
  for (const auto& [name, property] : properties->as_object()) {
    if (auto it = filled.find(name); it != filled.end()) {
      it->second = ApplyDefaults(property, it->second);
    } else if (const Value* fallback = property.Get("default")) {
      filled.emplace(name, ApplyDefaults(property, *fallback));
    }
  }
  return Value(std::move(filled));
}

/// ApplyItemDefaults is ApplyDefaults for an array `value`.
Value ApplyItemDefaults(const Value& schema, const Value& value) {
  const Value* items = schema.Get("items");
  if (items == nullptr) return value;
  ValueArray filled;
  filled.reserve(value.as_array().size());
  for (const Value& element : value.as_array()) filled.push_back(ApplyDefaults(*items, element));
  return Value(std::move(filled));
}

/// TakesEveryTemplate tells whether `schema` (an object) already accepts every
/// string holding kTemplateOpen, which is at least that long.
bool TakesEveryTemplate(const ValueObject& schema) {
  for (const auto& [name, arg] : schema) {
    if (std::find(std::begin(kAnnotations), std::end(kAnnotations), name) != std::end(kAnnotations))
      continue;
    if (name == "type") {
      std::vector<std::string> types = StringsArg(Value(schema), "type");
      if (std::find(types.begin(), types.end(), "string") == types.end()) return false;
    } else if (name != "minLength" || !arg.is_number() ||
               arg.as_number() > static_cast<double>(kTemplateOpen.size())) {
      return false;
    }
  }
  return true;
}

/// Standardizer rewrites a schema for StandardSchema.
class Standardizer {
 public:
  explicit Standardizer(const Value& template_schema) : template_(template_schema) {}

  /// Rewrite drops taskr's own keywords from `schema` and lets each value
  /// below it be a template.
  Value Rewrite(const Value& schema) const {
    if (!schema.is_object()) return schema;
    ValueObject out;
    for (const auto& [name, arg] : schema.as_object()) {
      const Keyword* keyword = FindKeyword(name);
      if (keyword != nullptr && !keyword->standard) continue;
      if (keyword != nullptr && keyword->shape == Shape::kSchema) {
        out.emplace(name, Member(arg));
      } else if (keyword != nullptr && keyword->shape == Shape::kSchemaMap && arg.is_object()) {
        ValueObject members;
        for (const auto& [member, sub] : arg.as_object()) members.emplace(member, Member(sub));
        out.emplace(name, Value(std::move(members)));
      } else if (keyword != nullptr && keyword->shape == Shape::kSchemas && arg.is_array()) {
        ValueArray alternatives;
        for (const Value& sub : arg.as_array()) alternatives.push_back(Rewrite(sub));
        out.emplace(name, Value(std::move(alternatives)));
      } else {
        out.emplace(name, arg);
      }
    }
    return Value(std::move(out));
  }

 private:
  /// Member rewrites the schema of a value inside the root (a property, an
  /// array element): it also takes a template, and keeps its annotations
  /// outside the anyOf, where editors look for them.
  Value Member(const Value& schema) const {
    Value rewritten = Rewrite(schema);
    if (!rewritten.is_object() || TakesEveryTemplate(rewritten.as_object())) return rewritten;
    ValueObject outer;
    ValueObject inner;
    for (const auto& [name, arg] : rewritten.as_object()) {
      bool annotation = std::find(std::begin(kAnnotations), std::end(kAnnotations), name) !=
                        std::end(kAnnotations);
      (annotation ? outer : inner).emplace(name, arg);
    }
    outer.emplace("anyOf", Value(ValueArray{template_, Value(std::move(inner))}));
    return Value(std::move(outer));
  }

  const Value& template_;
};

}  // namespace

std::vector<SchemaError> ValidateSchema(const Value& schema, const Value& value,
                                        bool allow_templates) {
  Validator validator(allow_templates);
  validator.Check(schema, value);
  return std::move(validator).TakeErrors();
}

Value ApplyDefaults(const Value& schema, const Value& value) {
  if (value.is_object()) return ApplyObjectDefaults(schema, value);
  if (value.is_array()) return ApplyItemDefaults(schema, value);
  return value;
}

std::string CheckSchema(const Value& schema) {
  SchemaChecker checker;
  checker.Check(schema);
  return checker.Report();
}

Value StandardSchema(const Value& schema, const Value& template_schema) {
  return Standardizer(template_schema).Rewrite(schema);
}

}  // namespace taskr
