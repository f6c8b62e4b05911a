// Subprocess spawns a child in its own process group and reports its output
// and exit through an EventLoop, without ever blocking the loop.
//
//   auto child = Subprocess::Spawn(loop, {.argv = {"/bin/sh", "-c", "make"}},
//       [](std::string_view chunk) { ... }, [](ExitStatus st) { ... });
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/status.h"

namespace taskr {

class EventLoop;

/// SpawnSpec says what to start: argv[0] is a path or a name looked up in PATH.
struct SpawnSpec {
  std::vector<std::string> argv;
  /// env holds "KEY=value" entries; the child sees exactly these.
  std::vector<std::string> env;
  /// cwd is the child's working directory; empty keeps ours.
  std::string cwd;
  /// message_channel opens a second pipe as the child's fd 3, read by on_message.
  bool message_channel = false;
};

/// ExitStatus is how a child ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // 0 when it exited
  bool ok() const { return exit_code == 0; }
};

/// SignalName returns "SIGKILL" and the like, or "signal N".
std::string SignalName(int signal);

/// Subprocess is one running child. Destroying it does not kill the child; call
/// Signal first. Callbacks run on the loop's thread.
class Subprocess {
 public:
  using OutputFn = std::function<void(std::string_view chunk)>;
  using ExitFn = std::function<void(ExitStatus status)>;

  /// Spawn starts the child with stdin from /dev/null and stdout and stderr merged
  /// into one pipe. `on_output` gets every byte in order; with
  /// spec.message_channel, `on_message` gets every byte the child writes to fd 3.
  /// `on_exit` runs once, after the child exited and its pipes ended (or 500 ms
  /// after it exited, when a background process it left holds a pipe open).
  static Result<std::unique_ptr<Subprocess>> Spawn(EventLoop& loop, const SpawnSpec& spec,
                                                   OutputFn on_output, ExitFn on_exit,
                                                   OutputFn on_message = nullptr);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// Signal sends `signal` to the child's whole process group.
  void Signal(int signal);
  /// pid is the child's pid, which is also its process group id.
  pid_t pid() const;

  struct Impl;

 private:
  explicit Subprocess(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

/// FindProgram resolves `name` through PATH (names with a '/' are returned as
/// they are); empty when not found.
std::string FindProgram(const std::string& name);

}  // namespace taskr
