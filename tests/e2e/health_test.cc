// End-to-end: the health plugin, loaded by the real taskr binary, checking
// real servers on 127.0.0.1: nginx (the remote cache tests' fixture, whose
// /health/ locations answer 200, 503, 500, a redirect, and 503 until a file
// appears; with TLS, a self-signed certificate for localhost), a port that
// nothing listens on, a socket that accepts but never answers, and real
// commands through coreutils' timeout. Every deliberate wait is short.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/e2e/harness.h"
#include "tests/support/server_process.h"
#include "tests/unit/cache/nginx_fixture.h"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;
using taskr::test::NginxServer;
namespace fs = std::filesystem;

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Log(const Workspace& ws, const std::string& task) {
  return ws.Read(".taskr/runs/latest/logs/" + task + ".log");
}

// ConsoleLine is the line of the console's task list that starts with
// `status` and names `task`.
std::string ConsoleLine(const std::string& out, const std::string& status,
                        const std::string& task) {
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? end : end - start);
    if (line.starts_with(status) && line.find(" " + task + " ") != std::string::npos) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// SilentServer listens on a loopback port and never accepts: the kernel
// completes each connection, and no byte ever comes back.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { close(fd_); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE(
    "health.http passes on a healthy endpoint, hands status, attempts and healthy downstream, "
    "and is never cached",
    "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.up]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/ok") +
               R"toml(", body_contains = "ready", body_regex = "status: (ready|up)" }
inputs = ["pipeline.toml"]

[tasks.report]
needs = ["up"]
run = 'echo "status=${{ needs.up.outputs.status }} attempts=${{ needs.up.outputs.attempts }} healthy=${{ needs.up.outputs.healthy }}" > report.txt'
)toml");
  Outcome o = ws.Run({"run", "report"});
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  CHECK(ws.Read("report.txt") == "status=200 attempts=1 healthy=true\n");
  std::string log = Log(ws, "up");
  CHECK_THAT(log, StartsWith("GET " + nginx.Url("/health/ok") +
                             ": healthy when status 200-399, body contains \"ready\", body "
                             "matches /status: (ready|up)/; up to 11 attempts, 2s apart, 5s "
                             "each, within 2m\n"));
  CHECK_THAT(log, ContainsSubstring("attempt 1/11: 200 OK in "));
  CHECK_THAT(log, ContainsSubstring(" ms: healthy\nhealthy after 1 attempt in "));
  std::string summary = ws.Read(".taskr/runs/latest/summary.md");
  INFO(summary);
  CHECK_THAT(summary, ContainsSubstring("**health.http** `GET " + nginx.Url("/health/ok") +
                                        "`: ✅ healthy after 1 attempt in "));
  CHECK_THAT(summary, ContainsSubstring("| attempt | started | result |\n|---:|---:|---|\n| 1 | "
                                        "0.0s | ✅ 200 OK in "));

  // An effect: even with declared inputs, a second run checks again.
  Outcome again = ws.Run({"run", "report"});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(ConsoleLine(again.out, "ok", "up"), StartsWith("ok"));
  CHECK(Count(nginx.AccessLog(), "GET /health/ok 200") == 2);
  CHECK_THAT(nginx.AccessLog(), ContainsSubstring("ua=\"taskr-health/1.0\""));
}

TEST_CASE("health.http waits for an endpoint that becomes healthy, logging every attempt",
          "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.deploy]
run = "true"

[tasks.smoke]
needs = ["deploy"]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/later") +
               R"(", interval = "250ms", body_contains = "v2" }

[tasks.report]
needs = ["smoke"]
run = 'echo "${{ needs.smoke.outputs.attempts }}" > attempts.txt'
)");
  std::thread deployer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    std::ofstream(nginx.dir() / "health/ready.tmp") << "version v2\n";
    fs::rename(nginx.dir() / "health/ready.tmp", nginx.dir() / "health/ready");
  });
  Outcome o = ws.Run({"run", "report"});
  deployer.join();
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  int attempts = std::stoi(ws.Read("attempts.txt"));
  CHECK(attempts >= 4);
  CHECK(attempts <= 11);
  std::string log = Log(ws, "smoke");
  INFO(log);
  CHECK(Count(log, "attempt ") == static_cast<size_t>(attempts));
  CHECK_THAT(log, ContainsSubstring("attempt 1/11: 503 Service Temporarily Unavailable in "));
  CHECK_THAT(log, ContainsSubstring(" ms: expected status 200-399\nattempt 2/11: 503 "));
  CHECK_THAT(log, ContainsSubstring("attempt " + std::to_string(attempts) + "/11: 200 OK in "));
  CHECK_THAT(log, ContainsSubstring("healthy after " + std::to_string(attempts) + " attempts in "));
  std::string summary = ws.Read(".taskr/runs/latest/summary.md");
  CHECK_THAT(summary, ContainsSubstring("| 1 | 0.0s | ❌ 503 Service Temporarily Unavailable in "));
  CHECK_THAT(summary, ContainsSubstring("| " + std::to_string(attempts) + " | "));
}

