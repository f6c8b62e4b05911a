// The health plugin: wait until a live system is healthy, or fail saying how
// it was not. An HTTP(S) endpoint that answers the expected status (and
// body), a TCP port that accepts connections, or a command that exits 0,
// tried `interval` apart within a finite deadline.
//
//   [tasks.smoke]
//   needs = ["deploy"]
//   uses = "health.http"
//   with = { url = "https://staging.example.com/healthz", body_contains = "ok" }
//
//   [tasks.db]
//   uses = "health.tcp"
//   with = { address = "db.internal:5432", deadline = "30s" }
//
// Every action is an effect: a check observes a system as it is now, so its
// result is never cached. See docs/plugins/health.md.
#include <taskr/markdown.hpp>
#include <taskr/sdk.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attempts.h"
#include "duration.h"
#include "endpoint.h"
#include "network.h"
#include "summary.h"

namespace taskr::health {

namespace {

using Clock = std::chrono::steady_clock;
using sdk::Json;
using std::chrono::milliseconds;

// Output lines of a command longer than this are cut in attempt lines.
constexpr size_t kLineLimit = 200;
// After a command's per-attempt timeout, coreutils' timeout sends SIGTERM,
// then SIGKILL this long after.
constexpr std::string_view kKillAfter = "--kill-after=2s";

// ---- manifest ----

// Param is one parameter: the actions that take it and its JSON Schema.
struct Param {
  std::string_view name;
  std::string_view actions;  // space-separated
  std::string schema;
};

std::string DurationSchema(std::string_view fallback, std::string_view description) {
  return R"({"type": "string", "pattern": ")" + std::string(kDurationPattern) +
         R"(", "default": ")" + std::string(fallback) + R"(", "description": )" +
         Json::Quote(description) + "}";
}

const std::vector<Param>& Params() {
  static const std::vector<Param> params = {
      {"url", "http", R"({"type": "string", "pattern": "^https?://",
        "description": "The URL to request: http:// or https://, with the port when it is not the scheme's own. No user name or password in it: send an Authorization header with `headers`.",
        "examples": ["https://staging.example.com/healthz"]})"},
      {"method", "http", R"({"type": "string", "pattern": "^[A-Z]+$", "default": "GET",
        "description": "The request method; HEAD reads no body."})"},
      {"headers", "http", R"({"type": "object", "additionalProperties": {"type": "string"},
        "default": {},
        "description": "Request headers, name = value; they replace taskr's own Host, User-Agent (taskr-health/1.0), Accept and Connection (close). Values may hold ${{ secrets.NAME }}."})"},
      {"body", "http", R"({"type": "string",
        "description": "A request body, sent with its Content-Length; none when left out."})"},
      {"expect_status", "http", R"({"type": "array", "minItems": 1, "uniqueItems": true,
        "items": {"type": "integer", "minimum": 100, "maximum": 599},
        "description": "The statuses that count as healthy. Left out: any status from 200 to 399. Redirects are not followed: a 301 is judged as a 301."})"},
      {"body_contains", "http", R"({"type": "string", "minLength": 1,
        "description": "Text the response body must contain (the first 1 MiB of it)."})"},
      {"body_regex", "http", R"({"type": "string", "minLength": 1,
        "description": "An ECMAScript regular expression that must match somewhere in the response body (the first 1 MiB of it)."})"},
      {"insecure", "http", R"({"type": "boolean", "default": false,
        "description": "https: skip the check of the server's certificate and host name. Otherwise it must be valid for the URL's host, from the system's CA certificates or $SSL_CERT_FILE."})"},
      {"address", "tcp", R"({"type": "string", "minLength": 1,
        "description": "host:port to connect to: db.internal:5432, 10.0.0.7:80, [::1]:8080.",
        "examples": ["db.internal:5432"]})"},
      {"argv", "command", R"({"type": "array", "minItems": 1, "items": {"type": "string"},
        "description": "The program and its arguments, run without a shell in the workspace; healthy when it exits 0. For shell syntax use [\"sh\", \"-c\", \"...\"].",
        "examples": [["pg_isready", "-h", "db.internal"]]})"},
      {"timeout", "http tcp command",
       DurationSchema("5s",
                      "The time limit of one attempt, such as \"5s\" or \"500ms\"; an attempt "
                      "that takes longer fails.")},
      {"interval", "http tcp command",
       DurationSchema("2s",
                      "The pause after an attempt that did not end the check, before the "
                      "next one.")},
      {"retries", "http tcp command",
       R"({"type": "integer", "minimum": 0, "maximum": 100000, "default": 10,
        "description": "How many attempts may be made beyond the `successes` needed: the check makes at most successes + retries attempts."})"},
      {"deadline", "http tcp command",
       DurationSchema("2m",
                      "The time limit of the whole check, such as \"2m\" or \"90s\": no attempt "
                      "starts after it, and the last one is cut short at it.")},
      {"successes", "http tcp command",
       R"({"type": "integer", "minimum": 1, "maximum": 1000, "default": 1,
        "description": "How many healthy attempts in a row make the check pass; an unhealthy attempt starts the count again."})"},
  };
  return params;
}

