// taskr plugin new NAME: write a plugin project that builds against the
// installed SDK and whose unit test, on the plugin test kit, passes as written.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/cli/command.h"

namespace taskr {
namespace {

namespace fs = std::filesystem;

struct PluginNewGiven {
  std::string name;
  std::string dir;  // "": ./NAME
};

constexpr std::string_view kCMakeLists =
    R"tmpl(# @NAME@: a taskr plugin, written by `taskr plugin new @NAME@`.
#
#   cmake -S . -B build -DCMAKE_PREFIX_PATH=<taskr's prefix, e.g. /usr>
#   cmake --build build && ctest --test-dir build --output-on-failure
cmake_minimum_required(VERSION 3.16)
project(@NAME@ LANGUAGES CXX)

find_package(taskr-sdk 0.1 REQUIRED)  # headers and taskr_add_plugin(), from taskr's prefix
taskr_add_plugin(@NAME@ @NAME@.cc)    # builds taskr-@NAME@.so

# The action's unit test runs it in process through <taskr/testing.hpp>.
enable_testing()
add_executable(@NAME@_test @NAME@_test.cc)
target_link_libraries(@NAME@_test PRIVATE taskr::sdk)
target_compile_features(@NAME@_test PRIVATE cxx_std_17)
add_test(NAME @NAME@_test COMMAND @NAME@_test)
)tmpl";

constexpr std::string_view kHeader =
    R"tmpl(// @NAME@: a taskr plugin. Its action `greet` greets `name`, naming the
// machine it runs on, and publishes the greeting as the output `greeting`.
// The class is in a header so that the plugin (@NAME@.cc) and its unit test
// (@NAME@_test.cc) share it.
#pragma once

#include <taskr/sdk.hpp>

#include <string>

namespace @NS@ {

class @CLASS@ {
 public:
  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m;
    m.name = "@NAME@";  // must match the library's name: taskr-@NAME@.so
    m.version = "0.1.0";
    m.description = "Greets someone";

    taskr::sdk::ActionInfo greet;
    greet.name = "greet";
    greet.description = "Greet `name`, naming the machine it runs on";
    greet.pure = true;  // the same parameters give the same result: it may be cached
    greet.params = R"json({
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1, "default": "world",
                 "description": "who to greet"}
      },
      "additionalProperties": false
    })json";
    greet.outputs = {{"greeting", "the greeting it printed"}};
    m.actions.push_back(greet);
    return m;
  }

  void Run(taskr::sdk::Context& ctx) {
    taskr::sdk::RunOptions quiet;
    quiet.capture_only = true;  // we use the output; keep it out of the task log
    taskr::sdk::ProcessResult host = ctx.Run({"uname", "-n"}, quiet);
    if (!host.ok()) {
      throw taskr::sdk::Error("uname -n failed with exit code " + std::to_string(host.exit_code));
    }
    std::string machine = host.output.substr(0, host.output.find('\n'));
    std::string greeting = "hello, " + ctx.params()["name"].as_string() + ", from " + machine;
    ctx.Info(greeting);
    ctx.SetOutput("greeting", greeting);
  }
};

}  // namespace @NS@
)tmpl";

constexpr std::string_view kSource =
    R"tmpl(// The @NAME@ plugin's library: TASKR_PLUGIN exports the class to taskr.
#include "@NAME@.hpp"

TASKR_PLUGIN(@NS@::@CLASS@)
)tmpl";

constexpr std::string_view kTest =
    R"tmpl(// Unit tests of the @NAME@ plugin: each runs the action in process through
// the plugin test kit, with `uname` answered by a script instead of run.
#include <taskr/testing.hpp>

#include <cstdio>
#include <string>

#include "@NAME@.hpp"

namespace {

int failures = 0;

#define CHECK(condition)                                                    \
  do {                                                                      \
    if (!(condition)) {                                                     \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
                   #condition);                                             \
      ++failures;                                                           \
    }                                                                       \
  } while (false)

using Test = taskr::testing::PluginTest<@NS@::@CLASS@>;
using taskr::testing::Reply;

void GreetsByName() {
  Test test;
  test.OnRun({"uname", "-n"}, Reply{0, "build-box\n"});
  taskr::testing::ActionResult r = test.Run("greet", R"({"name": "taskr"})");
  CHECK(r.ok());
  CHECK(r.outputs["greeting"] == "hello, taskr, from build-box");
  CHECK(r.log == "hello, taskr, from build-box\n");
  CHECK(r.runs.size() == 1 && r.runs[0].capture_only);
}

void GreetsTheWorldByDefault() {
  Test test;
  test.OnRun({"uname"}, Reply{0, "build-box\n"});
  CHECK(test.Run("greet").outputs["greeting"] == "hello, world, from build-box");
}

void FailsWhenUnameFails() {
  Test test;
  test.OnRun({"uname"}, Reply{1, "uname: cannot get the name\n"});
  taskr::testing::ActionResult r = test.Run("greet");
  CHECK(!r.ok());
  CHECK(r.error == "uname -n failed with exit code 1");
  CHECK(r.outputs.empty());
}

}  // namespace

