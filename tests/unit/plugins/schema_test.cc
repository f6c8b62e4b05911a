#include "runner/plugins/schema.h"

#include <catch2/catch_test_macros.hpp>

#include "runner/model/json.h"
#include "runner/model/value.h"
#include "tests/unit/model/value_printer.h"

#include <cmath>
#include <string>
#include <vector>

namespace taskr {
namespace {

using Lines = std::vector<std::string>;

/// Json is the value of `text`, which must be valid JSON.
Value Json(std::string_view text) {
  Result<Value> value = ParseJson(text);
  INFO(text);
  REQUIRE(value.ok());
  return *value;
}

/// Errors validates the JSON `value` against the JSON `schema` and renders each
/// error as "path.to.it: message" ("message" at the root).
Lines Errors(std::string_view schema, std::string_view value, bool allow_templates = false) {
  Lines lines;
  for (const SchemaError& error : ValidateSchema(Json(schema), Json(value), allow_templates)) {
    std::string path;
    for (const std::string& step : error.path) path += (path.empty() ? "" : ".") + step;
    lines.push_back(path.empty() ? error.message : path + ": " + error.message);
  }
  return lines;
}

/// Problems splits CheckSchema's report of the JSON `schema` into its lines.
Lines Problems(std::string_view schema) {
  Lines lines;
  std::string report = CheckSchema(Json(schema));
  for (size_t start = 0; start < report.size();) {
    size_t end = report.find('\n', start);
    if (end == std::string::npos) end = report.size();
    lines.push_back(report.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST_CASE("Schema type accepts its own kind only", "[schema]") {
  CHECK(Errors(R"({"type": "string"})", R"("x")").empty());
  CHECK(Errors(R"({"type": "number"})", "2.5").empty());
  CHECK(Errors(R"({"type": "boolean"})", "false").empty());
  CHECK(Errors(R"({"type": "array"})", "[]").empty());
  CHECK(Errors(R"({"type": "object"})", "{}").empty());
  CHECK(Errors(R"({"type": "null"})", "null").empty());
  CHECK(Errors(R"({"type": "boolean"})", R"("yes")") == Lines{"must be a boolean, not a string"});
  CHECK(Errors(R"({"type": "string"})", "null") == Lines{"must be a string, not null"});
  CHECK(Errors(R"({"type": "object"})", "[1]") == Lines{"must be an object, not an array"});
  CHECK(Errors(R"({"type": "number"})", R"("1")") == Lines{"must be a number, not a string"});
  CHECK(Errors(R"({"type": "null"})", "0") == Lines{"must be null, not a number"});
}

TEST_CASE("Schema type integer means a number without a fraction", "[schema]") {
  CHECK(Errors(R"({"type": "integer"})", "3").empty());
  CHECK(Errors(R"({"type": "integer"})", "3.0").empty());
  CHECK(Errors(R"({"type": "integer"})", "-40").empty());
  CHECK(Errors(R"({"type": "integer"})", "2.5") == Lines{"must be an integer, not 2.5"});
  CHECK(Errors(R"({"type": "integer"})", "true") == Lines{"must be an integer, not a boolean"});
  CHECK(Errors(R"({"type": "number"})", "3").empty());
}

TEST_CASE("Schema type may list several types", "[schema]") {
  const char* schema = R"({"type": ["string", "array", "null"]})";
  CHECK(Errors(schema, R"("a")").empty());
  CHECK(Errors(schema, "[]").empty());
  CHECK(Errors(schema, "null").empty());
  CHECK(Errors(schema, "true") == Lines{"must be a string, an array or null, not a boolean"});
}

TEST_CASE("Schema type mismatch hides the other keywords", "[schema]") {
  CHECK(Errors(R"({"type": "string", "minLength": 3, "enum": ["abc"]})", "1") ==
        Lines{"must be a string, not a number"});
}

TEST_CASE("Schema enum and const", "[schema]") {
  const char* algorithms = R"({"enum": ["sha256", "sha512"]})";
  CHECK(Errors(algorithms, R"("sha512")").empty());
  CHECK(Errors(algorithms, R"("md5")") == Lines{R"(must be one of "sha256", "sha512")"});
  CHECK(Errors(algorithms, R"("SHA256")") == Lines{R"(must be one of "sha256", "sha512")"});
  CHECK(Errors(R"({"enum": [1, 2, null]})", "2").empty());
  CHECK(Errors(R"({"enum": [1, 2, null]})", R"("2")") == Lines{"must be one of 1, 2, null"});
  CHECK(Errors(R"({"enum": ["only"]})", R"("other")") == Lines{R"(must be "only")"});
  CHECK(Errors(R"({"const": "x"})", R"("x")").empty());
  CHECK(Errors(R"({"const": "x"})", R"("y")") == Lines{R"(must be "x")"});
  CHECK(Errors(R"({"const": [1, {"a": true}]})", R"([1, {"a": true}])").empty());
  CHECK(Errors(R"({"const": 3})", "4") == Lines{"must be 3"});
}

TEST_CASE("Schema number bounds", "[schema]") {
  const char* inclusive = R"({"minimum": 1, "maximum": 10})";
  CHECK(Errors(inclusive, "1").empty());
  CHECK(Errors(inclusive, "10").empty());
  CHECK(Errors(inclusive, "0") == Lines{"must be at least 1"});
  CHECK(Errors(inclusive, "10.5") == Lines{"must be at most 10"});
  const char* exclusive = R"({"exclusiveMinimum": 0, "exclusiveMaximum": 0.5})";
  CHECK(Errors(exclusive, "0.25").empty());
  CHECK(Errors(exclusive, "0") == Lines{"must be greater than 0"});
  CHECK(Errors(exclusive, "0.5") == Lines{"must be less than 0.5"});
  CHECK(Errors(R"({"minimum": 1})", R"("0")").empty());  // bounds only concern numbers
  CHECK(
      ValidateSchema(Json(R"({"minimum": 1, "maximum": 10})"), Value(std::nan("")), false).size() ==
      2);
}

TEST_CASE("Schema string length counts characters", "[schema]") {
  const char* schema = R"({"minLength": 2, "maxLength": 3})";
  CHECK(Errors(schema, R"("ab")").empty());
  CHECK(Errors(schema, R"("éèê")").empty());  // 6 bytes, 3 characters
  CHECK(Errors(schema, R"("a")") == Lines{"must be at least 2 characters long"});
  CHECK(Errors(schema, R"("abcd")") == Lines{"must be at most 3 characters long"});
  CHECK(Errors(R"({"minLength": 1})", R"("")") == Lines{"must be at least 1 character long"});
}

TEST_CASE("Schema pattern is searched for, not matched whole", "[schema]") {
  CHECK(Errors(R"({"pattern": "[0-9]"})", R"("abc1def")").empty());
  CHECK(Errors(R"({"pattern": "^v[0-9]+$"})", R"("v12")").empty());
  CHECK(Errors(R"({"pattern": "^v[0-9]+$"})", R"("v1.2")") ==
        Lines{"must match the pattern '^v[0-9]+$'"});
  CHECK(Errors(R"({"pattern": "\\d{2}"})", R"("a42")").empty());  // ECMAScript classes
  Lines bad = Errors(R"({"pattern": "("})", R"("x")");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].starts_with("cannot be checked against the pattern '('"));
}

TEST_CASE("Schema array size, uniqueness and items", "[schema]") {
  const char* schema = R"({"minItems": 1, "maxItems": 2})";
  CHECK(Errors(schema, "[1]").empty());
  CHECK(Errors(schema, "[]") == Lines{"must have at least 1 item"});
  CHECK(Errors(schema, "[1, 2, 3]") == Lines{"must have at most 2 items"});
  CHECK(Errors(R"({"minItems": 2})", "[1]") == Lines{"must have at least 2 items"});

  const char* unique = R"({"uniqueItems": true})";
  CHECK(Errors(unique, R"([1, "1", [1], {"a": 1}, {"a": 2}])").empty());
  CHECK(Errors(unique, R"(["a", "b", "a", "a"])") ==
        Lines{"must not repeat items, but item 2 repeats item 0",
              "must not repeat items, but item 3 repeats item 0"});
  CHECK(Errors(R"({"uniqueItems": false})", "[1, 1]").empty());

  const char* strings = R"({"type": "array", "items": {"type": "string"}})";
  CHECK(Errors(strings, R"(["a", "b"])").empty());
  CHECK(Errors(strings, R"(["a", 2, "c", false])") ==
        Lines{"1: must be a string, not a number", "3: must be a string, not a boolean"});
}

TEST_CASE("Schema required names the missing parameter at its object", "[schema]") {
  const char* schema = R"({
    "type": "object",
    "required": ["files", "algorithm"],
    "properties": {"options": {"type": "object", "required": ["level"]}}
  })";
  CHECK(Errors(schema, R"({"files": [], "algorithm": "x"})").empty());
  CHECK(Errors(schema, "{}") == Lines{"needs parameter 'algorithm'", "needs parameter 'files'"});
  CHECK(Errors(schema, R"({"files": [], "algorithm": "x", "options": {}})") ==
        Lines{"options: needs parameter 'level'"});
}

TEST_CASE("Schema additionalProperties", "[schema]") {
  const char* closed = R"({
    "properties": {"algorithm": {"type": "string"}, "files": {"type": "array"}},
    "additionalProperties": false
  })";
  CHECK(Errors(closed, R"({"algorithm": "sha256"})").empty());
  CHECK(Errors(closed, R"({"algoritm": "sha256"})") ==
        Lines{"algoritm: unknown parameter 'algoritm'; did you mean 'algorithm'?"});
  CHECK(Errors(closed, R"({"verbose": true})") == Lines{"verbose: unknown parameter 'verbose'"});