TEST_CASE(
    "health.http on an endpoint that stays at 503 fails with one line naming the url, the last "
    "result and the attempts",
    "[e2e][health]") {
  NginxServer nginx;
  std::string url = nginx.Url("/health/never");
  Workspace ws(R"(
[tasks.never]
uses = "health.http"
with = { url = ")" +
               url + R"(", retries = 2, interval = "100ms" }

[tasks.probe]
uses = "health.http"
with = { url = ")" +
               url + R"(", retries = 0 }
allow_failure = true

[tasks.report]
needs = ["probe"]
run = 'echo "healthy=${{ needs.probe.outputs.healthy }} status=${{ needs.probe.outputs.status }}" > report.txt'
)");
  Outcome o = ws.Run({"run", "never", "report", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  std::string line = ConsoleLine(o.out, "FAILED", "never");
  CHECK_THAT(line,
             ContainsSubstring("plugin 'health': " + url + ": not healthy after 3 attempts in 0."));
  CHECK_THAT(line, ContainsSubstring("s; last: 503 Service Temporarily Unavailable in "));
  CHECK_THAT(line, ContainsSubstring(" ms: expected status 200-399"));
  std::string log = Log(ws, "never");
  CHECK(Count(log, "attempt ") == 3);
  CHECK_THAT(log, ContainsSubstring("attempt 3/3: 503 Service Temporarily Unavailable in "));
  // The log tail under "failed: never:" shows the attempts.
  CHECK_THAT(o.out, ContainsSubstring("  attempt 2/3: 503 Service Temporarily Unavailable in "));
  std::string summary = ws.Read(".taskr/runs/latest/summary.md");
  CHECK_THAT(summary, ContainsSubstring("**health.http** `GET " + url +
                                        "`: ❌ not healthy after 3 attempts in "));
  CHECK_THAT(summary, ContainsSubstring("| 3 | 0."));
  // A failed check still hands its outputs on.
  CHECK(ws.Read("report.txt") == "healthy=false status=503\n");
}

TEST_CASE("health.http: the deadline bounds the whole check (retries = 100, deadline = 3s)",
          "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.never]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/never") +
               R"(", retries = 100, interval = "200ms", deadline = "3s" }
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "never"});
  double took = Seconds(start);
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK(took > 2.5);
  CHECK(took < 4.5);
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "never"),
             ContainsSubstring(": not healthy within the 3s deadline ("));
  CHECK_THAT(Log(ws, "never"), ContainsSubstring("up to 101 attempts, 200ms apart, 5s each, "
                                                 "within 3s\n"));
}

TEST_CASE("health.http judges a 500 and a redirect by expect_status and follows no redirect",
          "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.error]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/error") +
               R"(", retries = 0 }

[tasks.error_expected]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/error") +
               R"(", expect_status = [500, 503] }

[tasks.moved]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/moved") +
               R"(" }

[tasks.moved_strict]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/moved") +
               R"(", expect_status = [200], retries = 0 }

[tasks.moved_status]
needs = ["moved"]
run = 'echo "${{ needs.moved.outputs.status }}" > moved.txt'
)");
  Outcome o =
      ws.Run({"run", "error", "error_expected", "moved_status", "moved_strict", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "error"),
             ContainsSubstring("; last: 500 Internal Server Error in "));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "error"),
             ContainsSubstring(" ms: expected status 200-399"));
  CHECK_THAT(ConsoleLine(o.out, "ok", "error_expected"), StartsWith("ok"));
  CHECK(ws.Read("moved.txt") == "301\n");
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "moved_strict"),
             ContainsSubstring(" ms → " + nginx.Url("/health/ok") + ": expected status 200"));
  CHECK(Count(nginx.AccessLog(), "GET /health/ok ") == 0);
}

TEST_CASE("health.http fails a body that lacks body_contains, saying what it looked for",
          "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.body]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/ok") +
               R"(", body_contains = "version 2", retries = 0 }
)");
  Outcome o = ws.Run({"run", "body"});
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "body"), ContainsSubstring("; last: 200 OK in "));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "body"),
             ContainsSubstring(" ms: body does not contain \"version 2\""));
}

