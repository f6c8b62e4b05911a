// Helpers for end-to-end tests: a temporary workspace holding a
// pipeline.toml, and the real taskr binary run inside it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::e2e {

/// Outcome is what a taskr invocation printed and returned.
struct Outcome {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Workspace is a fresh temporary folder, removed when the test ends.
class Workspace {
 public:
  /// Workspace writes `pipeline_toml` as pipeline.toml in a new folder.
  explicit Workspace(std::string_view pipeline_toml);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  /// Write creates `relative` (and its folders) with `content`.
  void Write(const std::filesystem::path& relative, std::string_view content) const;
  /// Read returns the content of `relative`, or "" when it does not exist.
  std::string Read(const std::filesystem::path& relative) const;
  bool Exists(const std::filesystem::path& relative) const;

  /// Run runs taskr with `args` in the workspace and waits for it.
  Outcome Run(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) const;
  /// Start starts taskr in the background; stdout and stderr go to files in the workspace.
  pid_t Start(const std::vector<std::string>& args, const std::string& log_name) const;

 private:
  std::filesystem::path dir_;
};

/// WaitExit waits for a child started with Workspace::Start and returns its exit code.
int WaitExit(pid_t pid);
/// WaitFor polls until `relative` exists in `ws`, up to `seconds`; false on time-out.
bool WaitFor(const Workspace& ws, const std::filesystem::path& relative, double seconds);
/// ProcessAlive tells whether `pid` is a live process (zombies count as dead).
bool ProcessAlive(pid_t pid);
/// Count returns how many times `needle` occurs in `haystack`.
size_t Count(std::string_view haystack, std::string_view needle);

}  // namespace taskr::e2e
