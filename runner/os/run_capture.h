// RunCapture runs a program to completion outside any event loop and returns
// what it printed; for short helper runs such as reading a plugin's manifest.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runner/base/status.h"
#include "runner/os/subprocess.h"

namespace taskr {

/// Captured is a finished run: how it ended and its two output streams.
struct Captured {
  ExitStatus status;
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// RunCapture runs argv (no shell) with our environment and stdin from
/// /dev/null; a run longer than `timeout` is killed (SIGKILL) and flagged.
/// `extra_env` entries ("NAME=value") are added to the environment, replacing
/// ours of the same name.
Result<Captured> RunCapture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            const std::vector<std::string>& extra_env = {});

}  // namespace taskr
