#include "runner/model/json.h"

#include <catch2/catch_test_macros.hpp>

#include "tests/unit/model/value_printer.h"

#include <string>

namespace taskr {
namespace {

/// Parsed is the value of `text`, which must be valid JSON.
Value Parsed(std::string_view text) {
  Result<Value> value = ParseJson(text);
  INFO(text);
  REQUIRE(value.ok());
  return *value;
}

/// ErrorOf is the message ParseJson gives for `text`, which must be invalid.
std::string ErrorOf(std::string_view text) {
  Result<Value> value = ParseJson(text);
  INFO(text);
  REQUIRE_FALSE(value.ok());
  return value.status().message();
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST_CASE("ParseJson reads scalars", "[json]") {
  CHECK(Parsed("null") == Value());
  CHECK(Parsed("true") == Value(true));
  CHECK(Parsed("false") == Value(false));
  CHECK(Parsed("42") == Value(42));
  CHECK(Parsed("-1.5e2") == Value(-150));
  CHECK(Parsed("0.25") == Value(0.25));
  CHECK(Parsed(R"("x")") == Value("x"));
  CHECK(Parsed(R"("")") == Value(""));
}

TEST_CASE("ParseJson decodes string escapes to UTF-8", "[json]") {
  CHECK(Parsed(R"("a\"b\\c\/d\n\t")") == Value("a\"b\\c/d\n\t"));
  CHECK(Parsed(R"("\u00e9")") == Value("é"));
  CHECK(Parsed(R"("\ud83d\ude00")") == Value("\xF0\x9F\x98\x80"));
  CHECK(Parsed(R"("nul\u0000byte")") == Value(std::string("nul\0byte", 8)));
  CHECK(Parsed("\"é\"") == Value("é"));
}

TEST_CASE("ParseJson reads nested arrays and objects", "[json]") {
  Value expected = Value::MakeObject({
      {"files", Value::MakeArray({Value("a.txt"), Value("b.txt")})},
      {"options", Value::MakeObject({{"level", Value(3)}, {"fast", Value(true)}})},
      {"empty", Value::MakeObject({})},
      {"none", Value::MakeArray({Value(), Value::MakeArray({})})},
  });
  CHECK(Parsed(R"( {
    "files": ["a.txt", "b.txt"],
    "options": {"level": 3, "fast": true},
    "empty": {},
    "none": [null, []]
  } )") == expected);
}

TEST_CASE("ParseJson keeps the last of repeated keys", "[json]") {
  CHECK(Parsed(R"({"a": 1, "b": 2, "a": 3})") ==
        Value::MakeObject({{"a", Value(3)}, {"b", Value(2)}}));
}

TEST_CASE("ParseJson turns every number into a double", "[json]") {
  CHECK(Parsed("9007199254740993").as_number() == 9007199254740992.0);  // rounds past 2^53
  CHECK(Parsed("18446744073709551615").as_number() == 18446744073709551615.0);
  CHECK(Parsed("-9223372036854775808").as_number() == -9223372036854775808.0);
  CHECK(Parsed("123456789012345678901234567890").as_number() == 1.2345678901234568e29);
  CHECK(Parsed("1e308").as_number() == 1e308);
  CHECK(Parsed("-0").as_number() == 0);
}

TEST_CASE("ParseJson reports where invalid JSON goes wrong", "[json]") {
  const std::string message = ErrorOf("[1,]");
  CHECK(message.starts_with("invalid JSON at byte 4: "));
  CHECK(Contains(message, "unexpected ']'"));
  CHECK_FALSE(Contains(message, "[json.exception"));
  CHECK_FALSE(Contains(message, "line 1"));

  CHECK(ErrorOf("").starts_with("invalid JSON at byte 1: "));
  CHECK(ErrorOf("{\"a\": ").starts_with("invalid JSON at byte 7: "));  // one past the end
  CHECK(Contains(ErrorOf("1e400"), "number overflow"));
  for (const char* text : {"{", "nul", "1 2", "{a: 1}", "'x'", "[1] // note", "\"\xFF\"", "01",
                           "{\"a\" 1}", "[1 2]", "\"unterminated"}) {
    INFO(text);
    CHECK(ErrorOf(text).starts_with("invalid JSON at byte "));
  }
}

TEST_CASE("ParseJson bounds nesting", "[json]") {
  const auto nested = [](size_t depth, std::string_view inner) {
    return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
  };
  CHECK(Parsed(nested(kMaxJsonDepth + 1, "")).is_array());  // the innermost at depth 256
  CHECK(ErrorOf(nested(kMaxJsonDepth + 2, "")) == "JSON is nested more than 256 levels deep");
  CHECK(Contains(ErrorOf(nested(kMaxJsonDepth + 1, "1")), "nested more than"));
  CHECK(Contains(ErrorOf(nested(100000, "")), "nested more than"));
}

}  // namespace
}  // namespace taskr
