#include "duration.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>

namespace taskr::health {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    // A number: digits, then optionally '.' and more digits.
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return std::nullopt;
    if (i < text.size() && text[i] == '.') {
      size_t fraction = ++i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      if (i == fraction) return std::nullopt;
    }
    double number = 0;
    std::from_chars(text.data() + start, text.data() + i, number);
    double scale = 0;
    if (text.substr(i, 2) == "ms") {
      scale = 1, i += 2;
    } else if (i < text.size() && text[i] == 's') {
      scale = 1000, ++i;
    } else if (i < text.size() && text[i] == 'm') {
      scale = 60'000, ++i;
    } else if (i < text.size() && text[i] == 'h') {
      scale = 3'600'000, ++i;
    } else {
      return std::nullopt;
    }
    total_ms += number * scale;
    // About 31 years: beyond any wait, and within steady_clock's nanoseconds.
    if (total_ms > 1e12) return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms + 0.5));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    char text[32];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(ms) / 1000);
    return std::string(text) + "s";
  }
  std::string out;
  if (ms >= 3'600'000) {
    out += std::to_string(ms / 3'600'000) + "h";
    ms %= 3'600'000;
  }
  if (ms >= 60'000) {
    out += std::to_string(ms / 60'000) + "m";
    ms %= 60'000;
  }
  if (ms > 0) out += FormatDuration(std::chrono::milliseconds(ms));
  return out;
}

std::string FormatSeconds(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(d.count()) / 1000);
  return text;
}

}  // namespace taskr::health
