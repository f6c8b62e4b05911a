#include "runner/model/value.h"

#include <catch2/catch_test_macros.hpp>

#include "tests/unit/model/value_printer.h"

#include <cmath>
#include <limits>

namespace taskr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

Value Sample() {
  return Value::MakeObject({
      {"name", Value("api")},
      {"count", Value(2)},
      {"tags", Value::MakeArray({Value("a"), Value(true), Value()})},
  });
}

TEST_CASE("Value kinds and accessors", "[value]") {
  CHECK(Value().is_null());
  CHECK(Value(true).is_bool());
  CHECK(Value(true).as_bool());
  CHECK(Value(2.5).as_number() == 2.5);
  CHECK(Value(7).as_number() == 7.0);
  CHECK(Value("x").as_string() == "x");
  CHECK(Value(std::string_view("sv")).as_string() == "sv");
  CHECK(Value(std::string("s")).is_string());
  CHECK(Value::MakeArray({Value(1)}).as_array().size() == 1);
  CHECK(Value::MakeObject({}).is_object());
  CHECK(Value(ValueArray{}).kind() == Value::Kind::kArray);
}

TEST_CASE("Value::KindName names every kind", "[value]") {
  CHECK(std::string(Value::KindName(Value::Kind::kNull)) == "null");
  CHECK(std::string(Value::KindName(Value::Kind::kBool)) == "boolean");
  CHECK(std::string(Value::KindName(Value::Kind::kNumber)) == "number");
  CHECK(std::string(Value::KindName(Value::Kind::kString)) == "string");
  CHECK(std::string(Value::KindName(Value::Kind::kArray)) == "array");
  CHECK(std::string(Value::KindName(Value::Kind::kObject)) == "object");
}

TEST_CASE("Value copies share arrays and objects", "[value]") {
  Value original = Sample();
  Value copy = original;
  CHECK(&copy.as_object() == &original.as_object());
}

TEST_CASE("Value::Get finds members of objects only", "[value]") {
  Value object = Sample();
  REQUIRE(object.Get("name") != nullptr);
  CHECK(object.Get("name")->as_string() == "api");
  CHECK(object.Get("missing") == nullptr);
  CHECK(object.Get("NAME") == nullptr);  // Get is exact; expressions fold case themselves
  CHECK(Value("name").Get("name") == nullptr);
  CHECK(Value().Get("name") == nullptr);
  CHECK(Value::MakeArray({Value(1)}).Get("0") == nullptr);
}

TEST_CASE("Value::Truthy", "[value]") {
  CHECK_FALSE(Value().Truthy());
  CHECK_FALSE(Value(false).Truthy());
  CHECK(Value(true).Truthy());
  CHECK_FALSE(Value(0).Truthy());
  CHECK_FALSE(Value(-0.0).Truthy());
  CHECK_FALSE(Value(kNaN).Truthy());
  CHECK(Value(-1).Truthy());
  CHECK(Value(0.001).Truthy());
  CHECK(Value(kInfinity).Truthy());
  CHECK_FALSE(Value("").Truthy());
  CHECK(Value("0").Truthy());
  CHECK(Value("false").Truthy());
  CHECK(Value(" ").Truthy());
  CHECK(Value::MakeArray({}).Truthy());
  CHECK(Value::MakeObject({}).Truthy());
}

TEST_CASE("Value::ToNumber of non-strings", "[value]") {
  CHECK(Value().ToNumber() == 0);
  CHECK(Value(true).ToNumber() == 1);
  CHECK(Value(false).ToNumber() == 0);
  CHECK(Value(-2.5).ToNumber() == -2.5);
  CHECK(std::isnan(Value::MakeArray({}).ToNumber()));
  CHECK(std::isnan(Value::MakeObject({}).ToNumber()));
}

TEST_CASE("Value::ToNumber parses numeric strings", "[value]") {
  CHECK(Value("").ToNumber() == 0);
  CHECK(Value(" \t\n ").ToNumber() == 0);
  CHECK(Value("42").ToNumber() == 42);
  CHECK(Value("  42  ").ToNumber() == 42);
  CHECK(Value("\n-7\t").ToNumber() == -7);
  CHECK(Value("+3").ToNumber() == 3);
  CHECK(Value("1.5").ToNumber() == 1.5);
  CHECK(Value(".5").ToNumber() == 0.5);
  CHECK(Value("5.").ToNumber() == 5);
  CHECK(Value("007").ToNumber() == 7);
  CHECK(Value("1e3").ToNumber() == 1000);
  CHECK(Value("1E-2").ToNumber() == 0.01);
  CHECK(Value("-2.5e+1").ToNumber() == -25);
  CHECK(Value("0x1F").ToNumber() == 31);
  CHECK(Value("0xff").ToNumber() == 255);
  CHECK(Value("0o17").ToNumber() == 15);
  CHECK(Value("Infinity").ToNumber() == kInfinity);
  CHECK(Value("-Infinity").ToNumber() == -kInfinity);
  CHECK(Value("1e999").ToNumber() == kInfinity);
  CHECK(Value("-1e999").ToNumber() == -kInfinity);
  CHECK(Value("1e-999").ToNumber() == 0);
}

