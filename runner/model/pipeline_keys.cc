#include "runner/model/pipeline_keys.h"

#include <algorithm>

namespace taskr {
namespace {

// A key's description is the sentence docs/pipeline-reference.md gives it in
// the "Meaning" or "Summary" column of its table; keys that no table lists
// (entries such as a task, link keys, plugin keys) say in one sentence what the
// page says of them in prose.

constexpr KeySpec kProjectKeys[] = {
    {"name", KeyType::kString, "The project's name."},
    {"description", KeyType::kString, "One line about the project."},
};

constexpr KeySpec kVarEntry = {"", KeyType::kAny,
                               "A named value for expressions, read with ${{ vars.<name> }}; any "
                               "TOML type, taken as written."};

constexpr KeySpec kEnvEntry = {"", KeyType::kEnvValue,
                               "An environment variable: a string, which may hold ${{ }} "
                               "expressions, or a number or boolean, which becomes a string."};

constexpr KeySpec kSecretKeys[] = {
    {"env", KeyType::kString, "The environment variable to read."},
    {"required", KeyType::kBoolean, "Whether the run stops when the variable is unset or empty."},
    {"description", KeyType::kString, "Documentation only."},
};

constexpr KeySpec kSecretEntry = {
    "", KeyType::kStringOrTable,
    "A secret: the name of the environment variable that holds it (then it is required), or a "
    "table like { env = \"TOKEN\", required = false }.",
    &kSecretTable};

constexpr KeySpec kDefaultsKeys[] = {
    {.name = "shell",
     .type = KeyType::kShell,
     .description = "The program and arguments that run a task's script.",
     .pattern = R"(\S)"},
};

constexpr KeySpec kInputKeys[] = {
    {"description", KeyType::kString, "Documentation."},
    {"choices", KeyType::kStrings, "The values allowed."},
    {"default", KeyType::kString, "The value when `--input` does not set it."},
    {"required", KeyType::kBoolean, "Whether running the pipeline needs `--input <name>=…`."},
};

constexpr KeySpec kInputEntry = {
    "", KeyType::kTable, "A pipeline input, set on the command line with `--input <name>=<value>`.",
    &kInputTable};

constexpr KeySpec kLinkKeys[] = {
    {.name = "title",
     .type = KeyType::kString,
     .description = "The link's text; may hold expressions.",
     .required = true},
    {.name = "url",
     .type = KeyType::kString,
     .description = "Where the link points; may hold expressions.",
     .required = true},
    {"if", KeyType::kString,
     "Show the link only when this is true; success() and failure() say how the whole run went."},
};

constexpr KeySpec kPipelineKeys[] = {
    {"description", KeyType::kString, "Shown by `taskr list`."},
    {.name = "tasks",
     .type = KeyType::kStrings,
     .description = "Task names or instance selectors.",
     .required = true},
    {"inputs", KeyType::kTable, "Values given on the command line with `--input`.", &kInputsTable},
    {"links", KeyType::kTables, "Action links at the top of the job summary.", &kLinkTable},
};

constexpr KeySpec kPipelineEntry = {
    "", KeyType::kTable,
    "A pipeline: a named set of tasks; running it runs the listed tasks and everything they need.",
    &kPipelineTable};

constexpr KeySpec kPluginKeys[] = {
    {.name = "path",
     .type = KeyType::kString,
     .description = "The plugin library; a relative path starts at the workspace root.",
     .required = true,
     .pattern = "."},
    {.name = "sha256",
     .type = KeyType::kString,
     .description =
         "The SHA-256 of the file, 64 hex digits; taskr refuses a file whose digest differs.",
     .pattern = "^[0-9A-Fa-f]{64}$"},
};

constexpr KeySpec kPluginEntry = {
    .type = KeyType::kStringOrTable,
    .description =
        "A plugin library named explicitly: its path, or a table like "
        "{ path = \"plugins/x.so\", sha256 = \"…\" }.",
    .table = &kPluginTable,
    .pattern = "."};

constexpr KeySpec kMatrixKeys[] = {
    {"exclude", KeyType::kTables,
     "Combinations to leave out: one is left out when it has all the key-value pairs of any one "
     "entry.",
     &kAnyTable},
};

constexpr KeySpec kMatrixEntry = {
    "", KeyType::kMatrixValues,
    "A matrix key and the values it takes; the task runs once per combination."};

constexpr KeySpec kTaskKeys[] = {
    {"description", KeyType::kString, "Shown by `taskr list`."},
    {"run", KeyType::kString, "The shell script."},
    {"uses", KeyType::kString, "A plugin action, `plugin` or `plugin.action`."},
    {.name = "with",
     .type = KeyType::kTable,
     .description = "Plugin parameters.",
     .table = &kAnyTable,
     .needs = "uses"},
    {.name = "shell",
     .type = KeyType::kShell,
     .description = "Program that runs `run`.",
     .pattern = R"(\S)"},
    {"needs", KeyType::kStrings, "Tasks that must finish first."},
    {"env", KeyType::kTable, "Environment variables.", &kEnvTable},
    {"cwd", KeyType::kString, "Working directory."},
    {"timeout", KeyType::kDuration, "Time limit per attempt."},
    {.name = "retries",
     .type = KeyType::kInteger,
     .description = "Extra attempts after a failure.",
     .minimum = 0,
     .maximum = 100},
    {"retry_delay", KeyType::kDuration, "Wait before the first retry; doubles."},
    {"if", KeyType::kString, "Condition to run."},
    {"matrix", KeyType::kTable, "Run one instance per combination.", &kMatrixTable},
    {"allow_failure", KeyType::kBoolean, "A failure does not fail the run."},
    {"inputs", KeyType::kStrings, "Input globs: their content is part of the cache key."},
    {"outputs", KeyType::kStrings, "Output paths or globs: stored in and restored from the cache."},
    {"cache", KeyType::kBoolean, "`false`: never cache this task."},
    {"concurrency", KeyType::kString, "Group name; one task per group at a time."},
    {.name = "sarif",
     .type = KeyType::kString,
     .description = "A SARIF file the `run` script writes; merged into the run's findings.",
     .pattern = "^(?!/)",
     .needs = "run"},
    {"export", KeyType::kExport, "Outputs to publish in `$GITHUB_OUTPUT`."},
};

constexpr std::string_view kRunOrUses[] = {"run", "uses"};

constexpr KeySpec kTaskEntry = {
    "", KeyType::kTable,
    "A task: a shell script (`run`) or a plugin action (`uses`), with what it needs.", &kTaskTable};

constexpr KeySpec kAnyEntry = {"", KeyType::kAny, ""};

constexpr KeySpec kTopKeys[] = {
    {"project", KeyType::kTable, "The project's name and a line about it.", &kProjectTable},
    {"vars", KeyType::kTable, "Named values for expressions, read with ${{ vars.<name> }}.",
     &kVarsTable},
    {"env", KeyType::kTable, "Environment variables for every task.", &kEnvTable},
    {"secrets", KeyType::kTable,
     "Values read from environment variables when the run starts, used through "
     "${{ secrets.<NAME> }} and replaced with *** in everything tasks print.",
     &kSecretsTable},
    {"defaults", KeyType::kTable, "Defaults for every task.", &kDefaultsTable},
    {"pipelines", KeyType::kTable, "Named sets of tasks to run.", &kPipelinesTable},
    {"plugins", KeyType::kTable,
     "Plugin libraries named explicitly, by path, optionally pinned to a SHA-256 of the file.",
     &kPluginsTable},
    {"tasks", KeyType::kTable, "One table per task.", &kTasksTable},
};

}  // namespace

constinit const TableSpec kTopTable = {"pipeline.toml", kTopKeys};
constinit const TableSpec kProjectTable = {"[project]", kProjectKeys};
constinit const TableSpec kVarsTable = {"[vars]", {}, &kVarEntry};
constinit const TableSpec kEnvTable = {"env", {}, &kEnvEntry, "", {}, kReservedEnvNames};
constinit const TableSpec kSecretsTable = {"[secrets]", {}, &kSecretEntry};
constinit const TableSpec kSecretTable = {"[secrets.<NAME>]", kSecretKeys};
constinit const TableSpec kDefaultsTable = {"[defaults]", kDefaultsKeys};
constinit const TableSpec kPipelinesTable = {"[pipelines]", {}, &kPipelineEntry};
constinit const TableSpec kPipelineTable = {"[pipelines.<name>]", kPipelineKeys};
constinit const TableSpec kInputsTable = {"inputs", {}, &kInputEntry};
constinit const TableSpec kInputTable = {"[pipelines.<name>] input", kInputKeys};
constinit const TableSpec kLinkTable = {"[pipelines.<name>] link", kLinkKeys};
constinit const TableSpec kPluginsTable = {"[plugins]", {}, &kPluginEntry};
constinit const TableSpec kPluginTable = {"[plugins] <name>", kPluginKeys};
constinit const TableSpec kTasksTable = {"[tasks]", {}, &kTaskEntry, kNamePattern};
constinit const TableSpec kTaskTable = {"[tasks.<name>]", kTaskKeys, nullptr, "", kRunOrUses};
constinit const TableSpec kMatrixTable = {"matrix", kMatrixKeys, &kMatrixEntry, kNamePattern};
constinit const TableSpec kAnyTable = {"", {}, &kAnyEntry};

const KeySpec* FindKey(const TableSpec& table, std::string_view name) {
  auto it = std::find_if(table.keys.begin(), table.keys.end(),
                         [&](const KeySpec& key) { return key.name == name; });
  return it == table.keys.end() ? nullptr : &*it;
}

std::vector<std::string> KeyNames(const TableSpec& table) {
  std::vector<std::string> names;
  for (const KeySpec& key : table.keys) names.emplace_back(key.name);
  return names;
}

}  // namespace taskr