  const char* open = R"({"properties": {"a": {"type": "string"}}})";
  CHECK(Errors(open, R"({"a": "x", "anything": 1})").empty());

  const char* typed = R"({"properties": {"a": {}}, "additionalProperties": {"type": "number"}})";
  CHECK(Errors(typed, R"({"a": "x", "b": 1})").empty());
  CHECK(Errors(typed, R"({"a": "x", "b": "1"})") == Lines{"b: must be a number, not a string"});
  CHECK(Errors(R"({"additionalProperties": true})", R"({"b": 1})").empty());
}

TEST_CASE("Schema errors carry nested paths and all come back in key order", "[schema]") {
  const char* schema = R"({
    "type": "object",
    "properties": {
      "jobs": {"type": "array", "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "retries": {"type": "integer", "minimum": 0}},
        "required": ["name"]
      }},
      "mode": {"enum": ["fast", "slow"]},
      "verbose": {"type": "boolean"}
    },
    "additionalProperties": false
  })";
  CHECK(Errors(schema, R"({
    "verbose": "yes",
    "mode": "medium",
    "jobs": [{"name": "a"}, {"name": 1, "retries": -1}, {"retries": 2}],
    "extra": null
  })") == Lines{
              "extra: unknown parameter 'extra'",
              "jobs.1.name: must be a string, not a number",
              "jobs.1.retries: must be at least 0",
              "jobs.2: needs parameter 'name'",
              R"(mode: must be one of "fast", "slow")",
              "verbose: must be a boolean, not a string",
          });
}

