// The health plugin's actions, run in process through the plugin test kit
// (<taskr/testing.hpp>): health.command with scripted programs (the kit
// answers ctx.Run, so no program runs), the parameter errors every action
// reports before its first attempt, and the parsers behind them. The http
// and tcp actions against real servers are in tests/e2e/health_test.cc.
//
// The plugin class lives in health.cc beside its TASKR_PLUGIN; this test
// builds that file into its own executable to reach the very class taskr loads.
#include "plugins/health/health.cc"

#include <taskr/testing.hpp>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace {

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using std::chrono::milliseconds;
using taskr::health::FormatDuration;
using taskr::health::HealthPlugin;
using taskr::health::ParseAddress;
using taskr::health::ParseDuration;
using taskr::health::ParseUrl;
using taskr::testing::ActionResult;
using taskr::testing::Invocation;
using taskr::testing::PluginTest;
using taskr::testing::Reply;

// Script answers each attempt of `pg_isready -h db` (wrapped in coreutils'
// timeout by the plugin) with the next exit code of `codes`, the last one
// again once they run out, printing "no response" when it is not 0.
void Script(PluginTest<HealthPlugin>& test, std::vector<int> codes, int* calls) {
  test.OnRun({"timeout"}, [codes, calls](const Invocation&) {
    size_t i = std::min(static_cast<size_t>((*calls)++), codes.size() - 1);
    return Reply{codes[i], codes[i] == 0 ? "accepting connections\n" : "db:5432 - no response\n"};
  });
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

constexpr const char* kCommand = R"("argv": ["pg_isready", "-h", "db"], "interval": "10ms")";

TEST_CASE("health.command passes at the 3rd attempt, logging each one") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {1, 1, 0}, &calls);
  ActionResult r = test.Run("command", std::string("{") + kCommand + "}");
  INFO(r.error << r.log);
  REQUIRE(r.ok());
  CHECK(calls == 3);
  CHECK(r.outputs.at("healthy") == "true");
  CHECK(r.outputs.at("attempts") == "3");
  CHECK(r.outputs.at("exit_code") == "0");
  CHECK_FALSE(r.outputs.at("elapsed_ms").empty());
  CHECK_THAT(r.log, StartsWith("pg_isready -h db: healthy when it exits 0; up to 11 attempts, "
                               "10ms apart, 5s each, within 2m\n"));
  CHECK_THAT(r.log, ContainsSubstring("attempt 1/11: exit code 1 in "));
  CHECK_THAT(r.log, ContainsSubstring(" ms: db:5432 - no response\nattempt 2/11: exit code 1 in "));
  CHECK_THAT(r.log, ContainsSubstring("attempt 3/11: exit code 0 in "));
  CHECK_THAT(r.log, ContainsSubstring(" ms: healthy\nhealthy after 3 attempts in "));
  // Each attempt runs the command, without a shell, under a time limit, its
  // output kept out of the log (its last line is in the attempt's line).
  REQUIRE(r.runs.size() == 3);
  CHECK(r.runs[0].argv == std::vector<std::string>{"timeout", "--foreground", "--kill-after=2s",
                                                   "5.000s", "pg_isready", "-h", "db"});
  CHECK(r.runs[0].capture_only);
  CHECK_THAT(r.summary, StartsWith("**health.command** `pg_isready -h db`: ✅ healthy after 3 "
                                   "attempts in "));
  CHECK_THAT(r.summary, ContainsSubstring("| attempt | started | result |\n|---:|---:|---|\n| 1 | "
                                          "0.0s | ❌ exit code 1 in "));
  CHECK_THAT(r.summary, ContainsSubstring("| 3 | "));
  CHECK_THAT(r.summary, ContainsSubstring("| ✅ exit code 0 in "));
}

TEST_CASE("health.command that never passes within its retries fails naming the last result") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {2}, &calls);
  ActionResult r = test.Run("command", std::string("{") + kCommand + R"(, "retries": 2})");
  CHECK(r.status == TASKR_ERROR);
  CHECK(calls == 3);
  CHECK_THAT(r.error, StartsWith("pg_isready -h db: not healthy after 3 attempts in "));
  CHECK_THAT(r.error, ContainsSubstring("s; last: exit code 2 in "));
  CHECK_THAT(r.error, EndsWith(" ms: db:5432 - no response"));
  CHECK(Count(r.log, "attempt ") == 3);
  CHECK_THAT(r.log, ContainsSubstring("attempt 3/3: exit code 2"));
  // The outputs and the summary are there for a failed check too.
  CHECK(r.outputs.at("healthy") == "false");
  CHECK(r.outputs.at("attempts") == "3");
  CHECK(r.outputs.at("exit_code") == "2");
  CHECK_THAT(r.summary, ContainsSubstring("❌ not healthy after 3 attempts in "));
}