TEST_CASE("Value::ToNumber gives NaN for anything else", "[value]") {
  for (const char* text : {"abc", "1a", "1,000", "1 2", ".", "-", "+", "e5", "1e", "1e+", "--1",
                           "0x", "0xG", "0o8", "0X1F", "infinity", "NaN", "1.2.3", "١"}) {
    INFO(text);
    CHECK(std::isnan(Value(text).ToNumber()));
  }
}

TEST_CASE("Value::ToString", "[value]") {
  CHECK(Value().ToString() == "");
  CHECK(Value(true).ToString() == "true");
  CHECK(Value(false).ToString() == "false");
  CHECK(Value("as is").ToString() == "as is");
  CHECK(Value(3).ToString() == "3");
  CHECK(Value(-7).ToString() == "-7");
  CHECK(Value(3.0).ToString() == "3");
  CHECK(Value(-0.0).ToString() == "0");
  CHECK(Value(2.5).ToString() == "2.5");
  CHECK(Value(0.1).ToString() == "0.1");
  CHECK(Value(0.1 + 0.2).ToString() == "0.30000000000000004");
  CHECK(Value(1.5e-7).ToString() == "1.5e-07");
  CHECK(Value(123456789012345.0).ToString() == "123456789012345");
  CHECK(Value(-999999999999999.0).ToString() == "-999999999999999");
  CHECK(Value(1e15).ToString() == "1e+15");
  CHECK(Value(1e21).ToString() == "1e+21");
  CHECK(Value(kNaN).ToString() == "NaN");
  CHECK(Value(kInfinity).ToString() == "Infinity");
  CHECK(Value(-kInfinity).ToString() == "-Infinity");
  CHECK(Value::MakeArray({Value(1)}).ToString() == "Array");
  CHECK(Value::MakeObject({}).ToString() == "Object");
}

TEST_CASE("FormatNumber matches ToString", "[value]") {
  CHECK(FormatNumber(3) == "3");
  CHECK(FormatNumber(2.5) == "2.5");
  CHECK(FormatNumber(kNaN) == "NaN");
  CHECK(FormatNumber(kInfinity) == "Infinity");
  for (double n : {0.0, 1.0, -12.0, 0.25, 1e300, 4.9e-324}) {
    CHECK(FormatNumber(n) == Value(n).ToString());
  }
}

TEST_CASE("Value::ToJson of scalars", "[value]") {
  CHECK(Value().ToJson() == "null");
  CHECK(Value(true).ToJson() == "true");
  CHECK(Value(false).ToJson() == "false");
  CHECK(Value(42).ToJson() == "42");
  CHECK(Value(-0.5).ToJson() == "-0.5");
  CHECK(Value(1e21).ToJson() == "1e+21");
  CHECK(Value(kNaN).ToJson() == "null");
  CHECK(Value(kInfinity).ToJson() == "null");
  CHECK(Value("plain").ToJson() == "\"plain\"");
}

TEST_CASE("Value::ToJson escapes strings", "[value]") {
  CHECK(Value("say \"hi\"").ToJson() == R"("say \"hi\"")");
  CHECK(Value("back\\slash").ToJson() == R"("back\\slash")");
  CHECK(Value("a\nb\tc\rd\be\ff").ToJson() == R"("a\nb\tc\rd\be\ff")");
  CHECK(Value(std::string("\x01\x1f", 2)).ToJson() == R"("\u0001\u001f")");
  CHECK(Value(std::string("nul\0", 4)).ToJson() == R"("nul\u0000")");
  CHECK(Value("héllo ✓ /").ToJson() == "\"héllo ✓ /\"");
}

TEST_CASE("Value::ToJson pretty-prints with the indent", "[value]") {
  CHECK(Sample().ToJson() ==
        "{\n"
        "  \"count\": 2,\n"
        "  \"name\": \"api\",\n"
        "  \"tags\": [\n"
        "    \"a\",\n"
        "    true,\n"
        "    null\n"
        "  ]\n"
        "}");
  CHECK(Value::MakeArray({Value(1), Value::MakeArray({Value(2)})}).ToJson(4) ==
        "[\n    1,\n    [\n        2\n    ]\n]");
  CHECK(Value::MakeArray({Value(1), Value(2)}).ToJson(0) == "[\n1,\n2\n]");
}

TEST_CASE("Value::ToJson on one line when indent is negative", "[value]") {
  CHECK(Sample().ToJson(-1) == R"({"count":2,"name":"api","tags":["a",true,null]})");
  CHECK(Value::MakeArray({}).ToJson(-1) == "[]");
}

TEST_CASE("Value::ToJson of empty containers", "[value]") {
  CHECK(Value::MakeArray({}).ToJson() == "[]");
  CHECK(Value::MakeObject({}).ToJson() == "{}");
  CHECK(Value::MakeObject({{"a", Value::MakeArray({})}, {"b", Value::MakeObject({})}}).ToJson() ==
        "{\n  \"a\": [],\n  \"b\": {}\n}");
}

