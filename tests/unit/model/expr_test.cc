#include "runner/model/expr.h"

#include <catch2/catch_test_macros.hpp>

#include "tests/unit/model/value_printer.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace taskr {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

Value Str(const char* s) { return Value(s); }
Value Num(double n) { return Value(n); }
Value Arr(ValueArray a) { return Value::MakeArray(std::move(a)); }
Value Obj(ValueObject o) { return Value::MakeObject(std::move(o)); }

/// FakeScope serves fixed contexts and status results.
class FakeScope : public ExprScope {
 public:
  const Value* Context(std::string_view name) const override {
    auto it = contexts.find(name);
    return it == contexts.end() ? nullptr : &it->second;
  }
  bool Success() const override { return success; }
  bool Failure() const override { return failure; }
  bool Cancelled() const override { return cancelled; }

  ValueObject contexts = {
      {"matrix", Obj({{"service", Str("api")}, {"os", Str("Linux")}, {"n", Num(3)}})},
      {"needs", Obj({
                    {"build-image", Obj({{"result", Str("success")},
                                         {"outputs", Obj({{"ref", Str("sha256:abc")}})}})},
                    {"test", Obj({{"result", Str("failure")}, {"outputs", Obj({})}})},
                })},
      {"env", Obj({{"HOME", Str("/root")}, {"EMPTY", Str("")}})},
      {"vars", Obj({
                   {"list", Arr({Num(1), Str("two"), Obj({{"name", Str("x")}})})},
                   {"nested", Arr({Arr({Num(1), Num(2)}), Arr({Num(3)})})},
                   {"objs", Arr({Obj({{"name", Str("a")}, {"v", Num(1)}}),
                                 Obj({{"name", Str("b")}}), Obj({{"v", Num(3)}}), Str("skip")})},
                   {"map", Obj({{"1", Str("one")}, {"true", Str("yes")}, {"", Str("blank")}})},
                   {"zero", Num(0)},
                   {"json", Str(R"({"a": [1, 2.5, "x", null, true], "b": {"c": false}})")},
               })},
  };
  bool success = true;
  bool failure = false;
  bool cancelled = false;
};

Value Eval(std::string_view text, const ExprScope& scope = FakeScope()) {
  ExprError error;
  std::optional<Expr> expr = Expr::Parse(text, &error);
  INFO("expression: " << text << "; parse error at " << error.offset << ": " << error.message);
  REQUIRE(expr.has_value());
  Result<Value> value = expr->Evaluate(scope);
  INFO("evaluation error: " << value.status().message());
  REQUIRE(value.ok());
  return *value;
}

bool EvalBool(std::string_view text) {
  Value value = Eval(text);
  INFO("expression: " << text);
  REQUIRE(value.is_bool());
  return value.as_bool();
}

/// EvalError evaluates an expression that parses but fails, giving the message.
std::string EvalError(std::string_view text) {
  ExprError error;
  std::optional<Expr> expr = Expr::Parse(text, &error);
  INFO("expression: " << text << "; parse error: " << error.message);
  REQUIRE(expr.has_value());
  Result<Value> value = expr->Evaluate(FakeScope());
  REQUIRE_FALSE(value.ok());
  return value.status().message();
}

