// End-to-end: the real taskr binary on fixture workspaces, real child processes.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::ProcessAlive;
using taskr::e2e::WaitExit;
using taskr::e2e::WaitFor;
using taskr::e2e::Workspace;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<pid_t> Pids(const std::string& text) {
  std::vector<pid_t> pids;
  std::istringstream in(text);
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

}  // namespace

TEST_CASE("a pipeline runs its tasks in dependency order and passes outputs on", "[e2e]") {
  Workspace ws(R"(
[pipelines.ci]
tasks = ["scan"]

[tasks.image]
matrix = { service = ["api", "web"] }
run = '''
echo "building ${{ matrix.service }}"
echo "ref=registry/${{ matrix.service }}@sha256:1" >> "$TASKR_OUTPUT"
'''

[tasks.scan]
needs = ["image"]
matrix = { service = ["api", "web"] }
run = 'echo "${{ matrix.service }} <- ${{ needs.image.outputs.ref }}" >> scanned.txt'
)");
  Outcome o = ws.Run({"run", "ci"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("ok        image[service=api]"));
  CHECK_THAT(o.out, ContainsSubstring("4 succeeded, 0 failed, 0 skipped"));
  // Matrix-linked needs: each scan instance sees its own image's output.
  std::string scanned = ws.Read("scanned.txt");
  CHECK_THAT(scanned, ContainsSubstring("api <- registry/api@sha256:1"));
  CHECK_THAT(scanned, ContainsSubstring("web <- registry/web@sha256:1"));
  CHECK(Count(scanned, "\n") == 2);
  // Full logs are kept per task.
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/image[service=web].log"),
             ContainsSubstring("building web"));
}