TEST_CASE("LooseEquals follows GitHub's coercions", "[value]") {
  SECTION("same kinds") {
    CHECK(LooseEquals(Value(), Value()));
    CHECK(LooseEquals(Value(true), Value(true)));
    CHECK_FALSE(LooseEquals(Value(true), Value(false)));
    CHECK(LooseEquals(Value(1.5), Value(1.5)));
    CHECK(LooseEquals(Value(0.0), Value(-0.0)));
    CHECK_FALSE(LooseEquals(Value(1), Value(2)));
    CHECK(LooseEquals(Value("ABC"), Value("abc")));
    CHECK(LooseEquals(Value("Straße"), Value("STRAße")));
    CHECK_FALSE(LooseEquals(Value("abc"), Value("abd")));
    CHECK_FALSE(LooseEquals(Value("abc"), Value("abc ")));
  }
  SECTION("mismatched kinds compare as numbers") {
    CHECK(LooseEquals(Value("1"), Value(1)));
    CHECK(LooseEquals(Value(1), Value(" 1.0 ")));
    CHECK(LooseEquals(Value("0x10"), Value(16)));
    CHECK_FALSE(LooseEquals(Value("one"), Value(1)));
    CHECK(LooseEquals(Value(), Value(0)));
    CHECK(LooseEquals(Value(), Value("")));
    CHECK(LooseEquals(Value(), Value(false)));
    CHECK_FALSE(LooseEquals(Value(), Value("null")));
    CHECK(LooseEquals(Value(true), Value(1)));
    CHECK(LooseEquals(Value(true), Value("1")));
    CHECK_FALSE(LooseEquals(Value(true), Value("true")));
    CHECK_FALSE(LooseEquals(Value(true), Value(2)));
    CHECK(LooseEquals(Value(false), Value("")));
    CHECK(LooseEquals(Value(false), Value("0")));
  }
  SECTION("NaN equals nothing") {
    CHECK_FALSE(LooseEquals(Value(kNaN), Value(kNaN)));
    CHECK_FALSE(LooseEquals(Value("abc"), Value(kNaN)));
    CHECK_FALSE(LooseEquals(Value(kNaN), Value()));
  }
  SECTION("arrays and objects equal only themselves") {
    Value array = Value::MakeArray({Value(1)});
    Value object = Sample();
    CHECK(LooseEquals(array, array));
    CHECK(LooseEquals(object, Value(object)));
    CHECK_FALSE(LooseEquals(array, Value::MakeArray({Value(1)})));
    CHECK_FALSE(LooseEquals(object, Sample()));
    CHECK_FALSE(LooseEquals(array, Value(1)));
    CHECK_FALSE(LooseEquals(Value::MakeArray({}), Value()));
    CHECK_FALSE(LooseEquals(Value::MakeArray({}), Value("Array")));
    CHECK_FALSE(LooseEquals(object, Value("Object")));
  }
}

TEST_CASE("operator== is strict and structural", "[value]") {
  CHECK(Value() == Value());
  CHECK(Value(1) == Value(1.0));
  CHECK_FALSE(Value(1) == Value("1"));
  CHECK_FALSE(Value() == Value(0));
  CHECK_FALSE(Value(true) == Value(1));
  CHECK_FALSE(Value("abc") == Value("ABC"));
  CHECK(Value("abc") == Value("abc"));
  CHECK_FALSE(Value(kNaN) == Value(kNaN));
  CHECK(Sample() == Sample());
  CHECK(Value::MakeArray({Value(1), Value("x")}) == Value::MakeArray({Value(1), Value("x")}));
  CHECK_FALSE(Value::MakeArray({Value(1)}) == Value::MakeArray({Value(1), Value(1)}));
  CHECK_FALSE(Value::MakeArray({Value(1)}) == Value::MakeArray({Value("1")}));
  CHECK_FALSE(Value::MakeObject({{"a", Value(1)}}) == Value::MakeObject({{"b", Value(1)}}));
  CHECK_FALSE(Value::MakeObject({{"a", Value(1)}}) == Value::MakeObject({{"a", Value(2)}}));
  CHECK_FALSE(Value::MakeArray({}) == Value::MakeObject({}));
  CHECK(Value(1) != Value(2));
}

TEST_CASE("CompareIgnoreCase orders upper-cased bytes", "[value]") {
  CHECK(internal::CompareIgnoreCase("abc", "ABC") == 0);
  CHECK(internal::CompareIgnoreCase("", "") == 0);
  CHECK(internal::CompareIgnoreCase("abc", "abd") < 0);
  CHECK(internal::CompareIgnoreCase("B", "a") > 0);
  CHECK(internal::CompareIgnoreCase("ab", "abc") < 0);
  CHECK(internal::CompareIgnoreCase("abc", "AB") > 0);
  // '_' lies between the upper- and lower-case letters, so folding to upper case matters.
  CHECK(internal::CompareIgnoreCase("a", "_") < 0);
  CHECK(internal::CompareIgnoreCase("é", "e") > 0);
}

}  // namespace
}  // namespace taskr