int main() {
  GreetsByName();
  GreetsTheWorldByDefault();
  FailsWhenUnameFails();
  std::printf("@NAME@_test: %s\n", failures == 0 ? "all checks passed" : "FAILED");
  return failures == 0 ? 0 : 1;
}
)tmpl";

constexpr std::string_view kReadme = R"tmpl(# @NAME@

A taskr plugin with one action, `greet`. Written by `taskr plugin new @NAME@`;
docs/plugin-authoring.md in taskr's repository is the guide.

Build it and run its unit test (taskr's prefix holds the SDK: `/usr` for the
Debian package, or wherever `cmake --install` put taskr):

```sh
cmake -S . -B build -DCMAKE_PREFIX_PATH=/usr
cmake --build build
ctest --test-dir build --output-on-failure
```

Use it from a pipeline.toml:

```toml
[plugins]
@NAME@ = "path/to/@NAME@/build/taskr-@NAME@.so"

[tasks.hello]
uses = "@NAME@.greet"
with = { name = "team" }

[tasks.after]
needs = ["hello"]
run = 'echo "${{ needs.hello.outputs.greeting }}"'
```
)tmpl";

// PascalCase turns "my-scan" into "MyScan".
std::string PascalCase(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string Fill(std::string_view text, std::string_view name) {
  std::string ns(name);
  for (char& c : ns) c = c == '-' ? '_' : c;
  std::vector<std::pair<std::string_view, std::string>> values = {
      {"@NAME@", std::string(name)}, {"@NS@", ns}, {"@CLASS@", PascalCase(name) + "Plugin"}};
  std::string out(text);
  for (const auto& [key, value] : values) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
      out.replace(at, key.size(), value);
  }
  return out;
}

bool ValidName(std::string_view name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-')
      return false;
  }
  return name.back() != '-';
}

int New(const PluginNewGiven& given) {
  if (!ValidName(given.name)) {
    fmt::print(stderr,
               "taskr: plugin new {}: a plugin name is lowercase letters, digits and '-', "
               "starting with a letter (it becomes taskr-NAME.so and `uses = \"NAME\"`)\n",
               given.name);
    return kExitUsage;
  }
  fs::path dir = given.dir.empty() ? fs::path(given.name) : fs::path(given.dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    fmt::print(stderr,
               "taskr: plugin new: {} already exists and is not empty; nothing was written\n",
               dir.string());
    return kExitUsage;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    fmt::print(stderr, "taskr: plugin new: cannot create {}: {}\n", dir.string(), ec.message());
    return kExitInternal;
  }
  const std::string& n = given.name;
  std::vector<std::pair<std::string, std::string_view>> files = {{"CMakeLists.txt", kCMakeLists},
                                                                 {n + ".hpp", kHeader},
                                                                 {n + ".cc", kSource},
                                                                 {n + "_test.cc", kTest},
                                                                 {"README.md", kReadme}};
  for (const auto& [file, text] : files) {
    std::ofstream out(dir / file, std::ios::binary);
    out << Fill(text, n);
    if (!out.flush()) {
      fmt::print(stderr, "taskr: plugin new: cannot write {}\n", (dir / file).string());
      return kExitInternal;
    }
  }
  fmt::print(
      "wrote {0}/: CMakeLists.txt, {1}.hpp, {1}.cc, {1}_test.cc, README.md\n"
      "build and test it:\n"
      "  cmake -S {0} -B {0}/build -DCMAKE_PREFIX_PATH=<taskr's prefix, e.g. /usr>\n"
      "  cmake --build {0}/build && ctest --test-dir {0}/build --output-on-failure\n",
      dir.string(), n);
  return kExitOk;
}

}  // namespace

CommandRunner AddPluginCommand(CLI::App& app, const GlobalOptions&) {
  auto given = std::make_shared<PluginNewGiven>();
  auto* cmd = app.add_subcommand("plugin", "Create a plugin project (`plugin new NAME`)");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand(
      "new", "Write a plugin project: source, CMakeLists.txt and a unit test that passes");
  create->add_option("name", given->name, "the plugin's name: lowercase letters, digits and '-'")
      ->required();
  create->add_option("--dir", given->dir, "write into DIR (default: ./NAME); it must be empty")
      ->type_name("DIR");
  create->footer(
      "The project builds taskr-NAME.so against the installed SDK (find_package(taskr-sdk)) and\n"
      "a unit test that runs its action in process through <taskr/testing.hpp>.\n"
      "Example:\n"
      "  taskr plugin new hello\n"
      "  cmake -S hello -B hello/build -DCMAKE_PREFIX_PATH=/usr\n"
      "  cmake --build hello/build && ctest --test-dir hello/build");
  return [given] { return New(*given); };
}

}  // namespace taskr
