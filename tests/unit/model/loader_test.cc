#include "runner/model/loader.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

using Catch::Matchers::ContainsSubstring;
using taskr::LoadResult;
using taskr::ParsePipeline;

namespace {

// FirstError loads `text` and returns its first diagnostic as "line:col: message".
std::string FirstError(const std::string& text) {
  LoadResult r = ParsePipeline(text, "pipeline.toml");
  if (r.errors.empty()) return "no error";
  const auto& e = r.errors.front();
  return std::to_string(e.loc.line) + ":" + std::to_string(e.loc.column) + ": " + e.message;
}

}  // namespace

TEST_CASE("a full pipeline loads with every key", "[loader]") {
  LoadResult r = ParsePipeline(R"(
[project]
name = "platform"
[vars]
registry = "ghcr.io/acme"
[env]
GOFLAGS = "-mod=readonly"
[secrets]
REGISTRY_TOKEN = { env = "GITHUB_TOKEN", required = false }
[defaults]
shell = "sh -c"
[pipelines.deploy]
description = "Deploy"
inputs.environment = { choices = ["staging", "production"], default = "staging" }
tasks = ["deploy"]
[tasks.test]
run = "go test ./..."
inputs = ["**/*.go", "go.mod"]
outputs = ["coverage.out"]
timeout = "10m"
retries = 1
retry_delay = "2s"
env = { CGO_ENABLED = 0 }
cwd = "services/${{ matrix.service }}"
matrix = { service = ["api", "web"], go = ["1.21", "1.22"], exclude = [{ service = "web", go = "1.21" }] }
[tasks.deploy]
needs = ["test"]
uses = "helm.upgrade"
with = { release = "${{ inputs.environment }}" }
concurrency = "deploy-${{ inputs.environment }}"
allow_failure = true
if = "git.ref == 'refs/heads/main' || true"
)",
                               "pipeline.toml");
  INFO((r.errors.empty() ? "" : r.errors[0].message));
  REQUIRE(r.errors.empty());
  const auto& p = *r.pipeline;
  CHECK(p.project_name == "platform");
  CHECK(p.shell == std::vector<std::string>{"sh", "-c"});
  REQUIRE(p.tasks.size() == 2);
  const auto& test = p.tasks[0];
  CHECK(test.name == "test");
  CHECK(test.timeout == std::chrono::minutes(10));
  CHECK(test.retry_delay == std::chrono::seconds(2));
  CHECK(test.retries == 1);
  REQUIRE(test.matrix.size() == 2);
  CHECK(test.matrix[0].key == "service");  // declared order, not alphabetical
  CHECK(test.matrix_exclude.size() == 1);
  CHECK(test.env[0].name == "CGO_ENABLED");
  CHECK(test.env[0].value.text() == "0");
  const auto& deploy = p.tasks[1];
  CHECK(deploy.uses == "helm.upgrade");
  CHECK(deploy.allow_failure);
  REQUIRE(deploy.condition.has_value());
  CHECK_FALSE(deploy.condition->UsesStatusFunction());
  CHECK(p.pipelines[0].inputs[0].default_value == "staging");
  CHECK(p.secrets[0].env == "GITHUB_TOKEN");
  CHECK_FALSE(p.secrets[0].required);
}

TEST_CASE("each load error names its line, column and what was expected", "[loader]") {
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nneds = [\"b\"]\n") ==
        "3:1: unknown key 'neds' in [tasks.a]; did you mean 'needs'?");
  CHECK(FirstError("[taks.a]\nrun = \"x\"\n") ==
        "1:2: unknown key 'taks' in the top level; did you mean 'tasks'?");
  CHECK(FirstError("[tasks.a]\nrun = 5\n") ==
        "2:7: [tasks.a] run must be a string, not an integer");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\n[tasks.a]\nrun = \"y\"\n").starts_with("3:"));
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nneeds = [\"bulid\"]\n[tasks.build]\nrun = \"y\"\n") ==
        "3:10: [tasks.a] needs unknown task 'bulid'; did you mean 'build'?");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nuses = \"trivy\"\n") ==
        "3:8: [tasks.a] has both `run` and `uses`; a task does one or the other");
  CHECK(FirstError("[tasks.a]\ndescription = \"d\"\n") ==
        "1:8: [tasks.a] needs `run` (a shell script) or `uses` (a plugin)");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\ntimeout = \"ten minutes\"\n") ==
        "3:11: bad duration 'ten minutes' for timeout: write it like \"90s\", \"10m\", \"1h30m\" "
        "or \"500ms\"");
  CHECK(FirstError("[tasks.a]\nrun = \"echo ${{ matrix.os && }}\"\n") ==
        "2:30: in [tasks.a] run: expected an expression after '&&'");
  CHECK(
      FirstError("[tasks.a]\nmatrix = { os = [\"linux\"] }\nrun = \"echo ${{ matrix.oss }}\"\n") ==
      "3:17: in [tasks.a] run: unknown matrix key 'oss' (this task's matrix has: os); did you mean "
      "'os'?");
  CHECK(FirstError(
            "[tasks.a]\nrun = \"x\"\nneeds = [\"c\"]\n[tasks.c]\nrun = \"y\"\nneeds = [\"a\"]\n") ==
        "3:10: dependency cycle: a -> c -> a");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nneeds = [\"a\"]\n") == "3:10: [tasks.a] needs itself");
}