TEST_CASE("Schema lets templates through only when allowed", "[schema]") {
  const char* schema = R"({
    "properties": {
      "fast": {"type": "boolean"},
      "mode": {"enum": ["a", "b"]},
      "tag": {"type": "string", "pattern": "^v[0-9]+$", "maxLength": 3},
      "files": {"type": "array", "items": {"type": "integer"}, "uniqueItems": true}
    }
  })";
  const char* value = R"({
    "fast": "${{ matrix.fast }}",
    "mode": "${{ vars.mode }}",
    "tag": "v${{ github.run_number }}",
    "files": ["${{ a }}", "${{ a }}", 3]
  })";
  CHECK(Errors(schema, value, /*allow_templates=*/true).empty());
  CHECK(Errors(schema, value, /*allow_templates=*/false) ==
        Lines{
            "fast: must be a boolean, not a string",
            "files: must not repeat items, but item 1 repeats item 0",
            "files.0: must be an integer, not a string",
            "files.1: must be an integer, not a string",
            R"(mode: must be one of "a", "b")",
            "tag: must be at most 3 characters long",
            "tag: must match the pattern '^v[0-9]+$'",
        });
  CHECK(Errors(R"({"type": "boolean"})", R"("${ not a template }")", true) ==
        Lines{"must be a boolean, not a string"});
  CHECK(Errors(R"({"type": "array"})", R"("${{ fromJSON(vars.list) }}")", true).empty());
}

