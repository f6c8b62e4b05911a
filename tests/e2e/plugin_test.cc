// End-to-end: the real taskr binary running the plugins of tests/plugins and
// tests/abi (built into TASKR_TEST_PLUGIN_DIR). Each misbehaving plugin must
// fail only its own task, named in the report with what happened, while an
// independent task beside it still succeeds; a plugin that cannot be loaded is
// refused before anything runs.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;

namespace {

const std::string kPluginDir = TASKR_TEST_PLUGIN_DIR;

std::string PluginPath(const std::string& name) { return kPluginDir + "/taskr-" + name + ".so"; }

// Plugins renders a [plugins] table naming each test plugin by its path.
std::string Plugins(std::initializer_list<const char*> names) {
  std::string out = "[plugins]\n";
  for (const char* name : names) out += std::string(name) + " = \"" + PluginPath(name) + "\"\n";
  return out + "\n";
}

// Beside renders a pipeline with task `broken` using `uses` and an
// independent `lint` task that writes lint.txt.
std::string Beside(const char* plugin, const std::string& uses, const std::string& extra = "") {
  return Plugins({plugin}) + "[tasks.broken]\nuses = \"" + uses + "\"\n" + extra +
         R"(
[tasks.lint]
run = 'sleep 0.2; echo linted > lint.txt'
)";
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// CheckIndependentTaskSucceeded: `lint` ran to the end despite the broken task.
void CheckIndependentTaskSucceeded(const Workspace& ws, const Outcome& o) {
  CHECK_THAT(o.out, ContainsSubstring("ok        lint"));
  CHECK_THAT(o.out, ContainsSubstring("1 succeeded, 1 failed"));
  CHECK(ws.Read("lint.txt") == "linted\n");
}

}  // namespace

TEST_CASE("a plugin that segfaults fails only its task, reported as a crash of that plugin",
          "[e2e][plugins]") {
  Workspace ws(Beside("segv", "segv"));
  Outcome o = ws.Run({"run", "--keep-going", "broken", "lint"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    broken"));
  CHECK_THAT(o.out, ContainsSubstring("failed: broken: plugin 'segv' crashed: SIGSEGV"));
  // What the plugin logged before it crashed is kept, on the console and in its log.
  CHECK_THAT(o.out, ContainsSubstring("segv: about to write through a null pointer"));
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/broken.log"),
             ContainsSubstring("segv: about to write through a null pointer"));
  CheckIndependentTaskSucceeded(ws, o);
}

TEST_CASE("a plugin that aborts fails only its task, reported as SIGABRT", "[e2e][plugins]") {
  Workspace ws(Beside("abort", "abort"));
  Outcome o = ws.Run({"run", "--keep-going", "broken", "lint"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("failed: broken: plugin 'abort' crashed: SIGABRT (abort)"));
  CHECK_THAT(o.out, ContainsSubstring("abort: calling std::abort()"));
  CheckIndependentTaskSucceeded(ws, o);
}

TEST_CASE("a plugin that throws fails its task with the exception's message", "[e2e][plugins]") {
  Workspace ws(Beside("throws", "throws"));
  Outcome o = ws.Run({"run", "--keep-going", "broken", "lint"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("failed: broken: plugin 'throws': disk on fire"));
  CHECK_THAT(o.out, ContainsSubstring("throws: about to throw"));
  // The exception never crossed the C boundary: the worker was not killed by a signal.
  CHECK_FALSE(ContainsSubstring("crashed").match(o.out));
  CheckIndependentTaskSucceeded(ws, o);
}

TEST_CASE(
    "a failed task's outputs reach later tasks, plugin or shell, as a failed GitHub step's do",
    "[e2e][plugins]") {
  Workspace ws(Plugins({"throws"}) + R"(
[tasks.broken]
uses = "throws"
allow_failure = true

[tasks.shell]
run = 'echo "partial=from the shell" >> "$TASKR_OUTPUT"; exit 3'
allow_failure = true

[tasks.after]
needs = ["broken", "shell"]
run = 'echo "${{ needs.broken.outputs.partial }} / ${{ needs.shell.outputs.partial }}" > after.txt'
)");
  Outcome o = ws.Run({"run", "after"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("allowed   broken"));
  CHECK(ws.Read("after.txt") == "set before the throw / from the shell\n");
}

TEST_CASE("a plugin that calls exit() in its action is told apart from a success",
          "[e2e][plugins]") {
  Workspace ws(Beside("exits", "exits") + R"(
[tasks.after]
needs = ["broken"]
run = 'touch after-ran'
)");
  Outcome o = ws.Run({"run", "--keep-going", "broken", "lint", "after"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("failed: broken: plugin 'exits' exited with code 7 in the "
                                      "middle of its action (did it call exit()?)"));
  CHECK_THAT(o.out, ContainsSubstring("exits: calling std::exit(7)"));
  CHECK_THAT(o.out, ContainsSubstring("ok        lint"));
  CHECK(ws.Read("lint.txt") == "linted\n");
  // What needs the broken task does not run.
  CHECK_FALSE(ws.Exists("after-ran"));
}

TEST_CASE("a plugin that hangs and ignores cancellation is stopped by the task's timeout",
          "[e2e][plugins]") {
  Workspace ws(Beside("hangs", "hangs", "timeout = \"2s\"\n"));
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "--keep-going", "broken", "lint"});
  double took = Seconds(start);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("failed: broken: plugin 'hangs' timed out after 2s"));
  CHECK_THAT(o.out, ContainsSubstring("hangs: sleeping forever"));
  CheckIndependentTaskSucceeded(ws, o);
  // 2s timeout, then SIGTERM (ignored by the plugin), then SIGKILL after the
  // default 5s grace.
  CHECK(took >= 2.0);
  CHECK(took < 20.0);
}

TEST_CASE("a plugin that floods stdout and the log still finishes and passes its outputs on",
          "[e2e][plugins]") {
  Workspace ws(Plugins({"floods"}) + R"(
[tasks.flood]
uses = "floods"

[tasks.lint]
run = 'sleep 0.2; echo linted > lint.txt'

[tasks.after]
needs = ["flood"]
run = 'echo "${{ needs.flood.outputs.bytes }} ${{ needs.flood.outputs.messages }}" > after.txt'
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "flood", "lint", "after"});
  double took = Seconds(start);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("3 succeeded, 0 failed"));
  CHECK(ws.Read("after.txt") == "52428800 20000\n");
  CHECK(ws.Read("lint.txt") == "linted\n");
  // Nothing was lost: 50 MiB of stdout and every one of the 20,000 messages.
  std::string log = ws.Read(".taskr/runs/latest/logs/flood.log");
  CHECK(log.size() >= 50u * 1024 * 1024);
  CHECK(Count(log, "floods: message ") == 20000);
  CHECK_THAT(log, ContainsSubstring("floods: message 20000\n"));
  CHECK(took < 60.0);
}

