// JsonText renders the JSON files taskr writes (report.json, trace.json,
// results.sarif) with every secret masked. Include it only from .cc files:
// it brings in nlohmann/json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runner/exec/contexts.h"

namespace taskr {

/// MaskJsonStrings masks every string and key of `j`. Masking only the text
/// would miss a secret holding a quote or a backslash, which JSON escapes.
inline void MaskJsonStrings(nlohmann::ordered_json& j, const Contexts& contexts) {
  if (j.is_string()) {
    j = contexts.Mask(j.get_ref<const std::string&>());
  } else if (j.is_array()) {
    for (auto& e : j) MaskJsonStrings(e, contexts);
  } else if (j.is_object()) {
    nlohmann::ordered_json masked = nlohmann::ordered_json::object();
    for (auto& [key, e] : j.items()) {
      MaskJsonStrings(e, contexts);
      masked[contexts.Mask(key)] = std::move(e);
    }
    j = std::move(masked);
  }
}

/// JsonText masks `j` (when `contexts` is given) and renders it; invalid UTF-8
/// from a tool's message becomes U+FFFD instead of an exception.
inline std::string JsonText(nlohmann::ordered_json j, const Contexts* contexts, int indent) {
  bool mask = contexts && !contexts->Masker().empty();
  if (mask) MaskJsonStrings(j, *contexts);
  std::string text = j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text += "\n";
  return mask ? contexts->Mask(text) : text;
}

}  // namespace taskr