TEST_CASE(
    "health.http and health.tcp say 'connection refused' for a port nothing listens on; "
    "health.tcp connects to nginx's",
    "[e2e][health]") {
  NginxServer nginx;
  int refused = taskr::test::FreePort();  // and nothing listens there
  std::string address = "127.0.0.1:" + std::to_string(refused);
  Workspace ws(R"(
[tasks.http_refused]
uses = "health.http"
with = { url = "http://)" +
               address + R"(/healthz", retries = 1, interval = "100ms" }

[tasks.tcp_refused]
uses = "health.tcp"
with = { address = ")" +
               address + R"(", retries = 1, interval = "100ms" }

[tasks.tcp_up]
uses = "health.tcp"
with = { address = "localhost:)" +
               std::to_string(nginx.port()) + R"(" }

[tasks.tcp_report]
needs = ["tcp_up"]
run = 'echo "${{ needs.tcp_up.outputs.healthy }} ${{ needs.tcp_up.outputs.attempts }}" > tcp.txt'
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "http_refused", "tcp_refused", "tcp_report", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(Seconds(start) < 3);
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "http_refused"),
             ContainsSubstring("plugin 'health': http://" + address +
                               "/healthz: not healthy after 2 attempts in "));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "http_refused"),
             ContainsSubstring("; last: connection refused by " + address));
  CHECK_THAT(
      ConsoleLine(o.out, "FAILED", "tcp_refused"),
      ContainsSubstring("plugin 'health': " + address + ": not healthy after 2 attempts in "));
  CHECK_THAT(Log(ws, "tcp_refused"),
             ContainsSubstring("attempt 1/2: connection refused by " + address + "\n"));
  CHECK(ws.Read("tcp.txt") == "true 1\n");
  CHECK_THAT(Log(ws, "tcp_up"), ContainsSubstring("attempt 1/11: connected to 127.0.0.1:" +
                                                  std::to_string(nginx.port()) + " in "));
}

TEST_CASE("health.http ends an attempt at its timeout on a server that never answers",
          "[e2e][health]") {
  SilentServer silent;
  Workspace ws(R"(
[tasks.silent]
uses = "health.http"
with = { url = "http://127.0.0.1:)" +
               std::to_string(silent.port()) +
               R"(/", timeout = "300ms", retries = 1, interval = "100ms" }
)");
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "silent"});
  INFO(o.out << o.err);
  CHECK(Seconds(start) < 3);
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "silent"),
             ContainsSubstring("; last: timed out after 300ms waiting for the response"));
}

TEST_CASE(
    "health.http over https: the self-signed certificate fails verification unless insecure, "
    "and SSL_CERT_FILE trusts it for the name it was made for",
    "[e2e][health]") {
  NginxServer nginx({.tls = true});
  std::string by_ip = nginx.Url("/health/ok");
  std::string by_name = nginx.Url("/health/ok", "localhost");
  Workspace ws(R"(
[tasks.insecure]
uses = "health.http"
with = { url = ")" +
               by_ip + R"(", insecure = true, body_contains = "ready" }

[tasks.strict]
uses = "health.http"
with = { url = ")" +
               by_ip + R"(", retries = 0 }

[tasks.trusted]
uses = "health.http"
with = { url = ")" +
               by_name + R"(", retries = 0 }
env = { SSL_CERT_FILE = ")" +
               nginx.cert_file().string() + R"(" }

[tasks.wrong_host]
uses = "health.http"
with = { url = ")" +
               by_ip + R"(", retries = 0 }
env = { SSL_CERT_FILE = ")" +
               nginx.cert_file().string() + R"(" }
)");
  Outcome o = ws.Run({"run", "insecure", "strict", "trusted", "wrong_host", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "ok", "insecure"), StartsWith("ok"));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "strict"),
             ContainsSubstring("; last: TLS certificate verification failed: self-signed "
                               "certificate (insecure = true skips the check)"));
  CHECK_THAT(ConsoleLine(o.out, "ok", "trusted"), StartsWith("ok"));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "wrong_host"),
             ContainsSubstring("; last: TLS certificate verification failed: IP address "
                               "mismatch"));
  // SNI carries the name, and only a name.
  std::string access = nginx.AccessLog();
  INFO(access);
  CHECK(Count(access, "GET /health/ok 200") == 2);
  CHECK_THAT(access, ContainsSubstring("sni=\"localhost\""));
}

