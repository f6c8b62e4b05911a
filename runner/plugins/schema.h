// Plugin parameters checked against the JSON Schema a plugin declares for its
// `with` table. taskr understands a subset of JSON Schema (draft 2020-12
// spelling): type, enum, const, default, description, title, examples, format
// (accepted, not checked), properties, required, additionalProperties, items
// (one schema for every element), minItems, maxItems, uniqueItems, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum (numbers), minLength, maxLength
// (counted in code points), pattern (ECMAScript, found anywhere in the string),
// anyOf and oneOf. A schema is an object, or true (anything) or false (nothing).
//
//   if (std::string problem = CheckSchema(schema); !problem.empty()) ...  // at plugin load
//   Value with = ApplyDefaults(schema, task.with);
//   for (const SchemaError& e : ValidateSchema(schema, with, /*allow_templates=*/true)) ...
#pragma once

#include <string>
#include <vector>

namespace taskr {

class Value;

/// SchemaError is one way a value breaks its schema.
struct SchemaError {
  /// path leads from the root to the offending value: member names, and array
  /// indexes as decimal strings ({"files", "2"}). A missing required member is
  /// reported at its object; an unknown one at the member itself.
  std::vector<std::string> path;
  /// message says what was expected, e.g. "must be a boolean, not a string" or
  /// "unknown parameter 'algoritm'; did you mean 'algorithm'?".
  std::string message;
};

/// ValidateSchema checks `value` against `schema` and returns every error,
/// parents before their members and members in key order. With
/// `allow_templates`, a string containing "${{" matches any schema, since it
/// can only be checked once rendered at run time. Keywords outside the subset,
/// and keywords of the wrong type, are ignored here; CheckSchema reports them.
std::vector<SchemaError> ValidateSchema(const Value& schema, const Value& value,
                                        bool allow_templates);

/// ApplyDefaults returns `value` with each missing property that has a
/// "default" in `schema` filled in, recursively through nested objects (also
/// within defaults and array elements). Values that are not objects are
/// returned as they are.
Value ApplyDefaults(const Value& schema, const Value& value);

/// StandardSchema returns `schema` as plain JSON Schema 2020-12 of the values
/// as written in pipeline.toml, for editors: taskr's own keywords
/// (x-taskr-effect) are left out, and every value below the root may also be a
/// string holding "${{" (as ValidateSchema with `allow_templates` lets through),
/// described by `template_schema`, e.g. {"$ref": "#/$defs/expression"}.
Value StandardSchema(const Value& schema, const Value& template_schema);

/// CheckSchema reports problems in a schema itself (unknown keywords, keywords
/// of the wrong type, bad patterns, defaults their own schema rejects), one
/// line per problem prefixed with where it is ("properties.files.minItems:");
/// it returns "" when the schema is fine.
std::string CheckSchema(const Value& schema);

}  // namespace taskr
