// Durations of the health plugin's parameters, written as pipeline.toml's
// task `timeout` is ("5s", "500ms", "1m30s", "1.5s"), and shown back the same way.
//
//   std::optional<std::chrono::milliseconds> d = ParseDuration("1m30s");  // 90000 ms
//   FormatDuration(std::chrono::milliseconds(90000));                     // "1m30s"
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace taskr::health {

/// kDurationPattern is the JSON Schema `pattern` of a duration parameter: one
/// or more number-unit pairs, the units ms, s, m and h. ParseDuration accepts
/// exactly these strings.
inline constexpr std::string_view kDurationPattern = "^([0-9]+([.][0-9]+)?(ms|s|m|h))+$";

/// ParseDuration reads number-unit pairs ("2s", "1m30s", "0.5s", "250ms");
/// nullopt for anything else, such as "5", "5 s" or "five seconds".
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// FormatDuration writes `d` as ParseDuration reads it: "250ms", "5s", "1.5s",
/// "2m", "1m30s", "1h5m".
std::string FormatDuration(std::chrono::milliseconds d);

/// FormatSeconds writes `d` in seconds with one decimal ("0.2s", "12.0s"), for
/// measured times.
std::string FormatSeconds(std::chrono::milliseconds d);

}  // namespace taskr::health
