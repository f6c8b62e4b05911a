// Value is the dynamic type of pipeline data: TOML values in `vars`, `matrix`
// and `with`, expression contexts, and expression results. Its coercions follow
// GitHub Actions' expression rules (see docs/pipeline-reference.md).
//
//   Value v = Value::MakeObject({{"branch", Value("main")}});
//   v.Get("branch")->ToString();  // "main"
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace taskr {

class Value;
using ValueArray = std::vector<Value>;
using ValueObject = std::map<std::string, Value, std::less<>>;

/// Value is null, a bool, a number, a string, an array or an object. Arrays and
/// objects are immutable and shared, so copying a Value is cheap.
class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;
  explicit Value(bool b) : data_(b) {}
  explicit Value(double n) : data_(n) {}
  explicit Value(int n) : data_(static_cast<double>(n)) {}
  explicit Value(std::string s) : data_(std::move(s)) {}
  explicit Value(const char* s) : data_(std::string(s)) {}
  explicit Value(std::string_view s) : data_(std::string(s)) {}
  explicit Value(ValueArray a) : data_(std::make_shared<const ValueArray>(std::move(a))) {}
  explicit Value(ValueObject o) : data_(std::make_shared<const ValueObject>(std::move(o))) {}

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_number() const { return kind() == Kind::kNumber; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  /// as_bool, as_number, as_string, as_array, as_object: the held value; the kind must match.
  bool as_bool() const { return std::get<bool>(data_); }
  double as_number() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ValueArray& as_array() const { return *std::get<std::shared_ptr<const ValueArray>>(data_); }
  const ValueObject& as_object() const {
    return *std::get<std::shared_ptr<const ValueObject>>(data_);
  }

  /// Get returns the member `key` of an object, or nullptr (also for non-objects).
  const Value* Get(std::string_view key) const;

  /// Truthy: false for null, false, 0, NaN and ""; true otherwise (arrays and objects too).
  bool Truthy() const;
  /// ToNumber coerces as GitHub does: null 0, bool 1/0, numeric strings parsed
  /// (trimmed, hex 0x, exponent), anything else NaN.
  double ToNumber() const;
  /// ToString renders for interpolation: null "", bools "true"/"false", integral
  /// numbers without a decimal point, arrays and objects as "Array"/"Object".
  std::string ToString() const;
  /// ToJson renders as JSON; `indent` < 0 gives one line.
  std::string ToJson(int indent = 2) const;
  /// KindName is "null", "boolean", "number", "string", "array" or "object".
  static const char* KindName(Kind kind);

  /// LooseEquals is GitHub's `==`: strings compare case-insensitively; differing
  /// kinds are compared as numbers; arrays and objects equal only themselves.
  friend bool LooseEquals(const Value& a, const Value& b);
  /// operator== is strict, structural equality (used for matrix values and tests).
  friend bool operator==(const Value& a, const Value& b);

  static Value MakeObject(ValueObject o) { return Value(std::move(o)); }
  static Value MakeArray(ValueArray a) { return Value(std::move(a)); }

 private:
  std::variant<std::monostate, bool, double, std::string, std::shared_ptr<const ValueArray>,
               std::shared_ptr<const ValueObject>>
      data_;
};

/// FormatNumber renders a number the way ToString does ("3", "2.5", "NaN", "Infinity").
std::string FormatNumber(double n);

namespace internal {
/// CompareIgnoreCase orders strings as GitHub's OrdinalIgnoreCase does: byte by
/// byte with ASCII letters upper-cased. Returns <0, 0 or >0.
int CompareIgnoreCase(std::string_view a, std::string_view b);
}  // namespace internal

}  // namespace taskr
