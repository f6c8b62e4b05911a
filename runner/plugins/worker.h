// The plugin worker loads one plugin and runs one action, so plugin code never
// runs in the scheduler's process. It is the small taskr-worker binary beside
// taskr (which loads none of taskr's other libraries, so it starts fast), or
// `taskr __worker` when that binary is missing. The scheduler starts it like any
// task (own process group, output to the task log) and reads fd 3.
//
//   taskr-worker manifest PLUGIN.so   prints the manifest JSON (one line), then
//                                     "capabilities N" (TASKR_CAP_* bits)
//   taskr-worker run                  runs the action in $TASKR_WORKER_REQUEST
//   taskr-worker identity             prints the action's tool identity (may be empty)
//
// Messages are JSON lines on fd 3, one object each, keyed by "t":
//   {"t":"log","level":1,"msg":"..."}        {"t":"output","key":"k","value":"v"}
//   {"t":"finding", ...taskr_finding fields} {"t":"artifact","path":"p","digest":"sha256:.."}
//   {"t":"summary","md":"..."}               {"t":"error","msg":"..."}
//   {"t":"done"}                              last, when the action returned TASKR_OK
#pragma once

#include <string>
#include <vector>

namespace taskr {

/// kWorkerCommand is the hidden first argument that puts taskr in worker mode.
inline constexpr const char* kWorkerCommand = "__worker";
/// kWorkerBinary is the worker executable's file name, beside taskr.
inline constexpr const char* kWorkerBinary = "taskr-worker";
/// kWorkerRequestEnv names the variable holding the run request (JSON):
/// {"plugin": path, "action": name, "params": {...}, "workspace": path, "secrets": {...}}.
inline constexpr const char* kWorkerRequestEnv = "TASKR_WORKER_REQUEST";

/// Worker exit codes the scheduler tells apart.
inline constexpr int kWorkerOk = 0;
inline constexpr int kWorkerActionFailed = 1;
inline constexpr int kWorkerLoadFailed = 2;
inline constexpr int kWorkerCancelled = 3;

/// RunWorker is main() in worker mode; `args` are the words after the program
/// (or after kWorkerCommand): {"manifest", path} or {"run"}.
int RunWorker(const std::vector<std::string>& args);

}  // namespace taskr
