#include "runner/model/pipeline_schema.h"

#include <catch2/catch_test_macros.hpp>

#include <regex>
#include <string>
#include <vector>

#include "runner/model/json.h"
#include "runner/model/loader.h"
#include "runner/model/pipeline_keys.h"
#include "runner/model/value.h"

namespace taskr {
namespace {

/// Json is the value of `text`, which must be valid JSON.
Value Json(std::string_view text) {
  Result<Value> value = ParseJson(text);
  INFO(text);
  REQUIRE(value.ok());
  return *value;
}

/// At follows member names from `v`; it fails the test when one is missing.
const Value& At(const Value& v, std::initializer_list<std::string_view> path) {
  const Value* at = &v;
  for (std::string_view name : path) {
    INFO(name);
    at = at->Get(name);
    REQUIRE(at != nullptr);
  }
  return *at;
}

bool Matches(std::string_view pattern, const std::string& text) {
  return std::regex_search(text, std::regex(std::string(pattern), std::regex::ECMAScript));
}

}  // namespace

TEST_CASE("the schema's duration pattern matches exactly the durations the loader reads",
          "[pipeline_schema]") {
  for (std::string text : {"90",  "0",      "90s",  "1.5s",       "500ms",
                           "10m", "0.5m",   "2h",   "1h30m",      "1h30m10s500ms",
                           ".5s", "5.",     "5.s",  "1e3ms",      "2E-1h",
                           "",    "1h 30m", "1h30", "10 minutes", "1d",
                           "-5s", "+5s",    "s",    "ms",         "1.5.5s",
                           "5s3", " 5s",    "5s ",  "0x10s",      "infs",
                           "inf", "nans",   "1es",  "1e+s"}) {
    INFO(text);
    CHECK(Matches(kDurationPattern, text) == ParseDuration(text).has_value());
  }
}

TEST_CASE("the schema's name pattern accepts exactly the task names the loader accepts",
          "[pipeline_schema]") {
  for (std::string name : {"build", "build-image_2", "B", "bad name", "a.b", "ünï", "a/b", ""}) {
    INFO(name);
    LoadResult r = ParsePipeline("[tasks.\"" + name + "\"]\nrun = \"x\"\n", "pipeline.toml");
    bool loader_accepts = r.errors.empty();
    CHECK(Matches(kNamePattern, name) == loader_accepts);
  }
}

TEST_CASE("a #:schema comment for editors is a TOML comment the loader accepts",
          "[pipeline_schema]") {
  LoadResult r = ParsePipeline("#:schema ./docs/pipeline.schema.json\n[tasks.a]\nrun = \"x\"\n",
                               "pipeline.toml");
  CHECK(r.errors.empty());
}

TEST_CASE("every key of the loader's tables is in the schema with its description",
          "[pipeline_schema]") {
  Value schema = PipelineSchema({});
  CHECK(At(schema, {"$schema"}).as_string() == "https://json-schema.org/draft/2020-12/schema");
  CHECK(At(schema, {"additionalProperties"}) == Value(false));
  const Value& top = At(schema, {"properties"});
  CHECK(top.as_object().size() == kTopTable.keys.size());
  for (const KeySpec& key : kTopTable.keys) {
    INFO(key.name);
    CHECK(At(top, {key.name, "description"}).as_string() == key.description);
  }
  const Value& task = At(top, {"tasks", "additionalProperties"});
  CHECK(At(task, {"additionalProperties"}) == Value(false));
  CHECK(At(task, {"properties"}).as_object().size() == kTaskTable.keys.size());
  for (const KeySpec& key : kTaskTable.keys) {
    INFO(key.name);
    CHECK(At(task, {"properties", key.name, "description"}).as_string() == key.description);
  }
  CHECK(At(task, {"oneOf"}) == Json(R"([{"required": ["run"]}, {"required": ["uses"]}])"));
  CHECK(At(task, {"dependentRequired"}) == Json(R"({"sarif": ["run"], "with": ["uses"]})"));
  CHECK(At(task, {"properties", "retries"}).Get("maximum")->as_number() == 100);
  CHECK(task.Get("allOf") == nullptr);  // no plugins, no plugin rules
  CHECK(At(top, {"pipelines", "additionalProperties", "required"}) == Json(R"(["tasks"])"));
}

TEST_CASE("each plugin action gives `with` its schema when `uses` picks the action",
          "[pipeline_schema]") {
  Value with = Json(R"json({"type": "object", "required": ["name"], "additionalProperties": false,
                            "properties": {"name": {"type": "string"}}})json");
  Value schema = PipelineSchema({
      {"hello", "greet", true, "Parameters of hello.greet.", with},
      {"hello", "wave", false, "", Json(R"json({"type": "object"})json")},
  });
  const Value& rules = At(schema, {"properties", "tasks", "additionalProperties", "allOf"});
  REQUIRE(rules.as_array().size() == 3);
  CHECK(rules.as_array()[0] == Json(R"json({
      "if": {"properties": {"uses": {"pattern": "^hello(\\..|$)"}}, "required": ["uses"]},
      "then": {"properties": {"uses": {"enum": ["hello", "hello.greet", "hello.wave"]}}}
  })json"));
  CHECK(rules.as_array()[1] == Json(R"json({
      "if": {"properties": {"uses": {"enum": ["hello", "hello.greet"]}}, "required": ["uses"]},
      "then": {"properties": {"with": {"$ref": "#/$defs/with:hello.greet"}}, "required": ["with"]}
  })json"));
  CHECK(rules.as_array()[2] == Json(R"json({
      "if": {"properties": {"uses": {"const": "hello.wave"}}, "required": ["uses"]},
      "then": {"properties": {"with": {"$ref": "#/$defs/with:hello.wave"}}}
  })json"));
  CHECK(At(schema, {"$defs", "with:hello.greet", "description"}).as_string() ==
        "Parameters of hello.greet.");
  CHECK(At(schema, {"$defs", "with:hello.greet", "required"}) == Json(R"(["name"])"));
  CHECK(At(schema, {"properties", "tasks", "additionalProperties", "properties", "uses",
                    "examples"}) == Json(R"(["hello", "hello.greet", "hello.wave"])"));
  CHECK(At(schema, {"$defs", "expression", "pattern"}).as_string() == R"(\$\{\{)");
}

}  // namespace taskr