TEST_CASE("health.command runs a real command until it exits 0, each attempt under its timeout",
          "[e2e][health]") {
  Workspace ws(R"(
[tasks.file]
uses = "health.command"
with = { argv = ["test", "-f", "ready"], interval = "100ms" }

[tasks.slow]
uses = "health.command"
with = { argv = ["sleep", "10"], timeout = "300ms", retries = 0 }
)");
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ws.Write("ready", "");
  });
  auto start = std::chrono::steady_clock::now();
  Outcome o = ws.Run({"run", "file", "slow", "--keep-going"});
  later.join();
  INFO(o.out << o.err);
  CHECK(Seconds(start) < 4);
  CHECK(o.exit_code == 1);
  CHECK_THAT(ConsoleLine(o.out, "ok", "file"), StartsWith("ok"));
  CHECK_THAT(Log(ws, "file"), ContainsSubstring("attempt 1/11: exit code 1 in "));
  CHECK_THAT(Log(ws, "file"), ContainsSubstring(": exit code 0 in "));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "slow"),
             ContainsSubstring("plugin 'health': sleep 10: not healthy after 1 attempt in 0."));
  CHECK_THAT(ConsoleLine(o.out, "FAILED", "slow"),
             ContainsSubstring("; last: timed out after 300ms"));
}

TEST_CASE("health: Ctrl-C stops a check that waits between attempts at once", "[e2e][health]") {
  NginxServer nginx;
  Workspace ws(R"(
[tasks.never]
uses = "health.http"
with = { url = ")" +
               nginx.Url("/health/never") +
               R"(", interval = "30s" }
)");
  pid_t taskr = ws.Start({"run", "never"}, "run");
  auto started = std::chrono::steady_clock::now();
  while (Log(ws, "never").find("attempt 1/11") == std::string::npos && Seconds(started) < 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE_THAT(Log(ws, "never"), ContainsSubstring("attempt 1/11"));
  kill(taskr, SIGINT);
  auto start = std::chrono::steady_clock::now();
  CHECK(taskr::e2e::WaitExit(taskr) == 130);
  CHECK(Seconds(start) < 2);
  CHECK_THAT(ws.Read("run.out"), ContainsSubstring("cancelled never"));
}

TEST_CASE(
    "health: a bad duration is a load error at its place in pipeline.toml; a bad body_regex "
    "fails the task naming it",
    "[e2e][health]") {
  Workspace ws(R"(
[tasks.slowly]
uses = "health.http"
with = { url = "http://127.0.0.1:1/", timeout = "5 seconds" }
)");
  Outcome o = ws.Run({"run", "slowly"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:4:"));
  CHECK_THAT(o.err, ContainsSubstring("error: [tasks.slowly] with.timeout: must match the "
                                      "pattern '^([0-9]+([.][0-9]+)?(ms|s|m|h))+$'"));

  ws.Write("pipeline.toml", R"(
[tasks.regex]
uses = "health.http"
with = { url = "http://127.0.0.1:1/", body_regex = "ready(" }
)");
  Outcome bad = ws.Run({"run", "regex"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(ConsoleLine(bad.out, "FAILED", "regex"),
             ContainsSubstring("plugin 'health': body_regex: 'ready(' is not a valid ECMAScript "
                               "regular expression: "));
}

TEST_CASE(
    "health: taskr plugins info health lists every parameter, says each action is an effect, "
    "and prints an example that taskr validate accepts",
    "[e2e][health]") {
  Workspace ws("");
  Outcome info = ws.Run({"plugins", "info", "health"});
  INFO(info.out << info.err);
  REQUIRE(info.exit_code == 0);
  for (const char* action : {"http", "tcp", "command"}) {
    CHECK_THAT(info.out, ContainsSubstring("action " + std::string(action)));
  }
  CHECK(Count(info.out, "(effect: never cached)") == 3);
  for (const char* param : {"url ", "method ", "headers ", "body ", "expect_status ",
                            "body_contains ", "body_regex ", "insecure ", "address ", "argv ",
                            "timeout ", "interval ", "retries ", "deadline ", "successes "}) {
    CHECK_THAT(info.out, ContainsSubstring("      " + std::string(param)));
  }
  CHECK_THAT(info.out, ContainsSubstring("deadline       string, default \"2m\""));
  size_t at = info.out.find("\nExample:\n");
  REQUIRE(at != std::string::npos);
  std::string example = info.out.substr(at + 10);
  CHECK_THAT(example, ContainsSubstring("uses = \"health.http\""));
  ws.Write("pipeline.toml", example);
  Outcome validate = ws.Run({"validate"});
  INFO(example << validate.err);
  CHECK(validate.exit_code == 0);
}
