// End-to-end: what a run reports. GitHub mode (GITHUB_ACTIONS=true with temp
// files for GITHUB_STEP_SUMMARY and GITHUB_OUTPUT) is checked command by
// command; every SARIF file is checked against the SARIF 2.1.0 schema with
// the npm validator in tests/tools; secrets are looked for in every file.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;
namespace fs = std::filesystem;

namespace {

const std::string kPluginDir = TASKR_TEST_PLUGIN_DIR;

std::string Plugins(std::initializer_list<const char*> names) {
  std::string out = "[plugins]\n";
  for (const char* name : names)
    out += std::string(name) + " = \"" + kPluginDir + "/taskr-" + name + ".so\"\n";
  return out + "\n";
}

// GitHubEnv is the environment of a workflow step, with its files in `ws`.
std::vector<std::string> GitHubEnv(const Workspace& ws, std::vector<std::string> more = {}) {
  std::vector<std::string> env = {
      "GITHUB_ACTIONS=true",
      "GITHUB_STEP_SUMMARY=" + (ws.dir() / "step-summary.md").string(),
      "GITHUB_OUTPUT=" + (ws.dir() / "github-output.txt").string(),
      "GITHUB_WORKSPACE=" + ws.dir().string(),
      "GITHUB_SERVER_URL=https://github.com",
      "GITHUB_REPOSITORY=acme/shop",
      "GITHUB_RUN_ID=4242",
      "GITHUB_RUN_ATTEMPT=1",
      "TASKR_CACHE_DIR=" + (ws.dir() / "cache-store").string(),
      "NO_COLOR=1",
  };
  env.insert(env.end(), more.begin(), more.end());
  return env;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> LinesStartingWith(const std::string& text, std::string_view prefix) {
  std::vector<std::string> out;
  for (auto& line : Lines(text)) {
    if (line.starts_with(prefix)) out.push_back(line);
  }
  return out;
}

// ParseGitHubOutput reads an env file the way the runner does (heredoc form).
std::map<std::string, std::string> ParseGitHubOutput(const std::string& text) {
  std::map<std::string, std::string> out;
  std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t heredoc = lines[i].find("<<");
    REQUIRE(heredoc != std::string::npos);
    std::string name = lines[i].substr(0, heredoc), delimiter = lines[i].substr(heredoc + 2);
    std::string value;
    size_t j = i + 1;
    for (; j < lines.size() && lines[j] != delimiter; ++j)
      value += (j > i + 1 ? "\n" : "") + lines[j];
    REQUIRE(j < lines.size());  // "Matching delimiter not found"
    out[name] = value;
    i = j;
  }
  return out;
}

// ValidateSarif runs the SARIF 2.1.0 schema validator on `file`.
void ValidateSarif(const fs::path& file) {
  std::string command = std::string(TASKR_VALIDATE_SARIF) + " '" + file.string() + "' 2>&1";
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, p)) output.append(buffer, n);
  int status = pclose(p);
  INFO(output);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

nlohmann::json ReadJson(const Workspace& ws, const fs::path& relative) {
  std::string text = ws.Read(relative);
  REQUIRE(!text.empty());
  return nlohmann::json::parse(text);
}

}  // namespace

TEST_CASE("GitHub mode: masks come first and every task gets one group when it finishes") {
  Workspace ws(R"(
[secrets]
TOKEN = { env = "DEPLOY_TOKEN" }
[pipelines.ci]
tasks = ["talk", "quiet"]
[tasks.talk]
run = "echo hello from talk; echo second line"
[tasks.quiet]
run = "true"
)");
  Outcome o = ws.Run({"run", "ci", "--jobs", "1"}, GitHubEnv(ws, {"DEPLOY_TOKEN=tok-123456"}));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::vector<std::string> lines = Lines(o.out);
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "::add-mask::tok-123456");
  CHECK_THAT(o.out, ContainsSubstring("::group::ok talk (") &&
                        ContainsSubstring(")\nhello from talk\nsecond line\n::endgroup::\n"));
  // A task that printed nothing gets a plain line, never an empty group.
  CHECK(Count(o.out, "::group::") == 1);
  CHECK(Count(o.out, "::endgroup::") == 1);
  CHECK_THAT(o.out, ContainsSubstring("\nok quiet ("));
}