TEST_CASE("expressions are checked against the contexts they read", "[loader]") {
  CHECK(FirstError("[tasks.a]\nrun = \"${{ gti.sha }}\"\n") ==
        "2:12: in [tasks.a] run: unknown context 'gti'; did you mean 'git'?");
  CHECK(FirstError("[tasks.a]\nrun = \"${{ git.sah }}\"\n") ==
        "2:12: in [tasks.a] run: unknown git field 'sah'; did you mean 'sha'?");
  CHECK(FirstError("[vars]\nregistry = \"r\"\n[tasks.a]\nrun = \"${{ vars.registy }}\"\n") ==
        "4:12: in [tasks.a] run: unknown variable 'registy': [vars] has no such key; did you mean "
        "'registry'?");
  CHECK(FirstError("[tasks.a]\nrun = \"${{ needs.b.outputs.x }}\"\n[tasks.b]\nrun = \"y\"\n") ==
        "2:12: in [tasks.a] run: needs.b refers to a task this task does not need; add 'b' to its "
        "needs");
  CHECK(FirstError("[tasks.a]\nrun = \"${{ inputs.env }}\"\n") ==
        "2:12: in [tasks.a] run: unknown input 'env': no pipeline declares it");
  CHECK(FirstError("[env]\nX = \"${{ matrix.os }}\"\n[tasks.a]\nrun = \"y\"\n") ==
        "2:10: in [env] X: 'matrix' is only available inside a task");
  CHECK(FirstError("[tasks.a]\nrun = \"${{ failure() }}\"\n") ==
        "2:7: in [tasks.a] run: success(), failure(), always() and cancelled() may only be used in "
        "`if`");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nif = \"${{ failur() }}\"\n")
            .starts_with("3:11: in `if`: "));
  // Multi-line strings map offsets onto later lines.
  CHECK(FirstError("[tasks.a]\nrun = '''\necho one\necho ${{ matrix.x }}\n'''\n") ==
        "4:10: in [tasks.a] run: unknown matrix key 'x': this task has no matrix");
}

TEST_CASE("matrix, pipelines and inputs are validated", "[loader]") {
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nmatrix = { os = [] }\n") ==
        "3:17: matrix key 'os' must be a non-empty array of values");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nmatrix = { os = [\"a\", \"a\"] }\n") ==
        "3:23: matrix key 'os' lists \"a\" twice");
  CHECK(FirstError(
            "[tasks.a]\nrun = \"x\"\nmatrix = { os = [\"a\"], exclude = [{ oss = \"a\" }] }\n") ==
        "3:37: unknown matrix key 'oss' in exclude; did you mean 'os'?");
  CHECK(FirstError("[pipelines.ci]\ntasks = [\"lnt\"]\n[tasks.lint]\nrun = \"x\"\n") ==
        "2:10: pipeline 'ci' lists unknown task 'lnt'; did you mean 'lint'?");
  CHECK(FirstError("[pipelines.ci]\ndescription = \"d\"\n[tasks.lint]\nrun = \"x\"\n") ==
        "1:12: [pipelines.ci] needs a `tasks` list naming the tasks it runs");
  CHECK(FirstError("[pipelines.d]\ntasks = [\"a\"]\ninputs.env = { choices = [\"x\"], default = "
                   "\"y\" }\n[tasks.a]\nrun = \"x\"\n") ==
        "3:43: default 'y' of [pipelines.d] input 'env' is not one of its choices (x)");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nretries = -1\n") ==
        "3:11: retries must be a whole number from 0 to 100");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nenv = { TASKR_OUTPUT = \"f\" }\n") ==
        "3:9: [tasks.a] env: taskr sets TASKR_OUTPUT for every task; choose another name");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nallow_failure = \"yes\"\n") ==
        "3:17: allow_failure must be true or false, not a string");
}

