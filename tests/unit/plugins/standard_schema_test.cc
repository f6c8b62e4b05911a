#include <catch2/catch_test_macros.hpp>

#include <string>

#include "runner/model/json.h"
#include "runner/model/value.h"
#include "runner/plugins/schema.h"

namespace taskr {
namespace {

/// Json is the value of `text`, which must be valid JSON.
Value Json(std::string_view text) {
  Result<Value> value = ParseJson(text);
  INFO(text);
  REQUIRE(value.ok());
  return *value;
}

/// Standard is StandardSchema of the JSON `schema`, with {"$ref": "#/e"} for templates, as JSON.
std::string Standard(std::string_view schema) {
  return StandardSchema(Json(schema), Json(R"({"$ref": "#/e"})")).ToJson(-1);
}

std::string Compact(std::string_view json) { return Json(json).ToJson(-1); }

}  // namespace

TEST_CASE("StandardSchema lets values below the root be templates, annotations outside",
          "[schema]") {
  CHECK(Standard(R"({"type": "object", "additionalProperties": false, "properties": {
          "push": {"type": "boolean", "default": false, "description": "Push it."}}})") ==
        Compact(R"({"type": "object", "additionalProperties": false, "properties": {
          "push": {"default": false, "description": "Push it.",
                   "anyOf": [{"$ref": "#/e"}, {"type": "boolean"}]}}})"));
  // Array elements and map values are values too; anyOf alternatives are the same value.
  CHECK(Standard(R"({"type": "object", "properties": {"tags": {"type": "array",
          "items": {"anyOf": [{"enum": ["a"]}, {"type": "object",
                                                "additionalProperties": {"type": "integer"}}]}}}})") ==
        Compact(R"({"type": "object", "properties": {"tags": {"anyOf": [{"$ref": "#/e"},
          {"type": "array", "items": {"anyOf": [{"$ref": "#/e"}, {"anyOf": [{"enum": ["a"]},
            {"type": "object", "additionalProperties": {"anyOf": [{"$ref": "#/e"},
                                                                  {"type": "integer"}]}}]}]}}]}}})"));
}

TEST_CASE("StandardSchema leaves alone what takes any template already, and false", "[schema]") {
  CHECK(Standard(R"({"type": "object", "additionalProperties": false, "properties": {
          "name": {"type": "string", "minLength": 1, "description": "A name."},
          "any": {"description": "Anything."}, "never": false}})") ==
        Compact(R"({"type": "object", "additionalProperties": false, "properties": {
          "name": {"type": "string", "minLength": 1, "description": "A name."},
          "any": {"description": "Anything."}, "never": false}})"));
}

TEST_CASE("StandardSchema drops taskr's own keywords, not parameters of that name", "[schema]") {
  CHECK(Standard(R"({"type": "object", "properties": {
          "push": {"type": "string", "x-taskr-effect": true},
          "x-taskr-effect": {"type": "string"}}})") == Compact(R"({"type": "object", "properties": {
          "push": {"type": "string"}, "x-taskr-effect": {"type": "string"}}})"));
}

}  // namespace taskr