TEST_CASE("health.command needs `successes` healthy attempts in a row; a failure starts over") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {0, 0, 1, 0, 0, 0}, &calls);
  ActionResult r =
      test.Run("command", std::string("{") + kCommand + R"(, "successes": 3, "retries": 3})");
  INFO(r.error << r.log);
  REQUIRE(r.ok());
  CHECK(calls == 6);
  CHECK(r.outputs.at("attempts") == "6");
  CHECK_THAT(r.log, ContainsSubstring("until 3 in a row are healthy"));
  CHECK_THAT(r.log, ContainsSubstring("attempt 2/6: exit code 0"));
  CHECK_THAT(r.log, ContainsSubstring("healthy (2 of 3 in a row)\nattempt 3/6: exit code 1"));
  CHECK_THAT(r.log, ContainsSubstring("healthy (1 of 3 in a row)\nattempt 5/6"));
  CHECK_THAT(r.log, ContainsSubstring("attempt 6/6: exit code 0 in "));
  CHECK_THAT(r.log, ContainsSubstring("healthy (3 of 3 in a row)\nhealthy after 6 attempts"));
}

TEST_CASE("health.command stops once too few attempts are left for the successes in a row") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {0, 1, 0}, &calls);
  ActionResult r =
      test.Run("command", std::string("{") + kCommand + R"(, "successes": 2, "retries": 1})");
  CHECK(r.status == TASKR_ERROR);
  CHECK(calls == 2);
  CHECK_THAT(r.error, ContainsSubstring("not healthy after 2 attempts in "));
  CHECK_THAT(r.error, ContainsSubstring("(the 1 attempt left cannot make 2 in a row)"));
}

TEST_CASE("health.command: cancelling the task stops the wait between attempts at once") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {1}, &calls);
  test.CancelAfter(3);  // the first checks come before and right after the first attempt
  auto start = std::chrono::steady_clock::now();
  ActionResult r = test.Run("command", R"({"argv": ["pg_isready"], "interval": "1m"})");
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status == TASKR_CANCELLED);
  CHECK(calls == 1);
  CHECK(took < std::chrono::seconds(1));
  CHECK_THAT(r.log, ContainsSubstring("attempt 1/11: exit code 1"));
}

TEST_CASE("health.command: a task cancelled while the command runs ends cancelled") {
  PluginTest<HealthPlugin> test;
  test.OnRun({"timeout"}, Reply{1, "", 0, /*cancel=*/true});
  ActionResult r = test.Run("command", R"({"argv": ["pg_isready"]})");
  CHECK(r.status == TASKR_CANCELLED);
  CHECK(r.runs.size() == 1);
}

TEST_CASE("health.command: an attempt that hits its timeout says so") {
  PluginTest<HealthPlugin> test;
  // What coreutils' timeout exits with once it stopped the command.
  test.OnRun({"timeout"}, Reply{124, ""});
  ActionResult r =
      test.Run("command", R"({"argv": ["pg_isready"], "timeout": "50ms", "retries": 0})");
  CHECK(r.status == TASKR_ERROR);
  CHECK(r.runs.at(0).argv.at(3) == "0.050s");
  CHECK_THAT(r.error, EndsWith("; last: timed out after 50ms"));
  CHECK(r.outputs.at("exit_code").empty());
}

TEST_CASE("health: the summary lists the first 5 and the last 15 of many attempts") {
  PluginTest<HealthPlugin> test;
  int calls = 0;
  Script(test, {1}, &calls);
  ActionResult r =
      test.Run("command", R"({"argv": ["pg_isready"], "retries": 24, "interval": "0s"})");
  CHECK(calls == 25);
  CHECK(Count(r.log, "attempt ") == 25);
  CHECK(Count(r.summary, " | ❌ exit code 1 in ") == 20);
  CHECK_THAT(r.summary, ContainsSubstring("\n| 5 | "));
  CHECK_THAT(r.summary, ContainsSubstring("\n| … | | 5 more attempts, in the task log |\n| 11 | "));
  CHECK_THAT(r.summary, ContainsSubstring("\n| 25 | "));
  CHECK_THAT(r.summary, !ContainsSubstring("\n| 6 | "));
}

TEST_CASE("health.command names the command as a shell would quote it") {
  PluginTest<HealthPlugin> test;
  test.OnRun({"timeout"}, Reply{1, "pending\n"});
  ActionResult r = test.Run("command", R"({"argv": ["sh", "-c", "echo 'not yet'; exit 1"],
                                            "retries": 0})");
  CHECK_THAT(r.error, StartsWith(R"(sh -c 'echo '\''not yet'\''; exit 1': not healthy after 1 )"
                                 R"(attempt in )"));
  CHECK_THAT(r.error, EndsWith(" ms: pending"));
}