TEST_CASE("Schema anyOf", "[schema]") {
  const char* schema = R"({"anyOf": [
    {"type": "string"},
    {"type": "array", "items": {"type": "string"}, "minItems": 1}
  ]})";
  CHECK(Errors(schema, R"("a")").empty());
  CHECK(Errors(schema, R"(["a"])").empty());
  CHECK(Errors(schema, "true") == Lines{"must be a string or an array"});
  // The value's type picks out one alternative, whose own errors are clearer.
  CHECK(Errors(schema, R"(["a", 2])") == Lines{"1: must be a string, not a number"});
  CHECK(Errors(schema, "[]") == Lines{"must have at least 1 item"});

  const char* titled =
      R"({"anyOf": [{"title": "a version like v1", "pattern": "^v"}, {"const": 0}]})";
  CHECK(Errors(titled, R"("x")") == Lines{"must be a version like v1 or 0"});
}

TEST_CASE("Schema oneOf", "[schema]") {
  const char* schema =
      R"({"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": "string"}]})";
  CHECK(Errors(schema, "2.5").empty());
  CHECK(Errors(schema, R"("x")").empty());
  CHECK(Errors(schema, "2") ==
        Lines{"must match only one of a number, an integer or a string, but matches a number "
              "and an integer"});
  CHECK(Errors(schema, "null") == Lines{"must be a number, an integer or a string"});
  CHECK(Errors(R"({"oneOf": [{"type": "string", "minLength": 2}, {"type": "string"}]})", "1") ==
        Lines{"must be a string"});
}

TEST_CASE("Schema true, false and annotations", "[schema]") {
  CHECK(Errors("true", R"({"any": [1]})").empty());
  CHECK(Errors("false", "1") == Lines{"is not allowed"});
  CHECK(Errors(R"({"items": false})", "[]").empty());
  CHECK(Errors(R"({"items": false})", "[1]") == Lines{"0: is not allowed"});
  CHECK(Errors(R"({"title": "t", "description": "d", "examples": [1], "default": 2,
                   "format": "uri", "x-unknown": {"type": "string"}})",
               R"("not a uri")")
            .empty());
  CHECK(Errors("{}", "null").empty());
}

TEST_CASE("ApplyDefaults fills in missing properties", "[schema]") {
  const Value schema = Json(R"({
    "properties": {
      "algorithm": {"type": "string", "default": "sha256"},
      "files": {"type": "array"},
      "options": {
        "type": "object",
        "properties": {"level": {"default": 3}, "fast": {"default": false}}
      },
      "output": {
        "default": {},
        "properties": {"format": {"default": "text"}}
      },
      "jobs": {"items": {"properties": {"retries": {"default": 0}}}}
    }
  })");
  CHECK(ApplyDefaults(schema, Json("{}")) ==
        Json(R"({"algorithm": "sha256", "output": {"format": "text"}})"));
  CHECK(ApplyDefaults(schema, Json(R"({"algorithm": "sha512", "files": ["a"]})")) ==
        Json(R"({"algorithm": "sha512", "files": ["a"], "output": {"format": "text"}})"));
  CHECK(
      ApplyDefaults(schema, Json(R"({"options": {"fast": true}, "output": {"format": "json"}})")) ==
      Json(R"({"algorithm": "sha256", "options": {"level": 3, "fast": true},
                 "output": {"format": "json"}})"));
  CHECK(ApplyDefaults(schema, Json(R"({"jobs": [{}, {"retries": 2}, "x"]})"))
            .Get("jobs")
            ->ToJson(-1) == R"([{"retries":0},{"retries":2},"x"])");
  CHECK(ApplyDefaults(schema, Json(R"("${{ vars.with }}")")) == Json(R"("${{ vars.with }}")"));
  CHECK(ApplyDefaults(Json("{}"), Json(R"({"a": 1})")) == Json(R"({"a": 1})"));
  CHECK(ApplyDefaults(Json("true"), Json(R"({"a": 1})")) == Json(R"({"a": 1})"));
}