bool Takes(const Param& p, std::string_view action) {
  std::istringstream words{std::string(p.actions)};
  for (std::string word; words >> word;) {
    if (word == action) return true;
  }
  return false;
}

std::string ParamsSchema(std::string_view action, std::string_view required) {
  std::string properties;
  for (const Param& p : Params()) {
    if (!Takes(p, action)) continue;
    properties += (properties.empty() ? "" : ", ") + Json::Quote(p.name) + ": " + p.schema;
  }
  return R"({"type": "object", "properties": {)" + properties + R"(}, "required": [)" +
         Json::Quote(required) + R"(], "additionalProperties": false})";
}

sdk::ActionInfo Action(std::string_view name, std::string_view required,
                       std::string_view description,
                       std::vector<std::pair<std::string, std::string>> outputs) {
  outputs.insert(outputs.end(), {{"attempts", "how many attempts were made"},
                                 {"elapsed_ms", "how long the check took, in milliseconds"},
                                 {"healthy", "\"true\" or \"false\""}});
  // An effect: a check observes a live system, so a cached result would say
  // nothing about the system now.
  return {std::string(name), std::string(description), /*pure=*/false, ParamsSchema(name, required),
          std::move(outputs)};
}

// ---- parameters ----

milliseconds DurationParam(const Json& params, std::string_view name) {
  std::string text = params[std::string(name)].as_string();
  std::optional<milliseconds> d = ParseDuration(text);
  if (!d) {
    throw sdk::Error(std::string(name) + ": bad duration '" + text +
                     "': write it like \"5s\", \"500ms\", \"1.5s\" or \"1m30s\"");
  }
  return *d;
}

Policy ReadPolicy(const Json& p) {
  Policy policy;
  policy.timeout = DurationParam(p, "timeout");
  policy.interval = DurationParam(p, "interval");
  policy.deadline = DurationParam(p, "deadline");
  int64_t retries = p["retries"].as_int();
  int64_t successes = p["successes"].as_int();
  policy.retries = static_cast<int>(std::clamp<int64_t>(retries, -1, 100001));
  policy.successes = static_cast<int>(std::clamp<int64_t>(successes, 0, 1001));
  if (policy.timeout.count() <= 0) throw sdk::Error("timeout: must be longer than 0s");
  if (policy.deadline.count() <= 0) throw sdk::Error("deadline: must be longer than 0s");
  if (policy.retries < 0 || policy.retries > 100000) {
    throw sdk::Error("retries: must be 0 to 100000");
  }
  if (policy.successes < 1 || policy.successes > 1000) {
    throw sdk::Error("successes: must be 1 to 1000");
  }
  return policy;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// HttpCheck is what health.http asks for, checked before the first attempt.
struct HttpCheck {
  std::string url;  // as given, for messages
  HttpRequest request;
  std::vector<int> expect_status;  // empty: 200 to 399
  std::optional<std::string> body_contains;
  std::optional<std::string> body_regex_text;
  std::optional<std::regex> body_regex;
};

HttpCheck ReadHttpCheck(const Json& p) {
  HttpCheck check;
  check.url = p["url"].as_string();
  std::string error;
  std::optional<Url> url = ParseUrl(check.url, &error);
  if (!url) throw sdk::Error("url: '" + check.url + "' " + error);
  check.request.url = *url;
  check.request.method = p["method"].string_or("GET");
  if (!IsToken(check.request.method)) {
    throw sdk::Error("method: '" + check.request.method + "' is not an HTTP method");
  }
  for (const auto& [name, value] : p["headers"].as_object()) {
    if (!IsToken(name)) throw sdk::Error("headers: '" + name + "' is not a header name");
    const std::string& text = value.as_string();
    for (char c : text) {
      if (c == '\r' || c == '\n' || c == '\0') {
        throw sdk::Error("headers." + name + ": a header value must be one line");
      }
    }
    check.request.headers.emplace_back(name, text);
  }
  if (p.contains("body")) check.request.body = p["body"].as_string();
  check.request.insecure = p["insecure"].is_bool() && p["insecure"].as_bool();
  for (const Json& status : p["expect_status"].items()) {
    check.expect_status.push_back(static_cast<int>(status.as_int()));
  }
  if (p.contains("body_contains")) check.body_contains = p["body_contains"].as_string();
  if (p.contains("body_regex")) {
    check.body_regex_text = p["body_regex"].as_string();
    try {
      check.body_regex.emplace(*check.body_regex_text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw sdk::Error("body_regex: '" + *check.body_regex_text +
                       "' is not a valid ECMAScript regular expression: " + e.what());
    }
  }
  check.request.read_body = check.body_contains || check.body_regex;
  return check;
}

// ---- text ----

std::string Ms(milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string ExpectedStatus(const HttpCheck& check) {
  if (check.expect_status.empty()) return "200-399";
  std::string text;
  for (int s : check.expect_status) text += (text.empty() ? "" : ", ") + std::to_string(s);
  return text;
}

// Joined is `argv` as a shell would take it, quoting what needs quotes.
std::string Joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& a : argv) {
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    text += (text.empty() ? "" : " ") + (plain ? a : quoted + "'");
  }
  return text;
}

// LastLine is the last non-empty line of a program's output, cut to kLineLimit.
std::string LastLine(std::string_view output) {
  size_t end = output.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) return "";
  size_t begin = output.find_last_of('\n', end);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  std::string line(output.substr(begin, end + 1 - begin));
  if (line.size() > kLineLimit) line = line.substr(0, kLineLimit) + "…";
  return line;
}

