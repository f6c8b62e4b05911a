// The keys of pipeline.toml, one table per TOML table: each key's name, the
// type of its value and a one-sentence description (as docs/pipeline-reference.md
// says it). The loader checks unknown keys and wrong types against these
// tables, and `taskr schema` (model/pipeline_schema.h) writes them out as JSON
// Schema, so a key added here is accepted, checked and described at once.
//
//   const KeySpec* key = FindKey(kTaskTable, "timeout");  // key->type == KeyType::kDuration
//   for (const KeySpec& k : kProjectTable.keys) ...          // name, description
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace taskr {

struct TableSpec;

/// KeyType is what a key's value must be. Each type has one check in the
/// loader (with its message) and one JSON Schema in pipeline_schema.cc.
enum class KeyType {
  kAny,            // any TOML value
  kString,         // a string
  kBoolean,        // true or false
  kStrings,        // a string or an array of strings
  kDuration,       // whole seconds (an integer, 0 or more) or a string like "1h30m"
  kInteger,        // a whole number from KeySpec::minimum to KeySpec::maximum
  kShell,          // a string split on whitespace, or a non-empty array of strings
  kExport,         // true or false, or a string or an array of strings
  kEnvValue,       // a string, an integer, a float or a boolean
  kMatrixValues,   // a non-empty array of strings, numbers or booleans, none twice
  kTable,          // a table; KeySpec::table says what it holds
  kTables,         // an array of tables, each as KeySpec::table says
  kStringOrTable,  // a string, or a table as KeySpec::table says
};

/// KeySpec is one key of a table and what its value must be.
struct KeySpec {
  std::string_view name = {};  // "" for TableSpec::entry
  KeyType type;
  std::string_view description;      // one sentence, as docs/pipeline-reference.md says it
  const TableSpec* table = nullptr;  // kTable, kTables, kStringOrTable: the table's keys
  bool required = false;             // the loader reports a table without it
  std::string_view pattern = {};     // "" or an ECMAScript regex a string value must match
  std::string_view needs = {};       // "" or a key the table must also have for this one
  int64_t minimum = 0;               // kInteger: the smallest value allowed
  int64_t maximum = 0;               // kInteger: the largest value allowed
};

/// TableSpec is a TOML table: the keys it accepts, or, for a table of named
/// entries such as [tasks], what each entry holds.
struct TableSpec {
  std::string_view title;              // how the schema names it: "[tasks.<name>]"; "" for none
  std::span<const KeySpec> keys = {};  // the keys it accepts; any other is an error unless `entry`
  const KeySpec* entry = nullptr;      // non-null: any other key is an entry, as `entry` says
  std::string_view entry_names = {};   // "" or the ECMAScript regex entry names must match
  std::span<const std::string_view> exactly_one_of = {};  // keys of which a table has exactly one
  std::span<const std::string_view> reserved = {};        // entry names that are errors
};

/// The tables of pipeline.toml, from the top level down.
extern const TableSpec kTopTable;
extern const TableSpec kProjectTable;
extern const TableSpec kVarsTable;
extern const TableSpec kEnvTable;
extern const TableSpec kSecretsTable;
extern const TableSpec kSecretTable;
extern const TableSpec kDefaultsTable;
extern const TableSpec kPipelinesTable;
extern const TableSpec kPipelineTable;
extern const TableSpec kInputsTable;
extern const TableSpec kInputTable;
extern const TableSpec kLinkTable;
extern const TableSpec kPluginsTable;
extern const TableSpec kPluginTable;
extern const TableSpec kTasksTable;
extern const TableSpec kTaskTable;
extern const TableSpec kMatrixTable;
extern const TableSpec kAnyTable;  // a table of anything: `with`, a matrix exclude entry

/// kReservedEnvNames are the variables taskr sets for every task, which [env]
/// and a task's env may not set.
inline constexpr std::string_view kReservedEnvNames[] = {
    "TASKR_OUTPUT", "TASKR_SUMMARY", "TASKR_TASK", "TASKR_WORKSPACE", "TASKR_RUN_DIR"};

/// kNamePattern is what names of tasks and matrix keys may be: ASCII letters,
/// digits, '_' and '-'.
inline constexpr std::string_view kNamePattern = "^[A-Za-z0-9_-]+$";

/// kDurationPattern matches exactly the strings ParseDuration (loader.h)
/// accepts: number-unit pairs ("1h30m", "1.5s", "500ms") or one bare number.
inline constexpr std::string_view kDurationPattern =
    R"(^(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?:ms|s|m|h))+$)"
    R"(|^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$)";

/// FindKey returns the key `name` of `table`, or nullptr when it has none.
const KeySpec* FindKey(const TableSpec& table, std::string_view name);

/// KeyNames lists the names of `table`'s keys, in table order (for "did you mean").
std::vector<std::string> KeyNames(const TableSpec& table);

}  // namespace taskr