TEST_CASE("TOML syntax errors keep their position", "[loader]") {
  CHECK(FirstError("[tasks.a]\nrun = \"x\nneeds = 1\n").starts_with("2:"));
  LoadResult r = ParsePipeline("[tasks.a]\nrun = \"x\"\nneds = 1\n", "ci/pipeline.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(taskr::FormatDiagnostic(r.errors[0], r.source) ==
        "ci/pipeline.toml:3:1: error: unknown key 'neds' in [tasks.a]; did you mean 'needs'?\n"
        "    3 | neds = 1\n"
        "      | ^\n");
}

TEST_CASE("durations read the usual forms", "[loader]") {
  using namespace std::chrono;
  CHECK(taskr::ParseDuration("90s") == milliseconds(90'000));
  CHECK(taskr::ParseDuration("10m") == milliseconds(600'000));
  CHECK(taskr::ParseDuration("1h30m") == milliseconds(5'400'000));
  CHECK(taskr::ParseDuration("500ms") == milliseconds(500));
  CHECK(taskr::ParseDuration("2.5s") == milliseconds(2'500));
  CHECK(taskr::ParseDuration("30") == milliseconds(30'000));
  CHECK_FALSE(taskr::ParseDuration("").has_value());
  CHECK_FALSE(taskr::ParseDuration("10 m").has_value());
  CHECK_FALSE(taskr::ParseDuration("1d").has_value());
  CHECK_FALSE(taskr::ParseDuration("5s3").has_value());
}

TEST_CASE("report keys sarif, export and links are validated", "[loader]") {
  CHECK(FirstError("[tasks.a]\nuses = \"p\"\nsarif = \"x.sarif\"\n") ==
        "3:9: [tasks.a] sarif is for `run` tasks; a plugin reports its findings itself");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nsarif = \"/tmp/x.sarif\"\n") ==
        "3:9: [tasks.a] sarif must be relative to the workspace");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nsarif = \"${{ matrix.nope }}.sarif\"\n") != "no error");
  CHECK(FirstError("[tasks.a]\nrun = \"x\"\nexport = 3\n") ==
        "3:10: [tasks.a] export must be a string or an array of strings, not an integer");
  CHECK(FirstError("[pipelines.p]\ntasks = [\"a\"]\nlinks = [{ title = \"t\" }]\n"
                   "[tasks.a]\nrun = \"x\"\n") ==
        "3:10: [pipelines.p] link needs both title and url");
  CHECK(FirstError("[pipelines.p]\ntasks = [\"a\"]\nlinks = [{ title = \"t\", url = \"u\", "
                   "iff = \"x\" }]\n[tasks.a]\nrun = \"x\"\n") ==
        "3:36: unknown key 'iff' in [pipelines.p] link; did you mean 'if'?");
  CHECK(FirstError("[pipelines.p]\ntasks = [\"a\"]\nlinks = [{ title = \"t\", url = "
                   "\"${{ success() }}\" }]\n[tasks.a]\nrun = \"x\"\n") != "no error");
  LoadResult ok = ParsePipeline(
      "[pipelines.p]\ntasks = [\"a\"]\n[[pipelines.p.links]]\ntitle = \"Roll back\"\n"
      "url = \"https://x\"\nif = \"${{ failure() }}\"\n[tasks.a]\nrun = \"x\"\nexport = true\n"
      "sarif = \"out/${{ env.NAME }}.sarif\"\n",
      "pipeline.toml");
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.pipeline->pipelines[0].links.size() == 1);
  CHECK(ok.pipeline->pipelines[0].links[0].condition.has_value());
  CHECK(ok.pipeline->tasks[0].export_all);
  CHECK(ok.pipeline->tasks[0].sarif == "out/${{ env.NAME }}.sarif");
}
