// The plugin test kit (<taskr/testing.hpp>), on a small plugin written here
// the way a third party would write one.
#include <taskr/testing.hpp>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

namespace {

namespace sdk = taskr::sdk;
using taskr::testing::ActionResult;
using taskr::testing::Invocation;
using taskr::testing::PluginTest;
using taskr::testing::Reply;

// Todos counts TODO markers with grep, as the tutorial of
// docs/plugin-authoring.md does, and fails above `max`.
class Todos {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "todos";
    m.version = "1.0.0";
    m.description = "Counts TODO markers";
    sdk::ActionInfo scan;
    scan.name = "scan";
    scan.description = "Search files for a marker";
    scan.params = R"({"type": "object",
      "properties": {
        "paths": {"type": "array", "items": {"type": "string"}},
        "marker": {"type": "string", "default": "TODO"},
        "max": {"type": "integer", "default": 0},
        "strict": {"type": "boolean"},
        "options": {"type": "object", "properties": {"color": {"type": "string", "default": "never"}}}
      },
      "required": ["paths"]})";
    scan.outputs = {{"count", "how many markers were found"}};
    m.actions.push_back(scan);
    sdk::ActionInfo token;
    token.name = "token";
    token.description = "Log in with a secret";
    token.pure = false;
    m.actions.push_back(token);
    return m;
  }

  void Run(sdk::Context& ctx) {
    if (ctx.action() == "token") {
      std::string token = ctx.Secret("TOKEN").value_or("");
      ctx.Info("logging in with " + token);
      ctx.Run({"login", "--token", token});
      ctx.SetOutput("user", "me (" + token + ")");
      return;
    }
    const sdk::Json& p = ctx.params();
    if (p.contains("strict") && p["strict"].as_bool()) ctx.Warn("strict mode");
    std::vector<std::string> argv = {"grep", "-rnF", "-e", p["marker"].as_string(), "--"};
    for (const std::string& path : p["paths"].as_strings()) argv.push_back(path);
    sdk::RunOptions quiet;
    quiet.capture_only = true;
    quiet.env = {"LC_ALL=C"};
    sdk::ProcessResult grep = ctx.Run(argv, quiet);
    if (grep.exit_code > 1) throw sdk::Error("grep failed: " + grep.output);
    int64_t count = 0;
    for (size_t start = 0; start < grep.output.size();) {
      ctx.ThrowIfCancelled();
      size_t end = grep.output.find('\n', start);
      std::string line = grep.output.substr(start, end - start);
      start = end + 1;
      sdk::Finding f;
      f.rule_id = "TODO-MARKER";
      f.file = line.substr(0, line.find(':'));
      f.line = static_cast<uint32_t>(std::stoul(line.substr(line.find(':') + 1)));
      f.message = line.substr(line.rfind(':') + 1);
      ctx.ReportFinding(f);
      ++count;
    }
    ctx.SetOutput("count", std::to_string(count));
    ctx.AppendSummary("**todos:** " + std::to_string(count) + "\n");
    ctx.AddArtifact("todos.txt");
    ctx.Debug("color " + p["options"]["color"].string_or("?"));
    if (count > p["max"].as_int()) throw sdk::Error("found " + std::to_string(count) + " markers");
  }

  std::string ToolIdentity(sdk::Context& ctx) {
    sdk::RunOptions quiet;
    quiet.capture_only = true;
    return ctx.Run({"grep", "--version"}, quiet).output;
  }
};

class NoIdentity {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "plain";
    m.actions.push_back({"go", "", true, R"({"type": "object"})", {}});
    return m;
  }
  void Run(sdk::Context& ctx) { ctx.Info("ran"); }
};

const char* kGrepOutput = "src/a.c:4:// TODO: read argv\nsrc/b.c:9:/* TODO: exit codes */\n";

TEST_CASE("the kit runs an action with its schema's defaults and scripted programs") {
  PluginTest<Todos> test;
  test.workspace = "/work/demo";
  test.OnRun({"grep"}, Reply{0, kGrepOutput});
  ActionResult r = test.Run("scan", R"({"paths": ["src"], "max": 5, "options": {}})");
  INFO(r.error);
  REQUIRE(r.ok());
  REQUIRE(r.runs.size() == 1);
  CHECK(r.runs[0].argv == std::vector<std::string>{"grep", "-rnF", "-e", "TODO", "--", "src"});
  CHECK(r.runs[0].env == std::vector<std::string>{"LC_ALL=C"});
  CHECK(r.runs[0].capture_only);
  CHECK(r.outputs.at("count") == "2");
  REQUIRE(r.findings.size() == 2);
  CHECK(r.findings[1].file == "src/b.c");
  CHECK(r.findings[1].line == 9);
  CHECK(r.summary == "**todos:** 2\n");
  REQUIRE(r.artifacts.size() == 1);
  CHECK(r.artifacts[0].path == "todos.txt");
  // Defaults inside a given object are applied too; captured output stays out of the log.
  CHECK(r.log == "debug: color never\n");
}