// ---- probes ----

Attempt Judge(const Exchange& e, const HttpCheck& check) {
  if (e.end == Exchange::End::kCancelled) throw sdk::Cancelled();
  Attempt a;
  if (e.end == Exchange::End::kFailed) {
    a.result = e.error;
    return a;
  }
  a.code = e.status;
  a.result = std::to_string(e.status) + (e.reason.empty() ? "" : " " + e.reason) + " in " +
             Ms(e.took) + (e.location.empty() ? "" : " → " + e.location);
  bool expected = check.expect_status.empty()
                      ? e.status >= 200 && e.status <= 399
                      : std::find(check.expect_status.begin(), check.expect_status.end(),
                                  e.status) != check.expect_status.end();
  if (!expected) {
    a.problem = "expected status " + ExpectedStatus(check);
  } else if (check.body_contains && e.body.find(*check.body_contains) == std::string::npos) {
    a.problem = "body does not contain " + Quoted(*check.body_contains);
  } else if (check.body_regex) {
    try {
      if (!std::regex_search(e.body, *check.body_regex)) {
        a.problem = "body does not match body_regex /" + *check.body_regex_text + "/";
      }
    } catch (const std::regex_error& error) {
      a.problem = std::string("body_regex: ") + error.what();
    }
  }
  a.healthy = a.problem.empty();
  return a;
}

Attempt RunCommand(const sdk::Context& ctx, const std::vector<std::string>& argv,
                   milliseconds limit) {
  // ctx.Run has no time limit, so coreutils' timeout gives each attempt one.
  // --foreground keeps the command in the task's process group, where
  // taskr's SIGTERM on Ctrl-C reaches it.
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3fs", static_cast<double>(limit.count()) / 1000);
  std::vector<std::string> wrapped = {"timeout", "--foreground", std::string(kKillAfter), seconds};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  sdk::RunOptions quiet;
  quiet.capture_only = true;  // its last line goes into the attempt's line instead
  Clock::time_point start = Clock::now();
  sdk::ProcessResult run;
  try {
    run = ctx.Run(wrapped, quiet);
  } catch (const sdk::Cancelled&) {
    throw;
  } catch (const sdk::Error&) {
    throw sdk::Error(
        "cannot start timeout (coreutils), which bounds each attempt of the command; see the log");
  }
  milliseconds took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  Attempt a;
  bool timed_out =
      (run.exit_code == 124 || run.exit_code == 137) && took + milliseconds(100) >= limit;
  if (run.signal) {
    a.result = "killed by signal " + std::to_string(run.signal) + " after " + Ms(took);
  } else if (timed_out) {
    a.result = "timed out after " + FormatDuration(limit);
  } else {
    a.code = run.exit_code;
    a.result = "exit code " + std::to_string(run.exit_code) + " in " + Ms(took);
    a.healthy = run.exit_code == 0;
  }
  if (!a.healthy) a.problem = LastLine(run.output);
  return a;
}

// ---- the plugin ----