ExprError ParseError(std::string_view text) {
  ExprError error;
  INFO("expression: " << text);
  REQUIRE_FALSE(Expr::Parse(text, &error).has_value());
  return error;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Literals

TEST_CASE("Expr literals", "[expr]") {
  CHECK(Eval("null") == Value());
  CHECK(Eval("true") == Value(true));
  CHECK(Eval("false") == Value(false));
  CHECK(Eval("42") == Num(42));
  CHECK(Eval("-42") == Num(-42));
  CHECK(Eval("1.25") == Num(1.25));
  CHECK(Eval("-0.5") == Num(-0.5));
  CHECK(Eval(".5") == Num(0.5));
  CHECK(Eval("1e3") == Num(1000));
  CHECK(Eval("2.5E-1") == Num(0.25));
  CHECK(Eval("1e+2") == Num(100));
  CHECK(Eval("0xff") == Num(255));
  CHECK(Eval("0o10") == Num(8));
  CHECK(Eval("Infinity") == Num(kInfinity));
  CHECK(Eval("-Infinity") == Num(-kInfinity));
  CHECK(std::isnan(Eval("NaN").as_number()));
  CHECK(Eval("'text'") == Str("text"));
  CHECK(Eval("''") == Str(""));
  CHECK(Eval("'it''s'") == Str("it's"));
  CHECK(Eval("''''") == Str("'"));
  CHECK(Eval("'a  b'") == Str("a  b"));
  CHECK(Eval("'(${{ ]'") == Str("(${{ ]"));
  CHECK(Eval("  7  ") == Num(7));
  CHECK(Eval("\t\ntrue\r\n") == Value(true));
}

TEST_CASE("Expr keywords are case-sensitive", "[expr]") {
  // As on GitHub, `True` is not the keyword but a context name.
  CHECK(Eval("True") == Value());
  CHECK(Eval("NULL") == Value());
}

// ---------------------------------------------------------------------------
// Contexts and member access

TEST_CASE("Expr context roots", "[expr]") {
  FakeScope scope;
  CHECK(Eval("matrix", scope) == *scope.Context("matrix"));
  CHECK(Eval("missing") == Value());
  CHECK(Eval("_private") == Value());
}

TEST_CASE("Expr property access", "[expr]") {
  CHECK(Eval("matrix.service") == Str("api"));
  CHECK(Eval("matrix . service") == Str("api"));
  CHECK(Eval("needs.build-image.outputs.ref") == Str("sha256:abc"));
  CHECK(Eval("needs.build-image.result") == Str("success"));
  CHECK(Eval("matrix.missing") == Value());
  CHECK(Eval("matrix.missing.deeper") == Value());
  CHECK(Eval("missing.a.b.c") == Value());
  CHECK(Eval("matrix.service.length") == Value());
  CHECK(Eval("vars.list.name") == Value());
  CHECK(Eval("vars.zero.x") == Value());
}

TEST_CASE("Expr member names match ignoring case, as on GitHub", "[expr]") {
  CHECK(Eval("matrix.SERVICE") == Str("api"));
  CHECK(Eval("env.home") == Str("/root"));
  CHECK(Eval("matrix['Os']") == Str("Linux"));
}

TEST_CASE("Expr index access", "[expr]") {
  CHECK(Eval("matrix['service']") == Str("api"));
  CHECK(Eval("needs['build-image']['outputs'].ref") == Str("sha256:abc"));
  CHECK(Eval("vars.list[0]") == Num(1));
  CHECK(Eval("vars.list[1]") == Str("two"));
  CHECK(Eval("vars.list[2].name") == Str("x"));
  CHECK(Eval("vars.list[ 2 ]['name']") == Str("x"));
  CHECK(Eval("vars.list['1']") == Str("two"));
  CHECK(Eval("vars.list[1.9]") == Str("two"));
  CHECK(Eval("vars.list[true]") == Str("two"));
  CHECK(Eval("vars.nested[1][0]") == Num(3));
  CHECK(Eval("vars.list[3]") == Value());
  CHECK(Eval("vars.list[-1]") == Value());
  CHECK(Eval("vars.list['x']") == Value());
  CHECK(Eval("vars.list[Infinity]") == Value());
  CHECK(Eval("vars.map[1]") == Str("one"));
  CHECK(Eval("vars.map[true]") == Str("yes"));
  CHECK(Eval("vars.map[null]") == Str("blank"));
  CHECK(Eval("vars.map[vars.list]") == Value());
  CHECK(Eval("matrix[matrix.missing]") == Value());
}

TEST_CASE("Expr computed index expressions", "[expr]") {
  CHECK(Eval("needs[format('{0}-image', 'build')].result") == Str("success"));
  CHECK(Eval("vars.list[vars.zero]") == Num(1));
  CHECK(Eval("matrix[vars.list[2].name] || 'none'") == Str("none"));
}

TEST_CASE("Expr indexing non-collections gives null", "[expr]") {
  CHECK(Eval("null.a") == Value());
  CHECK(Eval("null[0]") == Value());
  CHECK(Eval("'abc'[0]") == Value());
  CHECK(Eval("true.x") == Value());
  CHECK(Eval("(1).x") == Value());
}

TEST_CASE("Expr postfix access after calls and groups", "[expr]") {
  CHECK(Eval("fromJSON(vars.json).b.c") == Value(false));
  CHECK(Eval("fromJSON(vars.json).a[1]") == Num(2.5));
  CHECK(Eval("(matrix).service") == Str("api"));
  CHECK(Eval("(matrix || env).service") == Str("api"));
}

// ---------------------------------------------------------------------------
// Object filters

TEST_CASE("Expr object filter over arrays", "[expr]") {
  CHECK(Eval("vars.objs.*.name") == Arr({Str("a"), Str("b")}));
  CHECK(Eval("vars.objs.*.v") == Arr({Num(1), Num(3)}));
  CHECK(Eval("vars.objs[*].v") == Arr({Num(1), Num(3)}));
  CHECK(Eval("vars.objs.*.missing") == Arr({}));
  CHECK(Eval("vars.nested.*") == Arr({Arr({Num(1), Num(2)}), Arr({Num(3)})}));
  CHECK(Eval("vars.nested.*.*") == Arr({Num(1), Num(2), Num(3)}));
  CHECK(Eval("vars.nested.*[0]") == Arr({Num(1), Num(3)}));
  CHECK(Eval("vars.nested.*[1]") == Arr({Num(2)}));
}

TEST_CASE("Expr object filter over objects", "[expr]") {
  CHECK(Eval("needs.*.result") == Arr({Str("success"), Str("failure")}));
  CHECK(Eval("needs.*.outputs.ref") == Arr({Str("sha256:abc")}));
  CHECK(Eval("matrix.*") == Arr({Num(3), Str("Linux"), Str("api")}));
}

TEST_CASE("Expr object filter over non-collections is empty", "[expr]") {
  CHECK(Eval("missing.*") == Arr({}));
  CHECK(Eval("matrix.service.*") == Arr({}));
  CHECK(Eval("missing.*.name") == Arr({}));
}

TEST_CASE("Expr filtered results work with functions", "[expr]") {
  CHECK(Eval("contains(needs.*.result, 'FAILURE')") == Value(true));
  CHECK(Eval("contains(needs.*.result, 'cancelled')") == Value(false));
  CHECK(Eval("join(vars.objs.*.name, '+')") == Str("a+b"));
  CHECK(Eval("toJSON(vars.objs.*.v)") == Str("[\n  1,\n  3\n]"));
}

// ---------------------------------------------------------------------------
// Operators

TEST_CASE("Expr not", "[expr]") {
  CHECK(Eval("!true") == Value(false));
  CHECK(Eval("!false") == Value(true));
  CHECK(Eval("!null") == Value(true));
  CHECK(Eval("!0") == Value(true));
  CHECK(Eval("!''") == Value(true));
  CHECK(Eval("!'x'") == Value(false));
  CHECK(Eval("!NaN") == Value(true));
  CHECK(Eval("!matrix") == Value(false));
  CHECK(Eval("!!'x'") == Value(true));
  CHECK(Eval("!!!'x'") == Value(false));
  CHECK(Eval("! ! 1") == Value(true));
}

TEST_CASE("Expr && returns the deciding operand", "[expr]") {
  CHECK(Eval("'a' && 'b'") == Str("b"));
  CHECK(Eval("'' && 'b'") == Str(""));
  CHECK(Eval("0 && 'b'") == Num(0));
  CHECK(Eval("null && true") == Value());
  CHECK(Eval("1 && 2 && 3") == Num(3));
  CHECK(Eval("1 && 0 && 3") == Num(0));
  CHECK(Eval("matrix && matrix.service") == Str("api"));
  CHECK(Eval("true && false") == Value(false));
}

TEST_CASE("Expr || returns the deciding operand", "[expr]") {
  CHECK(Eval("'a' || 'b'") == Str("a"));
  CHECK(Eval("'' || 'b'") == Str("b"));
  CHECK(Eval("null || 0") == Num(0));
  CHECK(Eval("null || 0 || ''") == Str(""));
  CHECK(Eval("matrix.missing || 'default'") == Str("default"));
  CHECK(Eval("false || false") == Value(false));
}

TEST_CASE("Expr && and || short-circuit", "[expr]") {
  // The right operands would fail if evaluated.
  CHECK(Eval("false && fromJSON('not json')") == Value(false));
  CHECK(Eval("true || fromJSON('not json')") == Value(true));
  CHECK(Eval("0 && format('{9}')") == Num(0));
  CHECK(Eval("'x' || format('{9}') || fromJSON('')") == Str("x"));
  CHECK(Contains(EvalError("true && fromJSON('not json')"), "fromJSON"));
  CHECK(Contains(EvalError("false || format('{9}')"), "format"));
}

TEST_CASE("Expr == and != use loose equality", "[expr]") {
  CHECK(EvalBool("1 == 1"));
  CHECK(EvalBool("'1' == 1"));
  CHECK(EvalBool("1 == '1'"));
  CHECK(EvalBool("'ABC' == 'abc'"));
  CHECK(EvalBool("null == 0"));
  CHECK(EvalBool("null == ''"));
  CHECK(EvalBool("null == false"));
  CHECK(EvalBool("null == null"));
  CHECK(EvalBool("true == 1"));
  CHECK(EvalBool("false == '0'"));
  CHECK(EvalBool("'' == 0"));
  CHECK(EvalBool("' 3 ' == 3"));
  CHECK(EvalBool("'0x10' == 16"));
  CHECK(EvalBool("matrix == matrix"));
  CHECK_FALSE(EvalBool("true == 'true'"));
  CHECK_FALSE(EvalBool("true == 2"));
  CHECK_FALSE(EvalBool("'abc' == 0"));
  CHECK_FALSE(EvalBool("NaN == NaN"));
  CHECK_FALSE(EvalBool("'x' == NaN"));
  CHECK_FALSE(EvalBool("matrix == env"));
  CHECK_FALSE(EvalBool("matrix == 'Object'"));
  CHECK_FALSE(EvalBool("vars.list == fromJSON('[1, \"two\", {\"name\": \"x\"}]')"));
  CHECK(EvalBool("NaN != NaN"));
  CHECK(EvalBool("'a' != 'b'"));
  CHECK_FALSE(EvalBool("'a' != 'A'"));
  CHECK_FALSE(EvalBool("'1' != 1"));
}

TEST_CASE("Expr ordering operators on numbers", "[expr]") {
  CHECK(EvalBool("1 < 2"));
  CHECK_FALSE(EvalBool("2 < 1"));
  CHECK_FALSE(EvalBool("2 < 2"));
  CHECK(EvalBool("2 <= 2"));
  CHECK(EvalBool("1 <= 2"));
  CHECK_FALSE(EvalBool("3 <= 2"));
  CHECK(EvalBool("3 > 2"));
  CHECK_FALSE(EvalBool("2 > 2"));
  CHECK(EvalBool("2 >= 2"));
  CHECK_FALSE(EvalBool("1 >= 2"));
  CHECK(EvalBool("-1 < 0"));
  CHECK(EvalBool("1 < Infinity"));
}

TEST_CASE("Expr ordering operators coerce mismatched kinds to numbers", "[expr]") {
  CHECK(EvalBool("'10' > 9"));
  CHECK(EvalBool("9 < '10'"));
  CHECK(EvalBool("false < true"));
  CHECK(EvalBool("null < 1"));
  CHECK(EvalBool("null <= null"));
  CHECK(EvalBool("true >= 1"));
  CHECK(EvalBool("'' < 1"));
  CHECK_FALSE(EvalBool("'abc' < 1"));
  CHECK_FALSE(EvalBool("'abc' >= 1"));
}

TEST_CASE("Expr ordering operators on two strings ignore case", "[expr]") {
  CHECK(EvalBool("'a' < 'b'"));
  CHECK(EvalBool("'A' < 'b'"));
  CHECK(EvalBool("'a' < 'B'"));
  CHECK_FALSE(EvalBool("'b' < 'A'"));
  CHECK(EvalBool("'abc' <= 'ABC'"));
  CHECK(EvalBool("'abc' >= 'ABC'"));
  CHECK_FALSE(EvalBool("'abc' < 'ABC'"));
  CHECK(EvalBool("'ab' < 'abc'"));
  // Strings compare as text, not numbers.
  CHECK(EvalBool("'10' < '9'"));
  // Upper-casing puts letters before '_'.
  CHECK(EvalBool("'a' < '_'"));
}

TEST_CASE("Expr ordering with NaN or collections is false", "[expr]") {
  for (const char* text : {"NaN < 1", "NaN > 1", "NaN <= NaN", "NaN >= 1", "1 < NaN", "matrix < 1",
                           "matrix > 1", "vars.list < vars.nested", "matrix < env"}) {
    INFO(text);
    CHECK_FALSE(EvalBool(text));
  }
  CHECK(EvalBool("matrix <= matrix"));  // equal to itself
}

TEST_CASE("Expr operator precedence", "[expr]") {
  // ! binds tighter than ==: (!'a') == 'b' is false == 'b'.
  CHECK(Eval("!'a' == 'b'") == Value(false));
  CHECK(Eval("!('a' == 'b')") == Value(true));
  // Comparison binds tighter than equality: (1 < 2) == true.
  CHECK(Eval("1 < 2 == true") == Value(true));
  CHECK(Eval("1 < (2 == true)") == Value(false));
  // Equality binds tighter than &&: (1 == 1) && 2.
  CHECK(Eval("1 == 1 && 2") == Num(2));
  CHECK(Eval("1 == (1 && 2)") == Value(false));
  // && binds tighter than ||.
  CHECK(Eval("true || false && false") == Value(true));
  CHECK(Eval("(true || false) && false") == Value(false));
  CHECK(Eval("false && true || 'x'") == Str("x"));
  CHECK(Eval("false && (true || 'x')") == Value(false));
  // Member access binds tighter than !.
  CHECK(Eval("!matrix.missing") == Value(true));
  CHECK(Eval("!env.EMPTY == !''") == Value(true));
}

TEST_CASE("Expr comparisons associate to the left", "[expr]") {
  // (3 > 2) > 1 is true > 1, and true is 1.
  CHECK(Eval("3 > 2 > 1") == Value(false));
  CHECK(Eval("1 == 1 == true") == Value(true));
  CHECK(Eval("2 == 2 == 2") == Value(false));
}

TEST_CASE("Expr parentheses", "[expr]") {
  CHECK(Eval("(1)") == Num(1));
  CHECK(Eval("((('x')))") == Str("x"));
  CHECK(Eval("!(false || '')") == Value(true));
}

// ---------------------------------------------------------------------------
// Functions

TEST_CASE("Expr status functions read the scope", "[expr]") {
  FakeScope scope;
  CHECK(Eval("success()", scope) == Value(true));
  CHECK(Eval("failure()", scope) == Value(false));
  CHECK(Eval("cancelled()", scope) == Value(false));
  CHECK(Eval("always()", scope) == Value(true));
  scope.success = false;
  scope.failure = true;
  scope.cancelled = true;
  CHECK(Eval("success()", scope) == Value(false));
  CHECK(Eval("failure()", scope) == Value(true));
  CHECK(Eval("cancelled()", scope) == Value(true));
  CHECK(Eval("always()", scope) == Value(true));
}

TEST_CASE("Expr function names ignore case", "[expr]") {
  CHECK(Eval("SUCCESS()") == Value(true));
  CHECK(Eval("Contains('abc', 'B')") == Value(true));
  CHECK(Eval("startswith('abc', 'a')") == Value(true));
  CHECK(Eval("ENDSWITH('abc', 'c')") == Value(true));
  CHECK(Eval("toJson(1)") == Str("1"));
  CHECK(Eval("FromJson('2')") == Num(2));
  CHECK(Eval("Format('{0}', 1)") == Str("1"));
  CHECK(Eval("JOIN(vars.nested[0])") == Str("1,2"));
  CHECK(Eval("success ()") == Value(true));
}

TEST_CASE("Expr contains() on strings", "[expr]") {
  CHECK(Eval("contains('Hello World', 'world')") == Value(true));
  CHECK(Eval("contains('Hello', 'HELLO')") == Value(true));
  CHECK(Eval("contains('Hello', '')") == Value(true));
  CHECK(Eval("contains('Hello', 'Hello!')") == Value(false));
  CHECK(Eval("contains('', 'a')") == Value(false));
  CHECK(Eval("contains(12345, 34)") == Value(true));
  CHECK(Eval("contains(true, 'ru')") == Value(true));
  CHECK(Eval("contains(null, '')") == Value(true));
  CHECK(Eval("contains('abc', matrix)") == Value(false));
  CHECK(Eval("contains(matrix, 'api')") == Value(false));
}

TEST_CASE("Expr contains() on arrays uses loose equality", "[expr]") {
  CHECK(Eval("contains(vars.list, 'TWO')") == Value(true));
  CHECK(Eval("contains(vars.list, '1')") == Value(true));
  CHECK(Eval("contains(vars.list, 1)") == Value(true));
  CHECK(Eval("contains(vars.list, true)") == Value(true));
  CHECK(Eval("contains(vars.list, 'tw')") == Value(false));
  CHECK(Eval("contains(vars.list, 'x')") == Value(false));
  CHECK(Eval("contains(vars.list, vars.list[2])") == Value(true));
  CHECK(Eval("contains(fromJSON('[]'), null)") == Value(false));
  CHECK(Eval("contains(fromJSON('[null]'), 0)") == Value(true));
}

TEST_CASE("Expr startsWith() and endsWith()", "[expr]") {
  CHECK(Eval("startsWith('refs/heads/main', 'REFS/')") == Value(true));
  CHECK(Eval("startsWith('refs/heads/main', 'heads')") == Value(false));
  CHECK(Eval("startsWith('ab', 'abc')") == Value(false));
  CHECK(Eval("startsWith('abc', '')") == Value(true));
  CHECK(Eval("startsWith(123, 12)") == Value(true));
  CHECK(Eval("startsWith(null, '')") == Value(true));
  CHECK(Eval("startsWith(true, 'T')") == Value(true));
  CHECK(Eval("startsWith(matrix, 'Obj')") == Value(false));
  CHECK(Eval("startsWith('Object', matrix)") == Value(false));
  CHECK(Eval("endsWith('image.TAR', '.tar')") == Value(true));
  CHECK(Eval("endsWith('image.tar', 'image')") == Value(false));
  CHECK(Eval("endsWith('r', 'tar')") == Value(false));
  CHECK(Eval("endsWith(1.5, '.5')") == Value(true));
  CHECK(Eval("endsWith(vars.list, 'ray')") == Value(false));
}

TEST_CASE("Expr format()", "[expr]") {
  CHECK(Eval("format('{0} and {1}', 'a', 'b')") == Str("a and b"));
  CHECK(Eval("format('{1}{0}{1}', 'a', 'b')") == Str("bab"));
  CHECK(Eval("format('no placeholders')") == Str("no placeholders"));
  CHECK(Eval("format('')") == Str(""));
  CHECK(Eval("format('{{0}} is {0}', 7)") == Str("{0} is 7"));
  CHECK(Eval("format('{{}}')") == Str("{}"));
  CHECK(Eval("format('{0}|{1}|{2}|{3}|{4}', null, true, 2.5, matrix, vars.list)") ==
        Str("|true|2.5|Object|Array"));
  CHECK(Eval("format('{0}', '{1}', 'x')") == Str("{1}"));
  CHECK(Eval("format('{00}', 'z')") == Str("z"));
  CHECK(Eval("format('{10}', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)") == Str("10"));
  CHECK(Eval("format(123)") == Str("123"));
  CHECK(Eval("format('{0}', 'unused', 'extra')") == Str("unused"));
}

TEST_CASE("Expr format() errors at evaluation", "[expr]") {
  std::string message = EvalError("format('{1}', 'a')");
  CHECK(Contains(message, "format()"));
  CHECK(Contains(message, "{1} refers to argument 1"));
  CHECK(Contains(message, "only 1 argument"));
  CHECK(Contains(EvalError("format('{0}')"), "only 0 arguments"));
  CHECK(Contains(EvalError("format('{99999999999999999999}', 1)"), "refers to argument"));
  CHECK(Contains(EvalError("format('{', 1)"), "'{' at position 0"));
  CHECK(Contains(EvalError("format('a{0', 1)"), "'{' at position 1"));
  CHECK(Contains(EvalError("format('{x}', 1)"), "'{' at position 0"));
  CHECK(Contains(EvalError("format('{}', 1)"), "'{' at position 0"));
  CHECK(Contains(EvalError("format('{ 0}', 1)"), "'{' at position 0"));
  CHECK(Contains(EvalError("format('{0:x}', 1)"), "'{' at position 0"));
  CHECK(Contains(EvalError("format('ab}', 1)"), "'}' at position 2"));
  CHECK(Contains(EvalError("format('{0}}', 1)"), "'}' at position 3"));
}

TEST_CASE("Expr join()", "[expr]") {
  CHECK(Eval("join(vars.list)") == Str("1,two,Object"));
  CHECK(Eval("join(vars.list, ', ')") == Str("1, two, Object"));
  CHECK(Eval("join(vars.nested, '; ')") == Str("Array; Array"));
  CHECK(Eval("join(fromJSON('[]'), '-')") == Str(""));
  CHECK(Eval("join(fromJSON('[\"solo\"]'), '-')") == Str("solo"));
  CHECK(Eval("join(fromJSON('[null, true, 1.5]'), '')") == Str("true1.5"));
  CHECK(Eval("join(vars.nested[0], 0)") == Str("102"));
  CHECK(Eval("join(vars.nested[0], matrix)") == Str("1,2"));
  CHECK(Eval("join('text', '-')") == Str("text"));
  CHECK(Eval("join(3)") == Str("3"));
  CHECK(Eval("join(null)") == Str(""));
  CHECK(Eval("join(matrix)") == Str(""));
}

TEST_CASE("Expr toJSON()", "[expr]") {
  CHECK(Eval("toJSON(null)") == Str("null"));
  CHECK(Eval("toJSON(true)") == Str("true"));
  CHECK(Eval("toJSON(1.5)") == Str("1.5"));
  CHECK(Eval("toJSON('a\"b')") == Str(R"("a\"b")"));
  CHECK(Eval("toJSON(NaN)") == Str("null"));
  CHECK(Eval("toJSON(matrix)") ==
        Str("{\n  \"n\": 3,\n  \"os\": \"Linux\",\n  \"service\": \"api\"\n}"));
  CHECK(Eval("toJSON(vars.nested)") == Str("[\n  [\n    1,\n    2\n  ],\n  [\n    3\n  ]\n]"));
}

TEST_CASE("Expr fromJSON()", "[expr]") {
  CHECK(Eval("fromJSON('null')") == Value());
  CHECK(Eval("fromJSON('true')") == Value(true));
  CHECK(Eval("fromJSON('42')") == Num(42));
  CHECK(Eval("fromJSON('-1.5e2')") == Num(-150));
  CHECK(Eval("fromJSON('18446744073709551615')") == Num(18446744073709551615.0));
  CHECK(Eval("fromJSON('\"x\"')") == Str("x"));
  CHECK(Eval("fromJSON(' [1, \"a\"] ')") == Arr({Num(1), Str("a")}));
  CHECK(Eval("fromJSON(vars.json)") ==
        Obj({{"a", Arr({Num(1), Num(2.5), Str("x"), Value(), Value(true)})},
             {"b", Obj({{"c", Value(false)}})}}));
  CHECK(Eval("fromJSON(toJSON(vars.objs))") == Eval("vars.objs"));
  CHECK(Eval("fromJSON('{\"k\": \"\\u00e9\"}').k") == Str("é"));
}

TEST_CASE("Expr fromJSON() errors at evaluation", "[expr]") {
  for (const char* text :
       {"fromJSON('')", "fromJSON('{')", "fromJSON('[1,]')", "fromJSON('nul')", "fromJSON('1 2')",
        "fromJSON('{a: 1}')", "fromJSON(null)", "fromJSON(matrix)"}) {
    INFO(text);
    std::string message = EvalError(text);
    CHECK(Contains(message, "fromJSON(): invalid JSON"));
    CHECK_FALSE(Contains(message, "[json.exception"));
  }
}

TEST_CASE("Expr fromJSON() rejects very deep JSON", "[expr]") {
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  CHECK(Contains(EvalError("fromJSON('" + deep + "')"), "nested"));
  const std::string shallow = std::string(100, '[') + std::string(100, ']');
  CHECK(Eval("fromJSON('" + shallow + "')").is_array());
}

// ---------------------------------------------------------------------------
// Parse errors

TEST_CASE("Expr parse errors carry offset and message", "[expr]") {
  struct Case {
    const char* text;
    size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"", 0, "empty expression"},
      {"   ", 3, "empty expression"},
      {"(a", 2, "expected ')' to close '(' at offset 0"},
      {"a && (b || c", 12, "expected ')' to close '(' at offset 5"},
      {"(a ]", 3, "expected ')' to close '(' at offset 0"},
      {"a[0", 3, "expected ']' to close '[' at offset 1"},
      {"a['x' b]", 6, "expected ']' to close '[' at offset 1"},
      {"a[]", 2, "expected an expression after '['"},
      {"a[*", 3, "expected ']' to close '[' at offset 1"},
      {"a.*b", 3, "expected an operator or the end of the expression, found 'b'"},
      {"a &&", 4, "expected an expression after '&&'"},
      {"a && || b", 5, "expected an expression after '&&'"},
      {"a ||", 4, "expected an expression after '||'"},
      {"a ==", 4, "expected an expression after '=='"},
      {"1 <= )", 5, "expected an expression after '<='"},
      {"!", 1, "expected an expression after '!'"},
      {"()", 1, "expected an expression after '('"},
      {")", 0, "unexpected ')'"},
      {"&& a", 0, "unexpected '&&'"},
      {"a b", 2, "expected an operator or the end of the expression, found 'b'"},
      {"a 'x'", 2, "expected an operator or the end of the expression, found string 'x'"},
      {"a )", 2, "expected an operator or the end of the expression, found ')'"},
      {"${{ a }}", 0, "unexpected character '$'"},
      {"a $ b", 2, "unexpected character '$'"},
      {"a = b", 2, "unexpected character '='"},
      {"a & b", 2, "unexpected character '&'"},
      {"a | b", 2, "unexpected character '|'"},
      {"a + b", 2, "unexpected character '+'"},
      {"a ✓", 2, "unexpected character '✓'"},
      {"'abc", 0, "unterminated string"},
      {"x == 'it''s", 5, "unterminated string"},
      {"1x", 0, "invalid number '1x'"},
      {"a[1.2.3]", 2, "invalid number '1.2.3'"},
      {"a - b", 2, "invalid number '-'"},
      {"0x", 0, "invalid number '0x'"},
      {"a.", 2, "expected a property name or '*' after '.'"},
      {"a.[0]", 2, "expected a property name or '*' after '.'"},
      {"a.0", 2, "expected a property name or '*' after '.'"},
      {"a.'b'", 2, "expected a property name or '*' after '.'"},
      {"nope()", 0, "unknown function 'nope'"},
      {"x || hashFiles('a')", 5, "unknown function 'hashFiles'"},
      {"a.contains('x')", 10, "expected an operator or the end of the expression, found '('"},
      {"contains('a')", 0, "contains() takes 2 arguments, not 1"},
      {"  contains('a', 'b', 'c')", 2, "contains() takes 2 arguments, not 3"},
      {"startsWith()", 0, "startsWith() takes 2 arguments, not 0"},
      {"endsWith(1)", 0, "endsWith() takes 2 arguments, not 1"},
      {"success(1)", 0, "success() takes 0 arguments, not 1"},
      {"x && always(x)", 5, "always() takes 0 arguments, not 1"},
      {"format()", 0, "format() takes at least 1 argument, not 0"},
      {"join()", 0, "join() takes 1 or 2 arguments, not 0"},
      {"join(a, b, c)", 0, "join() takes 1 or 2 arguments, not 3"},
      {"TOJSON()", 0, "toJSON() takes 1 argument, not 0"},
      {"fromJSON(1, 2)", 0, "fromJSON() takes 1 argument, not 2"},
      {"format('x',)", 11, "expected an expression after ','"},
      {"format(,)", 7, "expected an expression after '('"},
      {"format('x' 'y')", 11, "expected ')' to close '(' at offset 6"},
      {"format('x'", 10, "expected ')' to close '(' at offset 6"},
      {"contains(a, b))", 14, "expected an operator or the end of the expression, found ')'"},
  };
  for (const Case& c : cases) {
    INFO("expression: " << c.text);
    ExprError error = ParseError(c.text);
    CHECK(error.message == c.message);
    CHECK(error.offset == c.offset);
  }
}

TEST_CASE("Expr::Parse accepts a null error pointer", "[expr]") {
  CHECK_FALSE(Expr::Parse("(", nullptr).has_value());
  CHECK_FALSE(Template::Parse("${{ (", nullptr).has_value());
  CHECK_FALSE(Template::Parse("${{ ( }}", nullptr).has_value());
}

TEST_CASE("Expr rejects nesting deeper than the limit", "[expr]") {
  const std::string parens = std::string(100, '(') + "1" + std::string(100, ')');
  CHECK(ParseError(parens).message == "expression is nested too deeply");
  const std::string nots = std::string(100, '!') + "a";
  CHECK(ParseError(nots).message == "expression is nested too deeply");
  std::string chain = "a";
  for (int i = 0; i < 100; ++i) chain += ".b";
  CHECK(ParseError(chain).message == "expression is nested too deeply");
  std::string equals = "1";
  for (int i = 0; i < 100; ++i) equals += " == 1";
  CHECK(ParseError(equals).message == "expression is nested too deeply");
  // Long && and || chains are flat, and moderate nesting is fine.
  std::string ors = "false";
  for (int i = 0; i < 500; ++i) ors += " || false";
  CHECK(Eval(ors + " || 'last'") == Str("last"));
  CHECK(Eval(std::string(20, '(') + "1" + std::string(20, ')')) == Num(1));
}

// ---------------------------------------------------------------------------
// ForEachRef and UsesStatusFunction

std::vector<ContextRef> Refs(std::string_view text) {
  ExprError error;
  std::optional<Expr> expr = Expr::Parse(text, &error);
  INFO("expression: " << text << ": " << error.message);
  REQUIRE(expr.has_value());
  std::vector<ContextRef> refs;
  expr->ForEachRef([&](const ContextRef& ref) { refs.push_back(ref); });
  return refs;
}

void CheckRef(const ContextRef& ref, const std::string& root, const std::vector<std::string>& path,
              size_t offset) {
  CHECK(ref.root == root);
  CHECK(ref.path == path);
  CHECK(ref.offset == offset);
}

TEST_CASE("Expr::ForEachRef reports roots, literal paths and offsets", "[expr]") {
  SECTION("bare root") {
    auto refs = Refs("matrix");
    REQUIRE(refs.size() == 1);
    CheckRef(refs[0], "matrix", {}, 0);
  }
  SECTION("member names and string indexes") {
    auto refs = Refs("  needs.build-image.outputs['ref']");
    REQUIRE(refs.size() == 1);
    CheckRef(refs[0], "needs", {"build-image", "outputs", "ref"}, 2);
  }
  SECTION("a computed index ends the path and is walked") {
    auto refs = Refs("matrix[env.KEY].x");
    REQUIRE(refs.size() == 2);
    CheckRef(refs[0], "matrix", {}, 0);
    CheckRef(refs[1], "env", {"KEY"}, 7);
  }
  SECTION("a number index ends the path") {
    auto refs = Refs("vars.list[0].name");
    REQUIRE(refs.size() == 1);
    CheckRef(refs[0], "vars", {"list"}, 0);
  }
  SECTION("a filter ends the path") {
    auto refs = Refs("needs.*.result");
    REQUIRE(refs.size() == 1);
    CheckRef(refs[0], "needs", {}, 0);
    refs = Refs("vars.objs[*].v");
    REQUIRE(refs.size() == 1);
    CheckRef(refs[0], "vars", {"objs"}, 0);
  }
  SECTION("every operand in source order") {
    auto refs = Refs("!a.x && (b == c.y.z) || d['k'] < e");
    REQUIRE(refs.size() == 5);
    CheckRef(refs[0], "a", {"x"}, 1);
    CheckRef(refs[1], "b", {}, 9);
    CheckRef(refs[2], "c", {"y", "z"}, 14);
    CheckRef(refs[3], "d", {"k"}, 24);
    CheckRef(refs[4], "e", {}, 33);
  }
  SECTION("function arguments") {
    auto refs = Refs("contains(needs.*.result, format('{0}', matrix.os))");
    REQUIRE(refs.size() == 2);
    CheckRef(refs[0], "needs", {}, 9);
    CheckRef(refs[1], "matrix", {"os"}, 39);
  }
  SECTION("access on a call result walks the call") {
    auto refs = Refs("fromJSON(env.JSON).a[matrix.k]");
    REQUIRE(refs.size() == 2);
    CheckRef(refs[0], "env", {"JSON"}, 9);
    CheckRef(refs[1], "matrix", {"k"}, 21);
  }
  SECTION("nested computed indexes") {
    auto refs = Refs("a[b[c]]");
    REQUIRE(refs.size() == 3);
    CheckRef(refs[0], "a", {}, 0);
    CheckRef(refs[1], "b", {}, 2);
    CheckRef(refs[2], "c", {}, 4);
  }
  SECTION("keywords, literals and function names are not references") {
    CHECK(Refs("true && null || 'matrix' || success() || NaN").empty());
  }
}

TEST_CASE("Expr::UsesStatusFunction", "[expr]") {
  auto uses = [](std::string_view text) {
    ExprError error;
    std::optional<Expr> expr = Expr::Parse(text, &error);
    REQUIRE(expr.has_value());
    return expr->UsesStatusFunction();
  };
  CHECK(uses("success()"));
  CHECK(uses("failure()"));
  CHECK(uses("Always()"));
  CHECK(uses("cancelled()"));
  CHECK(uses("matrix.x == 1 && !cancelled()"));
  CHECK(uses("contains(format('{0}', failure()), 'true')"));
  CHECK(uses("a[success()]"));
  CHECK_FALSE(uses("matrix.success"));
  CHECK_FALSE(uses("'success()'"));
  CHECK_FALSE(uses("contains(needs.*.result, 'failure')"));
  CHECK_FALSE(uses("success"));
}

TEST_CASE("Expr::text keeps the source", "[expr]") {
  ExprError error;
  std::optional<Expr> expr = Expr::Parse(" a || b ", &error);
  REQUIRE(expr.has_value());
  CHECK(expr->text() == " a || b ");
  Expr copy = *expr;
  CHECK(copy.text() == " a || b ");
  Result<Value> value = copy.Evaluate(FakeScope());
  REQUIRE(value.ok());
  CHECK(value->is_null());
}

// ---------------------------------------------------------------------------
// Templates

std::optional<Template> ParseTemplate(std::string_view text) {
  ExprError error;
  std::optional<Template> t = Template::Parse(text, &error);
  INFO("template: " << text << "; error at " << error.offset << ": " << error.message);
  REQUIRE(t.has_value());
  return t;
}

Value EvalTemplate(std::string_view text) {
  std::optional<Template> t = ParseTemplate(text);
  Result<Value> value = t->Evaluate(FakeScope());
  INFO("template: " << text << "; " << value.status().message());
  REQUIRE(value.ok());
  return *value;
}

std::string Render(std::string_view text) {
  std::optional<Template> t = ParseTemplate(text);
  Result<std::string> rendered = t->Render(FakeScope());
  INFO("template: " << text << "; " << rendered.status().message());
  REQUIRE(rendered.ok());
  return *rendered;
}

ExprError TemplateError(std::string_view text) {
  ExprError error;
  INFO("template: " << text);
  REQUIRE_FALSE(Template::Parse(text, &error).has_value());
  return error;
}

TEST_CASE("Template literal text", "[template]") {
  std::optional<Template> t = ParseTemplate("plain $text {{ not }} $ {x} }}");
  CHECK(t->is_literal());
  CHECK(t->text() == "plain $text {{ not }} $ {x} }}");
  CHECK(EvalTemplate("plain $text") == Str("plain $text"));
  CHECK(Render("plain $text") == "plain $text");
  CHECK(EvalTemplate("") == Str(""));
  CHECK(Render("${ {x}") == "${ {x}");
  CHECK(Template().is_literal());
  CHECK(Template().text().empty());
}

TEST_CASE("Template with one whole expression keeps its type", "[template]") {
  CHECK(EvalTemplate("${{ matrix.n }}") == Num(3));
  CHECK(EvalTemplate("  ${{ matrix.n }}\n") == Num(3));
  CHECK(EvalTemplate("${{true}}") == Value(true));
  CHECK(EvalTemplate("${{ null }}") == Value());
  CHECK(EvalTemplate("${{ vars.nested[0] }}") == Arr({Num(1), Num(2)}));
  CHECK_FALSE(ParseTemplate("${{ 1 }}")->is_literal());
}

TEST_CASE("Template with text around expressions builds a string", "[template]") {
  CHECK(EvalTemplate("img:${{ matrix.service }}") == Str("img:api"));
  CHECK(EvalTemplate("n=${{ matrix.n }}") == Str("n=3"));
  CHECK(EvalTemplate("${{ matrix.n }}${{ matrix.n }}") == Str("33"));
  CHECK(EvalTemplate("${{ 1 }} ${{ 2 }}") == Str("1 2"));
  CHECK(EvalTemplate("[${{ null }}|${{ true }}|${{ 2.5 }}|${{ matrix }}|${{ vars.list }}]") ==
        Str("[|true|2.5|Object|Array]"));
  CHECK(EvalTemplate("a ${{ 'x' }} b ${{ 'y' }} c") == Str("a x b y c"));
  CHECK(EvalTemplate("$${{ 'x' }}$") == Str("$x$"));
}

TEST_CASE("Template expressions may contain braces inside strings", "[template]") {
  CHECK(EvalTemplate("${{ '}}' }}") == Str("}}"));
  CHECK(EvalTemplate("<${{ format('{{{0}}}', 'x') }}>") == Str("<{x}>"));
  CHECK(EvalTemplate("${{ 'it''s }}' }}") == Str("it's }}"));
  CHECK(EvalTemplate("${{ '${{' }}") == Str("${{"));
}

TEST_CASE("Template::Render converts to a string", "[template]") {
  CHECK(Render("${{ matrix.n }}") == "3");
  CHECK(Render("${{ null }}") == "");
  CHECK(Render("${{ matrix }}") == "Object");
  CHECK(Render("${{ 1 == 1 }}") == "true");
  CHECK(Render("tag-${{ matrix.os }}") == "tag-Linux");
}

TEST_CASE("Template evaluation errors propagate", "[template]") {
  std::optional<Template> t = ParseTemplate("x ${{ format('{1}') }} y");
  Result<Value> value = t->Evaluate(FakeScope());
  REQUIRE_FALSE(value.ok());
  CHECK(Contains(value.status().message(), "format()"));
  Result<std::string> rendered = ParseTemplate("${{ fromJSON('x') }}")->Render(FakeScope());
  REQUIRE_FALSE(rendered.ok());
  CHECK(Contains(rendered.status().message(), "fromJSON()"));
}

TEST_CASE("Template parse errors are relative to the template", "[template]") {
  struct Case {
    const char* text;
    size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"abc ${{ matrix.x", 4, "expected '}}' to close '${{' at offset 4"},
      {"${{ 1 }} ${{", 9, "expected '}}' to close '${{' at offset 9"},
      {"${{", 0, "expected '}}' to close '${{' at offset 0"},
      {"${{ a }", 0, "expected '}}' to close '${{' at offset 0"},
      {"${{ 'abc }}", 4, "unterminated string"},
      {"${{ 'it''s }}", 4, "unterminated string"},
      {"${{ }}", 4, "empty expression"},
      {"ab${{}}", 5, "empty expression"},
      {"x ${{ a && }} y", 11, "expected an expression after '&&'"},
      {"${{ 1 }} and ${{ (a }}", 20, "expected ')' to close '(' at offset 17"},
      {"${{ a $ }}", 6, "unexpected character '$'"},
      {"${{ nope(1) }}", 4, "unknown function 'nope'"},
      {"${{ ${{ a }} }}", 4, "unexpected character '$'"},
  };
  for (const Case& c : cases) {
    INFO("template: " << c.text);
    ExprError error = TemplateError(c.text);
    CHECK(error.message == c.message);
    CHECK(error.offset == c.offset);
  }
}

