// Lets Catch2 print a taskr::Value in a failed assertion as "kind json".
#pragma once

#include <catch2/catch_tostring.hpp>
#include <string>

#include "runner/model/value.h"

namespace Catch {
template <>
struct StringMaker<taskr::Value> {
  static std::string convert(const taskr::Value& value) {
    return std::string(taskr::Value::KindName(value.kind())) + " " + value.ToJson(-1);
  }
};
}  // namespace Catch