TEST_CASE("GitHub mode: a failure is annotated on its task and its log is replayed at the end") {
  Workspace ws(R"([pipelines.ci]
tasks = ["deploy"]
[tasks.build]
run = "echo 'compiling: 100%, done'; echo 'error: a,b:c' >&2; exit 2"
[tasks.unrelated]
run = "echo fine"
[tasks.deploy]
needs = ["build", "unrelated"]
run = "echo never"
)");
  Outcome o = ws.Run({"run", "ci", "--keep-going"}, GitHubEnv(ws));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 1);
  // The annotation points at the task's table in pipeline.toml, escaped by GitHub's rules.
  CHECK_THAT(o.out, ContainsSubstring("::error file=pipeline.toml,line=3,title=build failed::exit "
                                      "code 2%0Acompiling: 100%25, done%0Aerror: a,b:c\n"));
  // The log comes again after every group, with workflow commands switched off.
  auto stop = o.out.find("::stop-commands::taskr-");
  REQUIRE(stop != std::string::npos);
  CHECK(o.out.rfind("::endgroup::") < stop);
  std::string token = o.out.substr(stop + 17, o.out.find('\n', stop) - stop - 17);
  std::string replay = o.out.substr(stop);
  CHECK_THAT(replay, ContainsSubstring("failed: build: exit code 2\ncompiling: 100%, done\n"
                                       "error: a,b:c\n::" +
                                       token + "::\n"));
  CHECK_THAT(o.out, ContainsSubstring("skipped deploy — needs did not succeed: build failed"));
}

TEST_CASE("findings of one rule with different help texts: SARIF keeps the first, and says so") {
  Workspace ws(Plugins({"findings"}) + R"([tasks.scan]
uses = "findings.report"
with = { count = 3, level = "warning", file = "src/a.c", one_rule = true }
)");
  Outcome o = ws.Run({"run", "scan"});
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  CHECK_THAT(o.err, ContainsSubstring("taskr: warning: scan: findings of rule FIND-1 carry "
                                      "different help texts; results.sarif keeps one per rule, "
                                      "the first one's\n"));
  CHECK(Count(o.err, "different help texts") == 1);
  auto log = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  REQUIRE(log["runs"][0]["tool"]["driver"]["rules"].size() == 1);
  CHECK(log["runs"][0]["tool"]["driver"]["rules"][0]["help"]["text"] == "fix number 1");
  CHECK(log["runs"][0]["results"].size() == 3);
}