TEST_CASE("Template::ForEachRef offsets point into the template text", "[template]") {
  const std::string text =
      "img:${{ matrix.service }}-${{needs.build-image.outputs['ref']}} ${{  x[y] }}";
  std::optional<Template> t = ParseTemplate(text);
  std::vector<ContextRef> refs;
  t->ForEachRef([&](const ContextRef& ref) { refs.push_back(ref); });
  REQUIRE(refs.size() == 4);
  CheckRef(refs[0], "matrix", {"service"}, 8);
  CheckRef(refs[1], "needs", {"build-image", "outputs", "ref"}, 29);
  CheckRef(refs[2], "x", {}, 69);
  CheckRef(refs[3], "y", {}, 71);
  for (const ContextRef& ref : refs) {
    CHECK(text.compare(ref.offset, ref.root.size(), ref.root) == 0);
  }
}

TEST_CASE("Template::ForEachRef on literal text reports nothing", "[template]") {
  int calls = 0;
  ParseTemplate("matrix.service")->ForEachRef([&](const ContextRef&) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("Template::UsesStatusFunction looks at every part", "[template]") {
  CHECK(ParseTemplate("${{ 1 }} ${{ failure() }}")->UsesStatusFunction());
  CHECK(ParseTemplate("${{ always() }}")->UsesStatusFunction());
  CHECK_FALSE(ParseTemplate("${{ 1 }} ${{ matrix.x }}")->UsesStatusFunction());
  CHECK_FALSE(ParseTemplate("success()")->UsesStatusFunction());
}

}  // namespace
}  // namespace taskr
