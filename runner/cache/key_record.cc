#include "runner/cache/key_record.h"

#include <fmt/core.h>

#include <map>

#include "runner/base/digest.h"

namespace taskr {

namespace {

std::string Escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Describe turns a fact name into words: "input:src/a.c" -> "input src/a.c".
std::string Describe(std::string_view name) {
  size_t colon = name.find(':');
  if (colon == std::string_view::npos) return std::string(name);
  return fmt::format("{} {}", name.substr(0, colon), name.substr(colon + 1));
}

}  // namespace

void KeyRecord::Add(std::string name, std::string_view value) {
  facts_.emplace_back(std::move(name), Escape(value));
}

std::string KeyRecord::Text() const {
  std::string out(kKeySchema);
  out += '\n';
  for (const auto& [name, value] : facts_) {
    out += name;
    out += '\t';
    out += value;
    out += '\n';
  }
  return out;
}

std::string KeyRecord::Key() const { return Sha256Hex(Text()); }

Result<KeyRecord> KeyRecord::Parse(std::string_view text) {
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, nl) != kKeySchema) {
    return Status::Error("not a taskr key record (or one from another version)");
  }
  text.remove_prefix(nl + 1);
  KeyRecord r;
  while (!text.empty()) {
    nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return Status::Error("malformed key record line");
    r.facts_.emplace_back(std::string(line.substr(0, tab)), std::string(line.substr(tab + 1)));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return r;
}

std::vector<std::string> DiffRecords(const KeyRecord& before, const KeyRecord& after) {
  std::map<std::string, std::string> old_facts(before.facts().begin(), before.facts().end());
  std::map<std::string, std::string> new_facts(after.facts().begin(), after.facts().end());
  std::vector<std::string> changes;
  for (const auto& [name, value] : new_facts) {
    auto it = old_facts.find(name);
    if (it == old_facts.end()) {
      changes.push_back(Describe(name) + " added");
    } else if (it->second != value) {
      changes.push_back(Describe(name) + " changed");
    }
  }
  for (const auto& [name, value] : old_facts) {
    if (!new_facts.contains(name)) changes.push_back(Describe(name) + " removed");
  }
  return changes;
}

}  // namespace taskr