TEST_CASE("a broken pipeline.toml names file, line and column, exits 2 and runs nothing", "[e2e]") {
  Workspace ws(R"([tasks.build]
run = "touch ran"
neds = ["x"]
)");
  Outcome o = ws.Run({"run", "build"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(
      o.err,
      ContainsSubstring(
          "pipeline.toml:3:1: error: unknown key 'neds' in [tasks.build]; did you mean 'needs'?"));
  CHECK_THAT(o.err, ContainsSubstring("nothing was run"));
  CHECK_FALSE(ws.Exists("ran"));
}

TEST_CASE("a dependency cycle is reported with its whole path", "[e2e]") {
  Workspace ws(R"([tasks.a]
run = "true"
needs = ["c"]
[tasks.b]
run = "true"
needs = ["a"]
[tasks.c]
run = "true"
needs = ["b"]
)");
  Outcome o = ws.Run({"validate"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err,
             ContainsSubstring("pipeline.toml:3:10: error: dependency cycle: a -> c -> b -> a"));
}

TEST_CASE("fail-fast stops running tasks and starts nothing new", "[e2e]") {
  Workspace ws(R"(
[tasks.fails]
run = "sleep 0.2; echo boom; exit 3"
[tasks.slow]
run = "sleep 20; touch slow-finished"
[tasks.after]
needs = ["slow"]
run = "touch after-ran"
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "fails", "after", "--jobs", "2"});
  CHECK(Seconds(start) < 10);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    fails"));
  CHECK_THAT(o.out, ContainsSubstring("exit code 3"));
  CHECK_THAT(o.out, ContainsSubstring("cancelled slow"));
  CHECK_THAT(o.out, ContainsSubstring("stopped: fails failed"));
  CHECK_THAT(o.out, ContainsSubstring("cancelled after"));
  CHECK_THAT(o.out, ContainsSubstring("failed: fails: exit code 3\n  boom"));
  CHECK_THAT(o.out, ContainsSubstring("0 succeeded, 1 failed, 0 skipped, 2 cancelled"));
  CHECK_FALSE(ws.Exists("slow-finished"));
  CHECK_FALSE(ws.Exists("after-ran"));
}

TEST_CASE("keep-going (--keep-going) runs everything that does not depend on the failure",
          "[e2e]") {
  Workspace ws(R"(
[tasks.fails]
run = "exit 1"
[tasks.downstream]
needs = ["fails"]
run = "touch downstream-ran"
[tasks.slow]
run = "sleep 0.5; touch slow-finished"
[tasks.after]
needs = ["slow"]
run = "touch after-ran"
)");
  Outcome o = ws.Run({"run", "downstream", "after", "--keep-going", "--jobs", "2"});
  CHECK(o.exit_code == 1);
  CHECK(ws.Exists("slow-finished"));
  CHECK(ws.Exists("after-ran"));
  CHECK_FALSE(ws.Exists("downstream-ran"));
  CHECK_THAT(o.out, ContainsSubstring("skipped   downstream"));
  CHECK_THAT(o.out, ContainsSubstring("needs did not succeed: fails failed"));
  CHECK_THAT(o.out, ContainsSubstring("2 succeeded, 1 failed, 1 skipped"));
}

TEST_CASE("a rollback with if failure() runs only when what it needs failed", "[e2e]") {
  const char* pipeline = R"(
[pipelines.deploy]
tasks = ["deploy", "rollback"]
[tasks.deploy]
run = "test -f deploy-should-pass"
[tasks.rollback]
needs = ["deploy"]
if = "${{ failure() }}"
run = "touch rolled-back"
[tasks.notify]
needs = ["deploy"]
if = "${{ always() }}"
run = "echo ${{ needs.deploy.result }} > notified"
)";
  SECTION("deploy fails: rollback runs, the run still fails") {
    Workspace ws(pipeline);
    Outcome o = ws.Run({"run", "deploy", "notify"});
    CHECK(o.exit_code == 1);
    CHECK(ws.Exists("rolled-back"));
    CHECK(ws.Read("notified") == "failure\n");
    CHECK_THAT(o.out, ContainsSubstring("ok        rollback"));
  }
  SECTION("deploy succeeds: rollback is skipped") {
    Workspace ws(pipeline);
    ws.Write("deploy-should-pass", "");
    Outcome o = ws.Run({"run", "deploy", "notify"});
    CHECK(o.exit_code == 0);
    CHECK_FALSE(ws.Exists("rolled-back"));
    CHECK(ws.Read("notified") == "success\n");
    CHECK_THAT(o.out, ContainsSubstring("skipped   rollback"));
    CHECK_THAT(o.out, ContainsSubstring("if: failure() was false"));
  }
}

TEST_CASE("allow_failure reports a failure but keeps the run green", "[e2e]") {
  Workspace ws(R"(
[tasks.scan]
run = "echo 2 HIGH findings; exit 1"
allow_failure = true
[tasks.report]
needs = ["scan"]
run = "touch reported"
)");
  Outcome o = ws.Run({"run", "report"});
  CHECK(o.exit_code == 0);
  CHECK(ws.Exists("reported"));
  CHECK_THAT(o.out, ContainsSubstring("allowed   scan"));
  CHECK_THAT(o.out, ContainsSubstring("exit code 1 (allow_failure)"));
  CHECK_THAT(o.out, ContainsSubstring("1 succeeded, 0 failed, 1 allowed to fail, 0 skipped"));
}

TEST_CASE("a timeout kills the task's whole process group, grandchildren included", "[e2e]") {
  Workspace ws(R"(
[tasks.hang]
run = '''
sleep 60 &
echo $! > grandchild.pid
echo $$ > child.pid
sleep 60
'''
timeout = "1s"
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "hang"});
  CHECK(Seconds(start) < 8);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    hang"));
  CHECK_THAT(o.out, ContainsSubstring("timed out after 1s"));
  auto pids = Pids(ws.Read("grandchild.pid") + " " + ws.Read("child.pid"));
  REQUIRE(pids.size() == 2);
  for (pid_t pid : pids) CHECK_FALSE(ProcessAlive(pid));
}

