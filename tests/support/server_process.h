// ServerProcess and its helpers are the plumbing a test fixture needs to run a
// real server (nginx, docker-registry) on a free loopback port. Each fixture
// keeps what is its own: the config, and how it tells that the server which
// answers on the port is its own rather than another test's.
//
//   int port = taskr::test::FreePort();
//   ... write a config that listens on 127.0.0.1:<port> ...
//   taskr::test::ServerProcess server;
//   server.Start({binary.string(), "--config", config.string()}, log);
//   auto ready = [&] { return ReadLog(log).find("listening on") != std::string::npos; };
//   if (server.WaitUntilReady(ready, std::chrono::seconds(5)) != Readiness::kReady) ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::test {

/// FindProgram returns the executable `name` from the first folder of PATH that
/// has it, else from the first of `more_dirs`; empty when none has it.
std::filesystem::path FindProgram(std::string_view name,
                                  const std::vector<std::filesystem::path>& more_dirs = {});

/// FreePort returns a TCP port on 127.0.0.1 that nothing uses right now; a server
/// may still lose it to another process before it binds.
int FreePort();

/// ConnectLoopback returns a socket connected to 127.0.0.1:<port>, which the
/// caller closes, or -1 when nothing accepts connections there.
int ConnectLoopback(int port);

/// ReadLog returns what the file at `path` holds so far, "" when it does not exist.
std::string ReadLog(const std::filesystem::path& path);

/// ServerProcess owns one server process; the destructor stops it. If the test
/// process dies, the server is sent SIGTERM (PR_SET_PDEATHSIG).
class ServerProcess {
 public:
  /// Readiness is how WaitUntilReady ended.
  enum class Readiness { kReady, kExited, kTimedOut };

  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Start runs `argv` (argv[0] is a path) with stdin from /dev/null and stdout
  /// and stderr appended to `log`; it fails the running test when fork fails.
  void Start(std::vector<std::string> argv, const std::filesystem::path& log);
  /// WaitUntilReady polls `ready` until it returns true, the process exits (then
  /// it is reaped and no longer owned) or `limit` passes (it keeps running).
  Readiness WaitUntilReady(const std::function<bool()>& ready, std::chrono::milliseconds limit);
  /// Stop sends SIGTERM, waits up to 5 s, then SIGKILL; nothing when none runs.
  void Stop();
  /// pid is the server's process id, -1 when none runs.
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace taskr::test