class HealthPlugin {
 public:
  static sdk::Manifest Describe() {
    sdk::Manifest m;
    m.name = "health";
    m.version = "1.0.0";
    m.description =
        "Wait until an HTTP(S) endpoint, a TCP port or a command is healthy, within a deadline";
    m.default_action = "http";
    m.actions.push_back(Action("http", "url",
                               "Request a URL until it answers an expected status (and body); "
                               "http:// and https://, no redirects followed",
                               {{"status",
                                 "the HTTP status of the last response; empty when "
                                 "none came"}}));
    m.actions.push_back(
        Action("tcp", "address", "Connect to host:port until a connection opens", {}));
    m.actions.push_back(Action("command", "argv", "Run a command until it exits 0",
                               {{"exit_code",
                                 "the exit code of the last attempt; empty when it "
                                 "timed out or was killed"}}));
    return m;
  }

  void Run(sdk::Context& ctx) {
    std::string_view action = ctx.action();
    if (action == "http") return Http(ctx);
    if (action == "tcp") return Tcp(ctx);
    if (action == "command") return Command(ctx);
    throw sdk::Error("health has no action '" + std::string(action) + "'");
  }

 private:
  static void Http(const sdk::Context& ctx) {
    const Json& p = ctx.params();
    HttpCheck check = ReadHttpCheck(p);
    Policy policy = ReadPolicy(p);
    std::string healthy_when = "status " + ExpectedStatus(check);
    if (check.body_contains) healthy_when += ", body contains " + Quoted(*check.body_contains);
    if (check.body_regex) healthy_when += ", body matches /" + *check.body_regex_text + "/";
    std::string what = check.request.method + " " + check.url;
    ctx.Info(what + ": healthy when " + healthy_when + "; " + PolicyText(policy));
    Verdict v = RunAttempts(ctx, policy, [&](milliseconds limit) {
      return Judge(FetchHttp(check.request, limit, [&ctx] { return ctx.Cancelled(); }), check);
    });
    std::optional<int> status = LastCode(v);
    ctx.SetOutput("status", status ? std::to_string(*status) : "");
    Finish(ctx, "**health.http** " + sdk::MarkdownCode(what), check.url, v);
  }

  static void Tcp(const sdk::Context& ctx) {
    const Json& p = ctx.params();
    std::string text = p["address"].as_string();
    std::string error;
    std::optional<HostPort> address = ParseAddress(text, &error);
    if (!address) throw sdk::Error("address: '" + text + "' " + error);
    Policy policy = ReadPolicy(p);
    ctx.Info(text + ": healthy when a TCP connection opens; " + PolicyText(policy));
    Verdict v = RunAttempts(ctx, policy, [&](milliseconds limit) {
      Exchange e = ConnectTcp(*address, limit, [&ctx] { return ctx.Cancelled(); });
      if (e.end == Exchange::End::kCancelled) throw sdk::Cancelled();
      Attempt a;
      a.healthy = e.end == Exchange::End::kDone;
      a.result = a.healthy ? "connected to " + e.peer + " in " + Ms(e.took) : e.error;
      return a;
    });
    Finish(ctx, "**health.tcp** " + sdk::MarkdownCode(text), text, v);
  }

  static void Command(const sdk::Context& ctx) {
    const Json& p = ctx.params();
    std::vector<std::string> argv = p["argv"].as_strings();
    if (argv.empty() || argv[0].empty()) throw sdk::Error("argv: needs the program to run");
    Policy policy = ReadPolicy(p);
    std::string what = Joined(argv);
    ctx.Info(what + ": healthy when it exits 0; " + PolicyText(policy));
    Verdict v =
        RunAttempts(ctx, policy, [&](milliseconds limit) { return RunCommand(ctx, argv, limit); });
    std::optional<int> code = LastCode(v);
    ctx.SetOutput("exit_code", code ? std::to_string(*code) : "");
    Finish(ctx, "**health.command** " + sdk::MarkdownCode(what), what, v);
  }

  static std::optional<int> LastCode(const Verdict& v) {
    return v.attempts.empty() ? std::nullopt : v.attempts.back().code;
  }

  // Finish publishes the outputs and the summary, then fails the task when
  // the check did not pass.
  static void Finish(const sdk::Context& ctx, const std::string& heading, const std::string& target,
                     const Verdict& v) {
    Publish(ctx, v);
    ctx.AppendSummary(SummaryMarkdown(heading, v));
    if (!v.healthy) throw sdk::Error(FailureMessage(target, v));
    ctx.Info("healthy " + v.ended);
  }
};

}  // namespace

}  // namespace taskr::health

TASKR_PLUGIN(taskr::health::HealthPlugin)