TEST_CASE("a task that ignores SIGTERM is killed after the grace period", "[e2e]") {
  Workspace ws(R"(
[tasks.stubborn]
run = '''
trap '' TERM
echo $$ > child.pid
while true; do sleep 0.1; done
'''
timeout = "500ms"
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "stubborn"}, {"TASKR_KILL_GRACE=1s"});
  CHECK(Seconds(start) < 6);
  CHECK_THAT(o.out, ContainsSubstring("timed out after 500ms"));
  CHECK_FALSE(ProcessAlive(Pids(ws.Read("child.pid")).at(0)));
}

TEST_CASE("retries run a failing task again with backoff", "[e2e]") {
  Workspace ws(R"(
[tasks.flaky]
run = '''
n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
echo "attempt $n"
test $n -ge 3
'''
retries = 2
retry_delay = "100ms"
[tasks.hopeless]
run = "echo nope; exit 4"
retries = 1
retry_delay = "50ms"
)");
  SECTION("succeeds on the third attempt") {
    Outcome o = ws.Run({"run", "flaky"});
    CHECK(o.exit_code == 0);
    CHECK(ws.Read("count") == "3\n");
    CHECK(Count(o.out, "retry     flaky") == 2);
    CHECK_THAT(o.out, ContainsSubstring("attempt 1 failed (exit code 1); retrying in 0.1s"));
    CHECK_THAT(o.out, ContainsSubstring("attempt 2 failed (exit code 1); retrying in 0.2s"));
    CHECK_THAT(o.out, ContainsSubstring("after 3 attempts"));
    std::string log = ws.Read(".taskr/runs/latest/logs/flaky.log");
    CHECK_THAT(
        log,
        ContainsSubstring(
            "attempt 1\n--- attempt 2 of 3 ---\nattempt 2\n--- attempt 3 of 3 ---\nattempt 3"));
  }
  SECTION("fails after its last attempt") {
    Outcome o = ws.Run({"run", "hopeless"});
    CHECK(o.exit_code == 1);
    CHECK_THAT(o.out, ContainsSubstring("FAILED    hopeless"));
    CHECK_THAT(o.out, ContainsSubstring("exit code 4, after 2 attempts"));
  }
}

TEST_CASE("a concurrency group serialises tasks, across two taskr processes too", "[e2e]") {
  Workspace ws(R"(
[tasks.deploy]
matrix = { n = [1, 2, 3] }
concurrency = "prod"
run = '''
echo "start $TASKR_TASK $PPID" >> ledger
sleep 0.3
echo "end $TASKR_TASK $PPID" >> ledger
'''
)");
  pid_t a = ws.Start({"run", "deploy", "--jobs", "3"}, "a");
  pid_t b = ws.Start({"run", "deploy", "--jobs", "3"}, "b");
  CHECK(WaitExit(a) == 0);
  CHECK(WaitExit(b) == 0);
  std::istringstream ledger(ws.Read("ledger"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(ledger, line);) lines.push_back(line);
  REQUIRE(lines.size() == 12);
  // Never two holders at once: every start is followed by its own end.
  for (size_t i = 0; i < lines.size(); i += 2) {
    INFO(ws.Read("ledger"));
    REQUIRE(lines[i].rfind("start ", 0) == 0);
    CHECK(lines[i + 1] == "end " + lines[i].substr(6));
  }
  // In one process, the group is FIFO: the instances run in order.
  std::string first_process = lines[0].substr(lines[0].rfind(' '));
  std::vector<std::string> order;
  for (const auto& line : lines) {
    if (line.rfind("start ", 0) == 0 && line.ends_with(first_process))
      order.push_back(line.substr(6, 10));
  }
  CHECK(order == std::vector<std::string>{"deploy[n=1", "deploy[n=2", "deploy[n=3"});
}

TEST_CASE("taskr processes waiting for a concurrency group are served first come, first served",
          "[e2e]") {
  Workspace ws(R"(
[tasks.a]
concurrency = "prod"
run = "touch a-started; sleep 1; echo a >> ledger"
[tasks.b]
concurrency = "prod"
run = "echo b >> ledger"
[tasks.c]
concurrency = "prod"
run = "echo c >> ledger"
)");
  pid_t a = ws.Start({"run", "a"}, "a");
  REQUIRE(WaitFor(ws, "a-started", 10));
  pid_t b = ws.Start({"run", "b"}, "b");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  pid_t c = ws.Start({"run", "c"}, "c");
  CHECK(WaitExit(a) == 0);
  CHECK(WaitExit(b) == 0);
  CHECK(WaitExit(c) == 0);
  CHECK(ws.Read("ledger") == "a\nb\nc\n");
  CHECK_THAT(
      ws.Read("c.out"),
      ContainsSubstring("c: waiting for concurrency group 'prod', held by another taskr process"));
}

TEST_CASE("fail-fast cancels every task queued for a concurrency group", "[e2e]") {
  Workspace ws(R"(
[tasks.deploy]
matrix = { region = ["eu", "us", "ap"] }
concurrency = "prod"
run = "sleep 5; touch deployed-${{ matrix.region }}"
[tasks.fails]
run = "sleep 0.3; exit 1"
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "deploy", "fails", "--jobs", "4"});
  CHECK(Seconds(start) < 4);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("cancelled deploy[region=eu]"));
  CHECK_THAT(o.out, ContainsSubstring("stopped: fails failed"));
  CHECK(Count(o.out, "not started: fails failed") == 2);
  CHECK_THAT(o.out, ContainsSubstring("0 succeeded, 1 failed, 0 skipped, 3 cancelled"));
}