TEST_CASE("GitHub mode: findings become annotations, at most 10 of each type, most severe first") {
  Workspace ws(Plugins({"findings"}) + R"([pipelines.ci]
tasks = ["scan", "lint"]
[tasks.scan]
uses = "findings.report"
with = { count = 25, level = "error", file = "src/app,v2.c", security = true, message = "CVE in 50% of: builds" }
[tasks.lint]
uses = "findings.report"
with = { count = 3, level = "note", file = "src/b.c" }
)");
  ws.Write("src/app,v2.c", "int main() {}\n");
  Outcome o = ws.Run({"run", "ci"}, GitHubEnv(ws));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::vector<std::string> errors = LinesStartingWith(o.out, "::error ");
  REQUIRE(errors.size() == 10);
  // The most severe first (FIND-1 is 9.9, critical); the property escapes ',' and ':'.
  CHECK(errors[0] ==
        "::error file=src/app%2Cv2.c,line=1,title=[critical] FIND-1%3A rule number 1::CVE in "
        "50%25 of: builds 1");
  CHECK_THAT(errors[9], StartsWith("::error file=src/app%2Cv2.c,line=10,title=[critical] FIND-10"));
  CHECK(LinesStartingWith(o.out, "::notice ").size() == 3);
  CHECK_THAT(o.out, ContainsSubstring("taskr: 15 more findings are in the job summary"));
  // The summary still lists them all by severity.
  std::string summary = ws.Read("step-summary.md");
  CHECK_THAT(summary, ContainsSubstring("### Findings (28)"));
  CHECK_THAT(summary, ContainsSubstring("| critical | 10 |"));
  CHECK_THAT(summary, ContainsSubstring("| high | 15 |"));
  CHECK_THAT(summary, ContainsSubstring("| note | 3 |"));
  fs::path sarif = ws.dir() / ".taskr/runs/latest/results.sarif";
  ValidateSarif(sarif);
  auto log = ReadJson(ws, ".taskr/runs/latest/results.sarif");
  REQUIRE(log["runs"].size() == 2);
  CHECK(log["runs"][0]["automationDetails"]["id"].get<std::string>().starts_with("scan/"));
  CHECK(log["runs"][1]["automationDetails"]["id"].get<std::string>().starts_with("lint/"));
  const auto& rule = log["runs"][0]["tool"]["driver"]["rules"][0];
  CHECK(rule["properties"]["security-severity"] == "9.9");
  const auto& result = log["runs"][0]["results"][0];
  CHECK(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app,v2.c");
  // GitHub's own line hash of "int main() {}" (as codeql-action computes it).
  CHECK(
      result["partialFingerprints"]["primaryLocationLineHash"].get<std::string>().ends_with(":1"));
}

TEST_CASE("GitHub mode: exported outputs and taskr_status go to GITHUB_OUTPUT") {
  Workspace ws(R"([pipelines.release]
tasks = ["version", "image"]
[tasks.version]
run = """
echo 'version=1.2.3' >> "$TASKR_OUTPUT"
echo 'internal=hidden' >> "$TASKR_OUTPUT"
printf 'notes<<EOF\nline one\nline two\nEOF\n' >> "$TASKR_OUTPUT"
"""
export = ["version", "notes"]
[tasks.image]
matrix = { service = ["api", "web"] }
run = "echo ref=registry/${{ matrix.service }}@sha256:abc >> $TASKR_OUTPUT"
export = true
)");
  Outcome o = ws.Run({"run", "release"}, GitHubEnv(ws));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::string text = ws.Read("github-output.txt");
  INFO(text);
  CHECK_THAT(text, ContainsSubstring("version<<ghadelimiter_"));
  auto outputs = ParseGitHubOutput(text);
  CHECK(outputs["version"] == "1.2.3");
  CHECK(outputs["notes"] == "line one\nline two");
  CHECK(outputs.count("internal") == 0);
  CHECK(outputs["ref_api"] == "registry/api@sha256:abc");
  CHECK(outputs["ref_web"] == "registry/web@sha256:abc");
  CHECK(outputs["taskr_status"] == "success");
}

TEST_CASE("GitHub mode: the job summary has every section, and links the pipeline declares") {
  Workspace ws(Plugins({"good"}) + R"([pipelines.deploy]
tasks = ["smoke", "echo", "cached", "broken"]
links = [
  { title = "Promote to production", url = "${{ env.GITHUB_SERVER_URL }}/${{ env.GITHUB_REPOSITORY }}/actions/workflows/promote.yml", if = "${{ success() }}" },
  { title = "Roll back", url = "${{ env.GITHUB_SERVER_URL }}/${{ env.GITHUB_REPOSITORY }}/actions/workflows/rollback.yml", if = "${{ failure() }}" },
]
[tasks.echo]
uses = "good.echo"
with = { message = "hi" }
[tasks.cached]
run = "cp in.txt out.txt"
inputs = ["in.txt"]
outputs = ["out.txt"]
[tasks.smoke]
run = "echo smoke"
[tasks.broken]
run = "echo 'it broke'; exit 1"
allow_failure = true
)");
  ws.Write("in.txt", "x\n");
  REQUIRE(ws.Run({"run", "cached"}, GitHubEnv(ws)).exit_code == 0);
  fs::remove(ws.dir() / "step-summary.md");
  Outcome o = ws.Run({"run", "deploy"}, GitHubEnv(ws));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  std::string s = ws.Read("step-summary.md");
  INFO(s);
  CHECK_THAT(s, StartsWith("## ✅ taskr: pipeline deploy succeeded"));
  CHECK_THAT(s,
             ContainsSubstring("[Workflow run](https://github.com/acme/shop/actions/runs/4242)"));
  CHECK_THAT(s, ContainsSubstring(
                    "**[Promote to "
                    "production](https://github.com/acme/shop/actions/workflows/promote.yml)**"));
  CHECK_THAT(s, !ContainsSubstring("Roll back"));
  CHECK_THAT(s, ContainsSubstring("| 💾 | cached | cached |  | hit |"));
  CHECK_THAT(s, ContainsSubstring("| ⚠️ | broken | allowed |"));
  CHECK_THAT(s, ContainsSubstring("```mermaid\nflowchart LR\n"));
  CHECK_THAT(s, ContainsSubstring(":::cached"));
  CHECK_THAT(s, ContainsSubstring("### Findings (1)"));
  CHECK_THAT(
      s, ContainsSubstring("| high | GOOD-1 | `pipeline.toml:3` | echoed 'hi' 1 time(s) | echo |"));
  CHECK_THAT(s, ContainsSubstring("### Artifacts"));
  CHECK_THAT(s, ContainsSubstring("| `echoed.txt` | `sha256:"));
  CHECK_THAT(s, ContainsSubstring("### echo\n\n- good echoed **hi** 1 time(s)"));
  // The same page lands in the run folder and, with --summary, anywhere.
  CHECK(ws.Read(".taskr/runs/latest/summary.md") == s);
  Outcome local =
      ws.Run({"run", "deploy", "--summary", "page.md"},
             {"GITHUB_ACTIONS=", "TASKR_CACHE_DIR=" + (ws.dir() / "cache-store").string()});
  REQUIRE(local.exit_code == 0);
  CHECK_THAT(ws.Read("page.md"), ContainsSubstring("### Tasks"));
  CHECK_THAT(local.out, !ContainsSubstring("::group::"));
}

TEST_CASE("GitHub mode: a lone long task streams its log live inside its group") {
  Workspace ws(R"([tasks.slow]
run = "echo before; sleep 0.6; echo after"
)");
  Outcome o = ws.Run({"run", "slow"}, GitHubEnv(ws, {"TASKR_STREAM_AFTER=200ms"}));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("::group::slow (running)\nbefore\nafter\n\nok slow ("));
  CHECK(Count(o.out, "::group::") == 1);
  CHECK(Count(o.out, "::endgroup::") == 1);
}