TEST_CASE("CheckSchema accepts a well-formed schema", "[schema]") {
  CHECK(CheckSchema(Json(R"({
    "title": "hash", "description": "Hashes files.",
    "type": "object",
    "required": ["files"],
    "additionalProperties": false,
    "properties": {
      "files": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                "maxItems": 100, "uniqueItems": true, "examples": [["a.txt"]]},
      "algorithm": {"enum": ["sha256", "sha512"], "default": "sha256"},
      "level": {"type": ["integer", "null"], "minimum": 0, "maximum": 9,
                "exclusiveMinimum": -1, "exclusiveMaximum": 10},
      "tag": {"type": "string", "pattern": "^v[0-9]+$", "maxLength": 10, "format": "regex"},
      "mode": {"oneOf": [{"const": "a"}, {"const": "b"}], "default": "${{ vars.mode }}"},
      "extra": {"anyOf": [true, {"type": "object", "additionalProperties": {"type": "string"}}]}
    }
  })")) == "");
  CHECK(CheckSchema(Json("true")) == "");
  CHECK(CheckSchema(Json("{}")) == "");
}

TEST_CASE("CheckSchema reports unknown keywords and types", "[schema]") {
  CHECK(Problems(R"({"properties": {"files": {"type": "array", "itmes": {}}}})") ==
        Lines{"properties.files: unknown keyword 'itmes'; did you mean 'items'?"});
  CHECK(Problems(R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})") ==
        Lines{"unknown keyword '$schema'"});
  CHECK(Problems(R"({"type": "strng"})") ==
        Lines{"type: unknown type 'strng'; did you mean 'string'?"});
  CHECK(Problems(R"({"type": ["string", "float"]})") == Lines{"type.1: unknown type 'float'"});
}

TEST_CASE("CheckSchema reports keywords of the wrong type", "[schema]") {
  CHECK(Problems(R"({
    "additionalProperties": "no",
    "anyOf": [],
    "description": 1,
    "enum": [],
    "examples": {},
    "items": [{"type": "string"}],
    "maxLength": 1.5,
    "minItems": -1,
    "minimum": "0",
    "oneOf": [{"type": 1}],
    "properties": [],
    "required": ["a", 2],
    "type": [],
    "uniqueItems": "yes"
  })") == Lines{
              "additionalProperties: a schema must be an object, true or false, not a string",
              "anyOf: must be a non-empty array of schemas, not an empty array",
              "description: must be a string, not 1",
              "enum: must be a non-empty array, not an empty array",
              "examples: must be an array, not an object",
              "items: a schema must be an object, true or false, not an array",
              "maxLength: must be a non-negative integer, not 1.5",
              "minItems: must be a non-negative integer, not -1",
              "minimum: must be a number, not a string",
              "oneOf.0.type: must be a type name or a non-empty array of them, not 1",
              "properties: must be an object of schemas, not an empty array",
              "required.1: must be a string, not 2",
              "type: must be a type name or a non-empty array of them, not an empty array",
              "uniqueItems: must be a boolean, not a string",
          });
}

TEST_CASE("CheckSchema reports invalid patterns", "[schema]") {
  Lines problems = Problems(R"({"properties": {"tag": {"pattern": "v(1"}}})");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("properties.tag.pattern: is not a valid regular expression: "));
}

TEST_CASE("CheckSchema checks defaults against their own schema", "[schema]") {
  CHECK(Problems(
            R"({"properties": {"algorithm": {"enum": ["sha256", "sha512"], "default": "md5"}}})") ==
        Lines{R"(properties.algorithm.default: must be one of "sha256", "sha512")"});
  CHECK(Problems(R"({"default": {"a": 1}, "properties": {"a": {"type": "string"}}})") ==
        Lines{"default.a: must be a string, not a number"});
  CHECK(Problems(R"({"type": "boolean", "default": "${{ vars.fast }}"})").empty());
}

TEST_CASE("CheckSchema puts each problem on its own line", "[schema]") {
  CHECK(CheckSchema(Json(R"({"tpye": "string", "minimum": "1"})")) ==
        "minimum: must be a number, not a string\nunknown keyword 'tpye'; did you mean 'type'?");
  CHECK(Problems(R"({"properties": {"a": "string"}})") ==
        Lines{"properties.a: a schema must be an object, true or false, not a string"});
  CHECK(Problems("3") == Lines{"a schema must be an object, true or false, not 3"});
}

}  // namespace
}  // namespace taskr
