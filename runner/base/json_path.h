// Defensive reads from nlohmann JSON written by other tools (SARIF logs,
// reports): a missing member or one of the wrong type gives the fallback.
// Only .cc files that already parse JSON include this; it brings in nlohmann/json.
//
//   std::string tool = JsonStringAt(run, {"tool", "driver", "name"});
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace taskr {

/// JsonFind returns member `key` of `j`, or null when `j` is not an object or lacks it.
inline const nlohmann::ordered_json* JsonFind(const nlohmann::ordered_json& j,
                                              std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

/// JsonStringAt follows `path` through objects; "" unless it ends at a string.
inline std::string JsonStringAt(const nlohmann::ordered_json& j,
                                std::initializer_list<std::string_view> path) {
  const nlohmann::ordered_json* at = &j;
  for (std::string_view key : path) {
    at = JsonFind(*at, key);
    if (!at) return "";
  }
  return at->is_string() ? at->get<std::string>() : "";
}

/// JsonNumberAt follows `path`; a number, or a string that reads as one, else `fallback`.
inline double JsonNumberAt(const nlohmann::ordered_json& j,
                           std::initializer_list<std::string_view> path, double fallback) {
  const nlohmann::ordered_json* at = &j;
  for (std::string_view key : path) {
    at = JsonFind(*at, key);
    if (!at) return fallback;
  }
  if (at->is_number()) return at->get<double>();
  if (at->is_string()) {
    try {
      return std::stod(at->get<std::string>());
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

}  // namespace taskr