TEST_CASE("a run task's declared SARIF file is merged into results.sarif once") {
  Workspace ws(R"([pipelines.ci]
tasks = ["scan"]
[tasks.scan]
run = "cp fixture.sarif out/scan.sarif"
sarif = "out/scan.sarif"
)");
  ws.Write("out/.keep", "");
  ws.Write("app.py", "import os\npassword = 'hunter2'\n");
  ws.Write("fixture.sarif", R"({
  "version": "2.1.0",
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "runs": [{
    "tool": {"driver": {"name": "bandit", "version": "1.7.5", "rules": [
      {"id": "B105", "name": "hardcoded_password_string",
       "shortDescription": {"text": "Possible hardcoded password"},
       "properties": {"security-severity": "7.5"}}]}},
    "results": [{"ruleId": "B105", "level": "error",
                 "message": {"text": "Possible hardcoded password: 'hunter2'"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                                "region": {"startLine": 2}}}]}]
  }]
})");
  Outcome o = ws.Run({"run", "ci", "--sarif", "merged.sarif"}, GitHubEnv(ws));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  ValidateSarif(ws.dir() / "merged.sarif");
  auto log = ReadJson(ws, "merged.sarif");
  REQUIRE(log["runs"].size() == 1);  // not once from the file and again from its findings
  const auto& run = log["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "bandit");
  CHECK(run["automationDetails"]["id"].get<std::string>().starts_with("scan/"));
  CHECK(!run["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
             .get<std::string>()
             .empty());
  // Its findings reach the annotations and the summary.
  CHECK_THAT(o.out, ContainsSubstring("::error file=app.py,line=2,title=[high] B105%3A "
                                      "hardcoded_password_string::Possible hardcoded password"));
  CHECK_THAT(ws.Read("step-summary.md"), ContainsSubstring("| high | B105 | `app.py:2` |"));
}

TEST_CASE("a declared SARIF file that was not written fails the task") {
  Workspace ws(R"([tasks.scan]
run = "true"
sarif = "missing.sarif"
)");
  Outcome o = ws.Run({"run", "scan"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("sarif: missing.sarif was not written"));
}

TEST_CASE("a secret printed byte by byte is masked in every file taskr writes") {
  // The child writes the secret one byte per write(2), with pauses between,
  // so it reaches taskr split across many reads.
  Workspace ws(R"(
[secrets]
KEY = { env = "API_KEY" }
CERT = { env = "MULTI_KEY" }
[pipelines.ci]
tasks = ["leak", "report"]
[tasks.leak]
run = """
s="$API_KEY"
for ((i = 0; i < ${#s}; i++)); do printf '%s' "${s:i:1}"; sleep 0.01; done; echo
echo "key=$API_KEY" >> "$TASKR_OUTPUT"
echo "summary mentions $API_KEY" >> "$TASKR_SUMMARY"
printf 'line1-of-key\nline2-of-key\n'
exit 1
"""
[tasks.report]
run = """
cat > scan.sarif <<EOF
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "grep", "rules": []}},
 "results": [{"ruleId": "leak", "message": {"text": "found $API_KEY"},
 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "pipeline.toml"}, "region": {"startLine": 1}}}]}]}]}
EOF
"""
sarif = "scan.sarif"
)");
  std::string secret = "sk-live-0123456789abcdef";
  std::string multi = "line1-of-key\nline2-of-key";
  Outcome o = ws.Run({"run", "ci", "--keep-going"},
                     GitHubEnv(ws, {"API_KEY=" + secret, "MULTI_KEY=" + multi}));
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("***"));
  // Every mask comes before anything else; a multi-line secret is masked whole and by line.
  std::vector<std::string> lines = Lines(o.out);
  REQUIRE(lines.size() > 4);
  std::vector<std::string> masks(lines.begin(), lines.begin() + 4);
  std::sort(masks.begin(), masks.end());
  CHECK(masks == std::vector<std::string>{
                     "::add-mask::line1-of-key", "::add-mask::line1-of-key%0Aline2-of-key",
                     "::add-mask::line2-of-key", "::add-mask::sk-live-0123456789abcdef"});
  CHECK(Count(o.out, "::add-mask::") == 4);
  auto clean = [&](const std::string& what, const std::string& text) {
    INFO(what);
    CHECK(text.find(secret) == std::string::npos);
    CHECK(text.find("sk-live-0123") == std::string::npos);
    CHECK(text.find("line1-of-key") == std::string::npos);
    CHECK(text.find("line2-of-key") == std::string::npos);
  };
  // stdout holds the secrets only in the ::add-mask:: lines that hide them.
  std::string out;
  for (const auto& line : Lines(o.out)) {
    if (!line.starts_with("::add-mask::")) out += line + "\n";
  }
  clean("stdout", out);
  clean("stderr", o.err);
  clean("step summary", ws.Read("step-summary.md"));
  clean("GITHUB_OUTPUT", ws.Read("github-output.txt"));
  for (const auto& entry : fs::recursive_directory_iterator(ws.dir() / ".taskr")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    clean(entry.path().string(), text);
  }
  for (const char* file : {"summary.md", "results.sarif", "report.json", "trace.json"}) {
    INFO(file);
    CHECK(ws.Exists(fs::path(".taskr/runs/latest") / file));
  }
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/leak.log"), StartsWith("***\n"));
  ValidateSarif(ws.dir() / ".taskr/runs/latest/results.sarif");
}

TEST_CASE("the summary of a 5,000-task run stays under GitHub's 1 MiB and shows the failures") {
  std::string toml =
      "[pipelines.all]\ntasks = [\"t\", \"boom\"]\n"
      "[tasks.t]\nmatrix = { i = [";
  for (int i = 0; i < 4999; ++i) toml += (i ? ", " : "") + std::to_string(i);
  toml +=
      "] }\nrun = \"true\"\n"
      "[tasks.boom]\nrun = \"echo the root cause is here; exit 9\"\n";
  Workspace ws(toml);
  Outcome o = ws.Run({"run", "all", "--keep-going", "--jobs", "2"}, GitHubEnv(ws));
  INFO(o.err);
  REQUIRE(o.exit_code == 1);
  std::string s = ws.Read("step-summary.md");
  CHECK(s.size() < 1024 * 1024);
  CHECK_THAT(s, ContainsSubstring("**boom** failed: exit code 9"));
  CHECK_THAT(s, ContainsSubstring("the root cause is here"));
  CHECK_THAT(s, ContainsSubstring("| ❌ | boom | FAILED |"));
  CHECK_THAT(s, ContainsSubstring("4999 succeeded, 1 failed"));
  // The graph is what gives way, and the page says so.
  CHECK_THAT(s, !ContainsSubstring("```mermaid"));
  CHECK_THAT(s, ContainsSubstring("leaves out: graph"));
}

TEST_CASE("trace.json is Chrome trace format with one lane per job slot") {
  Workspace ws(R"([pipelines.ci]
tasks = ["a", "b", "c", "d"]
[tasks.a]
run = "sleep 0.1"
[tasks.b]
run = "sleep 0.1"
[tasks.c]
needs = ["a"]
run = "sleep 0.05"
[tasks.d]
needs = ["b"]
run = "exit 1"
retries = 1
retry_delay = "10ms"
)");
  Outcome o = ws.Run({"run", "ci", "--jobs", "2", "--keep-going"});
  REQUIRE(o.exit_code == 1);
  auto trace = ReadJson(ws, ".taskr/runs/latest/trace.json");
  REQUIRE(trace["traceEvents"].is_array());
  std::map<int, std::vector<std::pair<double, double>>> lanes;
  size_t complete = 0;
  for (const auto& e : trace["traceEvents"]) {
    INFO(e.dump());
    for (const char* key : {"ph", "ts", "dur", "pid", "tid"}) CHECK(e.contains(key));
    if (e["ph"] == "X") {
      ++complete;
      lanes[e["tid"].get<int>()].emplace_back(e["ts"].get<double>(), e["dur"].get<double>());
    }
  }
  CHECK(complete == 5);  // a, b, c and two attempts of d
  CHECK(lanes.size() <= 2);
  for (auto& [tid, spans] : lanes) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) {
      INFO("lane " << tid);
      CHECK(spans[i].first >= spans[i - 1].first + spans[i - 1].second);
    }
  }
}