TEST_CASE("a well-behaved plugin gets its parameters with defaults and passes its output on",
          "[e2e][plugins]") {
  Workspace ws(Plugins({"good"}) + R"(
[tasks.twice]
uses = "good.echo"
with = { message = "hi there", count = 2 }

[tasks.once]
needs = ["twice"]  # both write echoed.txt
uses = "good"
with = { message = "${{ env.GREETING }}" }

[tasks.after]
needs = ["twice", "once"]
run = 'echo "${{ needs.twice.outputs.echoed }} / ${{ needs.once.outputs.echoed }}" > after.txt'
)");
  Outcome o = ws.Run({"run", "after"}, {"GREETING=from the environment"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("3 succeeded, 0 failed"));
  CHECK(Count(ws.Read(".taskr/runs/latest/logs/twice.log"), "hi there\n") == 2);
  // count defaults to 1; uses = "good" runs the default action, echo.
  CHECK(Count(ws.Read(".taskr/runs/latest/logs/once.log"), "from the environment\n") == 1);
  CHECK(ws.Read("after.txt") == "hi there / from the environment\n");
  CHECK(ws.Read("echoed.txt") == "from the environment\n");
}

TEST_CASE("a plugin's parameter schema is checked before anything runs", "[e2e][plugins]") {
  Workspace ws(Plugins({"good"}) + R"([tasks.missing]
uses = "good.echo"
with = { count = 2 }

[tasks.zero]
uses = "good.echo"
with = { message = "x", count = 0 }

[tasks.unknown]
uses = "good.shout"

[tasks.lint]
run = 'echo linted > lint.txt'
)");
  Outcome o = ws.Run({"run", "missing", "zero", "unknown", "lint"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:5:8: error: [tasks.missing] with: needs "
                                      "parameter 'message'"));
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:10:33: error: [tasks.zero] with.count: must "
                                      "be at least 1"));
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:13:8: error: [tasks.unknown] uses: plugin "
                                      "'good' has no action 'shout' (actions: echo)"));
  CHECK_THAT(o.err, ContainsSubstring("nothing was run"));
  CHECK_FALSE(ws.Exists("lint.txt"));
}

