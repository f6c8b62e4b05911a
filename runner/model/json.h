// JSON text read into taskr's Value: for fromJSON() in expressions and for the
// parameter schemas plugins declare. Writing JSON is Value::ToJson.
//
//   Result<Value> v = ParseJson(R"({"files": ["a.txt"], "level": 3})");
//   v->Get("level")->as_number();  // 3
#pragma once

#include <cstddef>
#include <string_view>

#include "runner/base/status.h"
#include "runner/model/value.h"

namespace taskr {

/// kMaxJsonDepth is how deeply ParseJson lets arrays and objects nest, so that
/// the recursive walks over a Value (copying, ToJson, destruction) cannot
/// exhaust the stack; real documents stay far below it.
inline constexpr size_t kMaxJsonDepth = 256;

/// ParseJson reads one JSON document (RFC 8259, surrounding whitespace allowed)
/// into a Value: objects become ValueObject (a repeated key keeps its last
/// value), arrays ValueArray and every number a double (integers beyond 2^53
/// round). Errors read "invalid JSON at byte N: ...", N counting from 1 (one
/// past the end for a truncated document), or "JSON is nested more than
/// <kMaxJsonDepth> levels deep".
Result<Value> ParseJson(std::string_view text);

}  // namespace taskr