TEST_CASE("health: a bad body_regex fails before any request, naming the parameter") {
  PluginTest<HealthPlugin> test;
  ActionResult r = test.Run("http", R"({"url": "http://127.0.0.1:1/", "body_regex": "ready("})");
  CHECK(r.status == TASKR_ERROR);
  CHECK_THAT(r.error,
             StartsWith("body_regex: 'ready(' is not a valid ECMAScript regular expression: "));
  CHECK(r.log.empty());
}

TEST_CASE("health: a bad duration fails before the first attempt, naming the parameter") {
  PluginTest<HealthPlugin> test;
  for (const char* action : {"command", "tcp", "http"}) {
    INFO(action);
    std::string target = std::string(action) == "command" ? R"("argv": ["true"])"
                         : std::string(action) == "tcp"   ? R"("address": "127.0.0.1:1")"
                                                          : R"("url": "http://127.0.0.1:1/")";
    ActionResult r = test.Run(action, "{" + target + R"(, "timeout": "5 seconds"})");
    CHECK(r.status == TASKR_ERROR);
    CHECK(r.error ==
          "timeout: bad duration '5 seconds': write it like \"5s\", \"500ms\", \"1.5s\" or "
          "\"1m30s\"");
    CHECK(r.runs.empty());
    CHECK(r.log.empty());
  }
  ActionResult bare = test.Run("command", R"({"argv": ["true"], "deadline": "120"})");
  CHECK_THAT(bare.error, StartsWith("deadline: bad duration '120': "));
  ActionResult zero = test.Run("command", R"({"argv": ["true"], "timeout": "0s"})");
  CHECK(zero.error == "timeout: must be longer than 0s");
}

TEST_CASE("health: a bad url or address fails saying what is wrong with it") {
  PluginTest<HealthPlugin> test;
  CHECK(test.Run("http", R"({"url": "ftp://example.com/"})").error ==
        "url: 'ftp://example.com/' must start with http:// or https://");
  CHECK(test.Run("http", R"({"url": "http://example.com:99999/"})").error ==
        "url: 'http://example.com:99999/' has a bad port '99999': it must be 1 to 65535");
  CHECK_THAT(test.Run("http", R"({"url": "https://user:pw@example.com/"})").error,
             ContainsSubstring("must not hold a user name or password"));
  CHECK(test.Run("tcp", R"({"address": "db.internal"})").error ==
        "address: 'db.internal' must be host:port, such as db.internal:5432, 10.0.0.7:80 or "
        "[::1]:8080");
  CHECK_THAT(test.Run("http", R"({"url": "http://x/", "headers": {"X-A": "a\nb"}})").error,
             ContainsSubstring("headers.X-A: a header value must be one line"));
}

TEST_CASE("health: every action is an effect, never cached, with a closed parameter schema") {
  taskr::sdk::Manifest m = HealthPlugin::Describe();
  REQUIRE(m.actions.size() == 3);
  for (const taskr::sdk::ActionInfo& a : m.actions) {
    INFO(a.name);
    CHECK_FALSE(a.pure);
    taskr::sdk::Json schema = taskr::sdk::Json::Parse(a.params);
    CHECK(schema["additionalProperties"].is_bool());
    CHECK_FALSE(schema["additionalProperties"].as_bool());
    for (const auto& [name, p] : schema["properties"].as_object()) {
      INFO(name);
      CHECK(p["description"].is_string());
    }
    CHECK(schema["properties"]["deadline"]["default"].as_string() == "2m");
  }
}

TEST_CASE("health: durations read and print as pipeline.toml's do") {
  CHECK(ParseDuration("5s") == milliseconds(5000));
  CHECK(ParseDuration("500ms") == milliseconds(500));
  CHECK(ParseDuration("1.5s") == milliseconds(1500));
  CHECK(ParseDuration("1m30s") == milliseconds(90000));
  CHECK(ParseDuration("1h5m") == milliseconds(3900000));
  for (const char* bad : {"", "5", "5 s", "s", "1.s", "-1s", "5sec", "1h30"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad));
  }
  CHECK(FormatDuration(milliseconds(250)) == "250ms");
  CHECK(FormatDuration(milliseconds(5000)) == "5s");
  CHECK(FormatDuration(milliseconds(1500)) == "1.5s");
  CHECK(FormatDuration(milliseconds(120000)) == "2m");
  CHECK(FormatDuration(milliseconds(90000)) == "1m30s");
}

TEST_CASE("health: URLs and addresses split into host, port and target") {
  std::string error;
  auto url = ParseUrl("HTTPS://[::1]:8443/ready?full=1#top", &error);
  REQUIRE(url);
  CHECK(url->https);
  CHECK(url->server.host == "::1");
  CHECK(url->server.port == 8443);
  CHECK(url->target == "/ready?full=1");
  CHECK(url->HostHeader() == "[::1]:8443");
  auto plain = ParseUrl("http://api.internal?x=1", &error);
  REQUIRE(plain);
  CHECK(plain->server.port == 80);
  CHECK(plain->target == "/?x=1");
  CHECK(plain->HostHeader() == "api.internal");
  auto db = ParseAddress("[::1]:5432", &error);
  REQUIRE(db);
  CHECK(db->host == "::1");
  CHECK(db->Text() == "[::1]:5432");
  CHECK_FALSE(ParseAddress("::1:5432", &error));
  CHECK_FALSE(ParseAddress("db:0", &error));
}

}  // namespace