TEST_CASE("a plain C plugin built against the frozen ABI 1.0 header runs in this taskr",
          "[e2e][plugins][abi]") {
  Workspace ws(Plugins({"cplugin"}) + R"(
[tasks.stamp]
uses = "cplugin.stamp"

[tasks.after]
needs = ["stamp"]
run = 'echo "stamped ${{ needs.stamp.outputs.stamp }}" > after.txt'
)");
  Outcome o = ws.Run({"run", "after"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("2 succeeded, 0 failed"));
  CHECK(ws.Read("after.txt") == "stamped v1.0\n");
  std::string log = ws.Read(".taskr/runs/latest/logs/stamp.log");
  CHECK_THAT(log, ContainsSubstring("cplugin: stamping v1.0 from C"));
  // host->run_process streamed the child's output to the task log and to the plugin.
  CHECK_THAT(log, ContainsSubstring("from-c\n"));
  CHECK_THAT(log, ContainsSubstring("cplugin: the child said from-c"));

  Outcome info = ws.Run({"plugins", "info", "cplugin"});
  CHECK(info.exit_code == 0);
  CHECK_THAT(info.out, ContainsSubstring("stamp"));
}

TEST_CASE("plugins that cannot be loaded are refused before anything runs, each with its reason",
          "[e2e][plugins][abi]") {
  Workspace ws(Plugins({"badabi", "noentry", "nullcap", "notaplugin"}) + R"([tasks.future]
uses = "badabi"

[tasks.library]
uses = "noentry"

[tasks.liar]
uses = "nullcap"

[tasks.text]
uses = "notaplugin"

[tasks.lint]
run = 'echo linted > lint.txt'
)");
  Outcome o = ws.Run({"run", "future", "library", "liar", "text", "lint"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err,
             ContainsSubstring("pipeline.toml:8:8: error: [tasks.future] uses: plugin 'badabi': " +
                               PluginPath("badabi") +
                               ": built for plugin ABI 2.0, but this taskr speaks 1.0; "
                               "rebuild the plugin against this taskr's SDK"));
  CHECK_THAT(o.err, ContainsSubstring(
                        "pipeline.toml:11:8: error: [tasks.library] uses: plugin 'noentry': " +
                        PluginPath("noentry") +
                        ": not a taskr plugin: it exports no `taskr_plugin_entry`"));
  CHECK_THAT(o.err,
             ContainsSubstring("pipeline.toml:14:8: error: [tasks.liar] uses: plugin 'nullcap': " +
                               PluginPath("nullcap") +
                               ": declares the tool_identity capability but its "
                               "`tool_identity` function is NULL"));
  CHECK_THAT(o.err, ContainsSubstring(
                        "pipeline.toml:17:8: error: [tasks.text] uses: plugin 'notaplugin': " +
                        PluginPath("notaplugin") + ": cannot load the library"));
  CHECK_THAT(o.err, ContainsSubstring("invalid ELF header\n"));
  CHECK_THAT(o.err, ContainsSubstring("4 errors in pipeline.toml; nothing was run"));
  CHECK(o.out.empty());
  CHECK_FALSE(ws.Exists("lint.txt"));
  CHECK_FALSE(ws.Exists(".taskr/runs/latest"));

  // `taskr plugins` lists them anyway, each with why it cannot be used.
  Outcome list = ws.Run({"plugins"});
  CHECK(list.exit_code == 2);
  CHECK_THAT(list.out, ContainsSubstring("built for plugin ABI 2.0"));
  CHECK_THAT(list.out, ContainsSubstring("it exports no `taskr_plugin_entry`"));
}

TEST_CASE("the example of taskr plugins info passes taskr validate for every first-party plugin",
          "[e2e][plugins]") {
  for (const char* plugin : {"checksum", "docker-buildx", "trivy", "syft-sbom", "health"}) {
    INFO(plugin);
    Workspace ws("");
    Outcome info = ws.Run({"plugins", "info", plugin});
    REQUIRE(info.exit_code == 0);
    size_t at = info.out.find("\nExample:\n");
    REQUIRE(at != std::string::npos);
    std::string example = info.out.substr(at + 10);
    CHECK_THAT(example, ContainsSubstring("uses = \""));
    // Pasted as printed (indented by two spaces, which TOML allows).
    ws.Write("pipeline.toml", example);
    Outcome validate = ws.Run({"validate"});
    INFO(example << validate.err);
    CHECK(validate.exit_code == 0);
  }
}
