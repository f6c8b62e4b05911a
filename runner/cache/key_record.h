// KeyRecord is the canonical list of facts a task's cache key hashes: one
// "name<TAB>value" line each, in the order they were added. The key is the
// SHA-256 of the text. Keeping the record lets a later miss say what changed.
//
//   KeyRecord r;
//   r.Add("command", script);
//   r.Add("input:src/main.c", digest);
//   std::string key = r.Key();
//   for (const std::string& change : DiffRecords(previous, r)) ...
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/base/status.h"

namespace taskr {

/// kKeySchema changes whenever the facts a key covers change meaning.
inline constexpr std::string_view kKeySchema = "taskr-cache-key-1";

/// KeyRecord collects the facts of one cache key.
class KeyRecord {
 public:
  /// Add appends a fact; names should be unique. Tabs and newlines in values
  /// are escaped so every fact stays on one line.
  void Add(std::string name, std::string_view value);
  const std::vector<std::pair<std::string, std::string>>& facts() const { return facts_; }
  /// Text is the canonical record, starting with a schema line.
  std::string Text() const;
  /// Key is the lowercase hex SHA-256 of Text().
  std::string Key() const;
  /// Parse reads Text() back.
  static Result<KeyRecord> Parse(std::string_view text);

 private:
  std::vector<std::pair<std::string, std::string>> facts_;
};

/// DiffRecords names what differs between two records of the same task, one
/// line per fact, grouped as the console shows them: "input src/a.c changed",
/// "env GOFLAGS changed", "input src/new.c added", "need build changed".
std::vector<std::string> DiffRecords(const KeyRecord& before, const KeyRecord& after);

}  // namespace taskr
