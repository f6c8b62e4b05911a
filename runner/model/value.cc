#include "runner/model/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

namespace taskr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimWhitespace(std::string_view s) {
  constexpr std::string_view kWhitespace = " \t\n\r\f\v";
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kWhitespace) - begin + 1);
}

/// ParseRadix parses non-empty `digits` in base 8 or 16; NaN on any other character.
double ParseRadix(std::string_view digits, int base) {
  double n = 0;
  for (char c : digits) {
    int digit = base;
    if (IsDigit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    }
    if (digit >= base) return kNaN;
    n = n * base + digit;
  }
  return n;
}

/// ParseDecimal parses `[+-] digits [. digits] [(e|E) [+-] digits]`, where one of
/// the integer and fraction parts may be empty; NaN for anything else.
double ParseDecimal(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const size_t mantissa = i;
  size_t digits = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && IsDigit(s[i]); ++i) ++digits;
  }
  if (digits == 0) return kNaN;
  bool negative_exponent = false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
    const size_t exponent = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == exponent) return kNaN;
  }
  if (i != s.size()) return kNaN;

  double value = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data() + mantissa, end, value);
  if (ec == std::errc::result_out_of_range) {
    // .NET, and so GitHub, saturates: 1e999 is Infinity and 1e-999 is 0.
    value = negative_exponent ? 0.0 : kInfinity;
  } else if (ec != std::errc() || ptr != end) {
    return kNaN;
  }
  return negative ? -value : value;
}

/// ParseNumber is GitHub's string-to-number coercion (JavaScript's Number()).
double ParseNumber(std::string_view text) {
  std::string_view s = TrimWhitespace(text);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return ParseRadix(s.substr(2), 16);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return ParseRadix(s.substr(2), 8);
  if (s == "Infinity") return kInfinity;
  if (s == "-Infinity") return -kInfinity;
  return ParseDecimal(s);
}

unsigned char UpperAscii(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<unsigned char>(c - 'a' + 'A')
                                : static_cast<unsigned char>(c);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
          *out += escaped;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

/// JsonWriter renders a Value as JSON; `indent` < 0 puts it on one line.
class JsonWriter {
 public:
  explicit JsonWriter(int indent) : indent_(indent) {}

  void Write(const Value& value, int depth) {
    switch (value.kind()) {
      case Value::Kind::kNull:
        out_ += "null";
        break;
      case Value::Kind::kBool:
        out_ += value.as_bool() ? "true" : "false";
        break;
      case Value::Kind::kNumber:
        // JSON has no NaN or Infinity; like nlohmann::json, write null.
        out_ += std::isfinite(value.as_number()) ? FormatNumber(value.as_number()) : "null";
        break;
      case Value::Kind::kString:
        AppendJsonString(value.as_string(), &out_);
        break;
      case Value::Kind::kArray:
        WriteArray(value.as_array(), depth);
        break;
      case Value::Kind::kObject:
        WriteObject(value.as_object(), depth);
        break;
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void WriteArray(const ValueArray& array, int depth) {
    out_ += '[';
    for (size_t i = 0; i < array.size(); ++i) {
      if (i > 0) out_ += ',';
      NewLine(depth + 1);
      Write(array[i], depth + 1);
    }
    if (!array.empty()) NewLine(depth);
    out_ += ']';
  }

  void WriteObject(const ValueObject& object, int depth) {
    out_ += '{';
    bool first = true;
    for (const auto& [key, member] : object) {
      if (!first) out_ += ',';
      first = false;
      NewLine(depth + 1);
      AppendJsonString(key, &out_);
      out_ += indent_ < 0 ? ":" : ": ";
      Write(member, depth + 1);
    }
    if (!object.empty()) NewLine(depth);
    out_ += '}';
  }

  void NewLine(int depth) {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(static_cast<size_t>(indent_) * static_cast<size_t>(depth), ' ');
  }

  int indent_;
  std::string out_;
};

}  // namespace

const Value* Value::Get(std::string_view key) const {
  if (!is_object()) return nullptr;
  const ValueObject& object = as_object();
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kNumber:
      return as_number() != 0 && !std::isnan(as_number());
    case Kind::kString:
      return !as_string().empty();
    case Kind::kArray:
    case Kind::kObject:
      return true;
  }
  return false;
}

double Value::ToNumber() const {
  switch (kind()) {
    case Kind::kNull:
      return 0;
    case Kind::kBool:
      return as_bool() ? 1 : 0;
    case Kind::kNumber:
      return as_number();
    case Kind::kString:
      return ParseNumber(as_string());
    case Kind::kArray:
    case Kind::kObject:
      return kNaN;
  }
  return kNaN;
}

std::string Value::ToString() const {
  switch (kind()) {
    case Kind::kNull:
      return "";
    case Kind::kBool:
      return as_bool() ? "true" : "false";
    case Kind::kNumber:
      return FormatNumber(as_number());
    case Kind::kString:
      return as_string();
    case Kind::kArray:
      return "Array";
    case Kind::kObject:
      return "Object";
  }
  return "";
}

std::string Value::ToJson(int indent) const {
  JsonWriter writer(indent);
  writer.Write(*this, 0);
  return writer.Take();
}

const char* Value::KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "unknown";
}

bool LooseEquals(const Value& a, const Value& b) {
  // NaN is unequal to everything, itself included, which == on doubles gives.
  if (a.kind() != b.kind()) return a.ToNumber() == b.ToNumber();
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kNumber:
      return a.as_number() == b.as_number();
    case Value::Kind::kString:
      return internal::CompareIgnoreCase(a.as_string(), b.as_string()) == 0;
    case Value::Kind::kArray:
      return &a.as_array() == &b.as_array();
    case Value::Kind::kObject:
      return &a.as_object() == &b.as_object();
  }
  return false;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kNumber:
      return a.as_number() == b.as_number();
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kArray:
      return a.as_array() == b.as_array();
    case Value::Kind::kObject:
      return a.as_object() == b.as_object();
  }
  return false;
}

std::string FormatNumber(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (std::trunc(n) == n && std::fabs(n) < 1e15) {
    return std::to_string(static_cast<long long>(n));
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), n);
  return std::string(buffer, result.ptr);
}

namespace internal {

int CompareIgnoreCase(std::string_view a, std::string_view b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    const unsigned char x = UpperAscii(a[i]);
    const unsigned char y = UpperAscii(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

}  // namespace internal
}  // namespace taskr