TEST_CASE("Ctrl-C stops every task, leaves no orphan and exits 130", "[e2e]") {
  Workspace ws(R"(
[tasks.server]
run = '''
sleep 120 &
echo $! >> pids
echo $$ >> pids
touch started-server
wait
'''
[tasks.build]
run = '''
echo $$ >> pids
touch started-build
sleep 120
'''
[tasks.later]
needs = ["build"]
run = "touch later-ran"
[tasks.cleanup]
needs = ["build"]
if = "${{ always() }}"
run = "echo ${{ needs.build.result }} > cleaned"
)");
  pid_t taskr = ws.Start({"run", "server", "later", "cleanup", "--jobs", "2"}, "run");
  REQUIRE(WaitFor(ws, "started-server", 10));
  REQUIRE(WaitFor(ws, "started-build", 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(taskr, SIGINT);
  auto start = std::chrono::steady_clock::now();
  CHECK(WaitExit(taskr) == 130);
  CHECK(Seconds(start) < 5);
  auto pids = Pids(ws.Read("pids"));
  REQUIRE(pids.size() == 3);
  for (pid_t pid : pids) CHECK_FALSE(ProcessAlive(pid));
  CHECK_FALSE(ws.Exists("later-ran"));
  // Like GitHub on a cancelled run, an always() task still runs after the first Ctrl-C.
  CHECK(ws.Read("cleaned") == "cancelled\n");
  std::string out = ws.Read("run.out");
  CHECK_THAT(out, ContainsSubstring("taskr: SIGINT: stopping 2 running tasks"));
  CHECK_THAT(out, ContainsSubstring("(interrupted)"));
}

TEST_CASE("a dry run (--dry-run) prints waves and skipped tasks and runs nothing", "[e2e]") {
  Workspace ws(R"(
[vars]
registry = "ghcr.io/acme"
[pipelines.release]
tasks = ["push", "rollback"]
[tasks.test]
run = "touch ran"
[tasks.image]
matrix = { service = ["api", "web"] }
needs = ["test"]
run = "build ${{ vars.registry }}/${{ matrix.service }}"
[tasks.push]
needs = ["image"]
run = "touch ran"
[tasks.rollback]
needs = ["push"]
if = "${{ failure() }}"
run = "touch ran"
)");
  Outcome o = ws.Run({"run", "release", "--dry-run", "--jobs", "4"});
  CHECK(o.exit_code == 0);
  CHECK(o.out ==
        "taskr: dry run of pipeline release — 5 tasks, 4 jobs; nothing is run\n"
        "wave 1 (1 task):\n"
        "  test                touch ran\n"
        "wave 2 (2 tasks):\n"
        "  image[service=api]  build ghcr.io/acme/api\n"
        "  image[service=web]  build ghcr.io/acme/web\n"
        "wave 3 (1 task):\n"
        "  push                touch ran\n"
        "not run (1):\n"
        "  rollback            if: failure() (runs only when a need fails)\n");
  CHECK_FALSE(ws.Exists("ran"));
  CHECK_FALSE(ws.Exists(".taskr/runs"));
}

TEST_CASE("pipeline inputs take defaults, --input values and check choices", "[e2e]") {
  Workspace ws(R"(
[pipelines.deploy]
inputs.environment = { choices = ["staging", "production"], default = "staging" }
tasks = ["deploy"]
[tasks.deploy]
run = "echo ${{ inputs.environment }} > target"
)");
  CHECK(ws.Run({"run", "deploy"}).exit_code == 0);
  CHECK(ws.Read("target") == "staging\n");
  CHECK(ws.Run({"run", "deploy", "--input", "environment=production"}).exit_code == 0);
  CHECK(ws.Read("target") == "production\n");
  CHECK(ws.Run({"run", "-i", "environment=staging", "deploy"}).exit_code == 0);
  CHECK(ws.Read("target") == "staging\n");
  Outcome bad = ws.Run({"run", "deploy", "--input", "environment=prod"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err,
             ContainsSubstring("--input environment=prod: must be one of staging, production"));
}

TEST_CASE("an unknown target is a usage error with a suggestion", "[e2e]") {
  Workspace ws("[tasks.build]\nrun = \"true\"\n");
  Outcome o = ws.Run({"run", "biuld"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, ContainsSubstring("no pipeline or task named 'biuld'; did you mean 'build'?"));
}

TEST_CASE("taskr finds pipeline.toml upward, or takes -C and -f", "[e2e]") {
  Workspace ws("[tasks.where]\nrun = \"pwd > where.txt\"\n");
  ws.Write("sub/dir/.keep", "");
  Outcome from_sub = ws.Run({"-C", "sub/dir", "run", "where"});
  CHECK(from_sub.exit_code == 0);
  // Tasks run in the workspace root, the folder holding pipeline.toml.
  CHECK(ws.Read("where.txt") == ws.dir().string() + "\n");
  ws.Write("other/p.toml", "[tasks.x]\nrun = \"touch x-ran\"\n");
  CHECK(ws.Run({"-f", "other/p.toml", "run", "x"}).exit_code == 0);
  CHECK(ws.Exists("other/x-ran"));
  Outcome missing = ws.Run({"-C", "/", "list"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, ContainsSubstring("no pipeline.toml in / or any folder above it"));
}

TEST_CASE("list, graph and validate describe the pipeline", "[e2e]") {
  Workspace ws(R"(
[pipelines.ci]
description = "Pull-request checks"
tasks = ["scan"]
[tasks.image]
description = "Build images"
matrix = { service = ["api", "web"] }
run = "true"
[tasks.scan]
needs = ["image"]
matrix = { service = ["api", "web"] }
run = "true"
)");
  Outcome list = ws.Run({"list"});
  CHECK(list.exit_code == 0);
  CHECK(list.out ==
        "Pipelines:\n"
        "  ci     Pull-request checks (scan)\n"
        "Tasks:\n"
        "  image  Build images [matrix: service; 2 instances]\n"
        "  scan   [matrix: service; 2 instances]\n");
  Outcome dot = ws.Run({"graph", "ci"});
  CHECK_THAT(dot.out, ContainsSubstring("\"image[service=api]\" -> \"scan[service=api]\";"));
  CHECK(Count(dot.out, " -> ") == 2);
  Outcome mermaid = ws.Run({"graph", "--format", "mermaid"});
  CHECK_THAT(mermaid.out, ContainsSubstring("flowchart LR\n"));
  CHECK(Count(mermaid.out, " --> ") == 2);
  Outcome json = ws.Run({"graph", "--format", "json"});
  CHECK_THAT(json.out, ContainsSubstring("\"id\": \"scan[service=web]\""));
  Outcome valid = ws.Run({"validate"});
  CHECK(valid.exit_code == 0);
  CHECK(valid.out == "pipeline.toml: ok — 2 tasks (4 instances), 1 pipeline\n");
}

TEST_CASE("version and help (--version, --help) answer without a pipeline", "[e2e]") {
  Workspace ws("");
  Outcome v = ws.Run({"--version"});
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, ContainsSubstring("taskr "));
  Outcome h = ws.Run({"run", "--help"});
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, ContainsSubstring("--keep-going"));
  CHECK_THAT(h.out, ContainsSubstring("taskr run deploy --input environment=production"));
  Outcome bad = ws.Run({"run", "--jobs", "zero"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("failed tasks' log tails come last, root cause first", "[e2e]") {
  Workspace ws(R"(
[tasks.compile]
run = "for i in $(seq 1 30); do echo line $i; done; exit 2"
[tasks.package]
needs = ["compile"]
if = "${{ always() }}"
run = "echo cannot package; exit 5"
)");
  Outcome o = ws.Run({"run", "package", "--jobs", "1"});
  CHECK(o.exit_code == 1);
  size_t compile = o.out.find("failed: compile: exit code 2");
  size_t package = o.out.find("then failed: package: exit code 5");
  REQUIRE(compile != std::string::npos);
  REQUIRE(package != std::string::npos);
  CHECK(compile < package);
  CHECK_THAT(o.out, ContainsSubstring("… last 20 lines of"));
  CHECK_THAT(o.out, ContainsSubstring("  line 30\n"));
  CHECK(o.out.find("  line 10\n") == std::string::npos);
  // The summary is the last line.
  CHECK_THAT(o.out, ContainsSubstring("taskr: 0 succeeded, 2 failed, 0 skipped in"));
  CHECK(o.out.rfind("taskr: 0 succeeded") > package);
}

TEST_CASE("secrets are masked in console, logs and plans, and a missing required one stops the run",
          "[e2e]") {
  Workspace ws(R"(
[secrets]
TOKEN = { env = "MY_TOKEN" }
[env]
FROM_TOP = "${{ secrets.TOKEN }}"
[tasks.leak]
env = { T = "${{ secrets.TOKEN }}" }
run = 'test "$FROM_TOP" = hunter2-secret && echo "token is $T"; exit 1'
[tasks.plan]
run = "curl -H 'Authorization: Bearer ${{ secrets.TOKEN }}' https://example.com"
)");
  Outcome o = ws.Run({"run", "leak"}, {"MY_TOKEN=hunter2-secret"});
  CHECK(o.exit_code == 1);
  // The task saw the real value (the test passed), while every output is masked.
  CHECK_THAT(o.out, ContainsSubstring("token is ***"));
  CHECK(o.out.find("hunter2") == std::string::npos);
  CHECK(ws.Read(".taskr/runs/latest/logs/leak.log") == "token is ***\n");
  Outcome plan = ws.Run({"run", "plan", "--dry-run"}, {"MY_TOKEN=hunter2-secret"});
  CHECK_THAT(plan.out, ContainsSubstring("Authorization: Bearer ***"));
  CHECK(plan.out.find("hunter2") == std::string::npos);
  Outcome missing = ws.Run({"run", "leak"}, {"MY_TOKEN="});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err,
             ContainsSubstring("secret TOKEN is required: set the environment variable MY_TOKEN"));
}

TEST_CASE("NO_COLOR and a pipe give plain lines", "[e2e]") {
  Workspace ws("[tasks.a]\nrun = \"true\"\n");
  Outcome o = ws.Run({"run", "a"}, {"GITHUB_ACTIONS=true", "NO_COLOR=1"});
  CHECK(o.out.find('\x1b') == std::string::npos);
  Outcome colored = ws.Run({"run", "a"}, {"GITHUB_ACTIONS=true"});
  CHECK(colored.out.find("\x1b[32m") != std::string::npos);
}

TEST_CASE("every example pipeline validates and plans", "[e2e]") {
  for (const auto& entry : std::filesystem::directory_iterator(TASKR_SOURCE_DIR "/examples")) {
    std::filesystem::path file = entry.path() / "pipeline.toml";
    if (!std::filesystem::exists(file)) continue;
    Workspace ws("");
    INFO(file.string());
    Outcome valid = ws.Run({"-f", file.string(), "validate"});
    CHECK(valid.exit_code == 0);
    CHECK(valid.err.empty());
    Outcome plan = ws.Run({"-f", file.string(), "list"});
    CHECK(plan.exit_code == 0);
  }
}

TEST_CASE("a task that needs every instance of a matrix task sees the worst result", "[e2e]") {
  Workspace ws(R"(
[tasks.test]
matrix = { os = ["linux", "mac"] }
run = "test ${{ matrix.os }} = linux"
[tasks.report]
needs = ["test"]
if = "${{ always() }}"
run = "echo ${{ needs.test.result }} > result"
)");
  Outcome o = ws.Run({"run", "report", "--keep-going"});
  CHECK(o.exit_code == 1);
  CHECK(ws.Read("result") == "failure\n");
}

TEST_CASE("taskr's run folder is ignored by git, so git.dirty stays false", "[e2e]") {
  Workspace ws("[tasks.dirty]\nrun = \"echo ${{ git.dirty }} >> dirty.txt\"\n");
  auto git = [&](const std::string& args) {
    return std::system(("cd '" + ws.dir().string() + "' && git -c user.name=t -c user.email=t@e " +
                        args + " >/dev/null 2>&1")
                           .c_str());
  };
  REQUIRE(git("init -q -b main") == 0);
  ws.Write(".gitignore", "dirty.txt\n.stdout-*\n.stderr-*\n");
  REQUIRE(git("add pipeline.toml .gitignore") == 0);
  REQUIRE(git("commit -q -m init") == 0);
  CHECK(ws.Run({"run", "dirty"}).exit_code == 0);
  CHECK(ws.Run({"run", "dirty"}).exit_code == 0);
  CHECK(ws.Read("dirty.txt") == "false\nfalse\n");
  CHECK(ws.Read(".taskr/.gitignore") == "*\n");
}

TEST_CASE("validate rejects a pipeline whose selector matches no instance", "[e2e]") {
  Workspace ws(R"([pipelines.ci]
tasks = ["image[service=nope]"]
[tasks.image]
matrix = { service = ["api"] }
run = "true"
)");
  Outcome o = ws.Run({"validate"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:1:12: error: pipeline 'ci': no instance of "
                                      "'image' matches image[service=nope]"));
  Outcome jobs = ws.Run({"run", "image", "-j", "0"});
  CHECK(jobs.exit_code == 2);
  CHECK_THAT(jobs.err, ContainsSubstring("--jobs: Value 0 not in range 1 to 4096"));
}

TEST_CASE("output is captured without loss, stdout and stderr merged in order", "[e2e]") {
  Workspace ws(R"(
[tasks.loud]
run = "seq 1 200000; echo to-stderr >&2; echo done"
)");
  Outcome o = ws.Run({"run", "loud"});
  CHECK(o.exit_code == 0);
  std::string log = ws.Read(".taskr/runs/latest/logs/loud.log");
  CHECK(Count(log, "\n") == 200002);
  CHECK(log.starts_with("1\n2\n3\n"));
  CHECK(log.ends_with("199999\n200000\nto-stderr\ndone\n"));
}

TEST_CASE("outside a git repository the git context is empty", "[e2e]") {
  Workspace ws(R"(
[tasks.g]
run = "echo '[${{ git.sha }}][${{ git.branch }}][${{ git.dirty }}]' > git.txt"
)");
  if (std::system(("git -C '" + ws.dir().string() + "' rev-parse >/dev/null 2>&1").c_str()) == 0) {
    SKIP("the temporary folder is inside a git repository");
  }
  Outcome o = ws.Run({"run", "g"});
  CHECK(o.exit_code == 0);
  CHECK(ws.Read("git.txt") == "[][][false]\n");
}