TEST_CASE("the default action runs when none is named, and a missing one is an error") {
  PluginTest<Todos> test;
  test.OnRun({"grep"}, Reply{1, ""});
  CHECK(test.Run("", R"({"paths": ["."]})").outputs.at("count") == "0");
  ActionResult r = test.Run("lint", "{}");
  CHECK_FALSE(r.ok());
  CHECK(r.error == "plugin 'todos' has no action 'lint'");
  CHECK(test.Run("scan", "[1]").error == "the parameters must be a JSON object");
}

TEST_CASE("a failed action gives its message, and keeps what it set, as taskr does") {
  PluginTest<Todos> test;
  test.OnRun({"grep"}, Reply{0, kGrepOutput});
  ActionResult r = test.Run("scan", R"({"paths": ["src"], "max": 1})");
  CHECK(r.status == TASKR_ERROR);
  CHECK(r.error == "found 2 markers");
  CHECK(r.outputs.at("count") == "2");
  CHECK(r.findings.size() == 2);
  CHECK(r.summary == "**todos:** 2\n");
}

TEST_CASE("reading a parameter of the wrong kind, or a missing one, names it") {
  PluginTest<Todos> test;
  test.OnRun({"grep"}, Reply{1, ""});
  CHECK(test.Run("scan", R"({"paths": ["src"], "strict": "yes"})").error ==
        "with.strict must be a boolean, not a string");
  CHECK(test.Run("scan", R"({})").error == "with.paths is missing: it must be an array");
  CHECK(test.Run("scan", R"({"paths": [1]})").error ==
        "with.paths[0] must be a string, not a number");
}

TEST_CASE("a program no rule matches cannot start, and the first matching rule answers") {
  PluginTest<Todos> test;
  ActionResult r = test.Run("scan", R"({"paths": ["src"]})");
  CHECK(r.error == "grep failed");
  CHECK(r.log == "error: cannot start grep: not scripted with OnRun\n");

  std::vector<std::string> seen;
  test.OnRun({"grep", "-rnF", "-e", "FIXME"}, Reply{2, "grep: bad pattern\n"});
  test.OnRun({"grep"}, [&](const Invocation& call) {
    seen.push_back(call.argv.back());
    return Reply{1, ""};
  });
  CHECK(test.Run("scan", R"({"paths": ["lib"]})").ok());
  CHECK(seen == std::vector<std::string>{"lib"});
  CHECK(test.Run("scan", R"({"paths": ["lib"], "marker": "FIXME"})").error ==
        "grep failed: grep: bad pattern\n");
}

TEST_CASE("secrets are read from the kit and masked wherever taskr masks them") {
  PluginTest<Todos> test;
  test.secrets["TOKEN"] = "s3cr3t-value";
  test.OnRun({"login"}, Reply{0, "welcome s3cr3t-value\n"});
  ActionResult r = test.Run("token");
  REQUIRE(r.ok());
  CHECK(r.runs[0].argv[2] == "s3cr3t-value");  // the program gets the real value
  CHECK(r.log == "logging in with ***\nwelcome ***\n");
  CHECK(r.outputs.at("user") == "me (***)");
}

TEST_CASE("cancellation reaches the action through Cancelled and a cancelled program") {
  PluginTest<Todos> test;
  test.OnRun({"grep"}, Reply{0, kGrepOutput});
  test.CancelAfter(2);
  ActionResult r = test.Run("scan", R"({"paths": ["src"], "max": 9})");
  CHECK(r.status == TASKR_CANCELLED);
  CHECK(r.findings.size() == 1);

  PluginTest<Todos> stopped;
  stopped.OnRun({"grep"}, Reply{0, "", 0, /*cancel=*/true});
  CHECK(stopped.Run("scan", R"({"paths": ["src"]})").status == TASKR_CANCELLED);
}

TEST_CASE("ToolIdentity runs through the kit, and a plugin without one says so") {
  PluginTest<Todos> test;
  test.OnRun({"grep", "--version"}, Reply{0, "grep (GNU grep) 3.8\n"});
  taskr::testing::IdentityResult id = test.ToolIdentity("scan", R"({"paths": ["src"]})");
  REQUIRE(id.ok());
  CHECK(id.identity == "grep (GNU grep) 3.8\n");
  CHECK(id.runs.size() == 1);

  PluginTest<NoIdentity> plain;
  CHECK(plain.ToolIdentity("go").status == TASKR_UNSUPPORTED);
  CHECK(plain.Run("go").log == "ran\n");
}

}  // namespace
