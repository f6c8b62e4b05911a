#include "runner/plugins/worker.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runner/base/digest.h"
#include "runner/plugins/plugin_loader.h"

extern char** environ;

namespace taskr {

namespace {

using nlohmann::json;

constexpr int kMessageFd = 3;
constexpr auto kChildKillGrace = std::chrono::seconds(5);

std::atomic<bool> g_cancelled{false};

void OnTerminate(int) { g_cancelled.store(true); }

std::string_view View(taskr_str s) {
  return s.data ? std::string_view(s.data, s.size) : std::string_view();
}
taskr_str Str(const std::string& s) { return taskr_str{s.data(), s.size()}; }

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// WorkerHost implements taskr_host for one action call.
class WorkerHost {
 public:
  WorkerHost(std::string workspace, std::map<std::string, std::string> secrets)
      : workspace_(std::move(workspace)), secrets_(std::move(secrets)) {
    table_.struct_size = sizeof table_;
    table_.ctx = this;
    table_.log = [](void* c, taskr_log_level level, taskr_str m) {
      Self(c)->Send({{"t", "log"}, {"level", static_cast<int>(level)}, {"msg", View(m)}});
    };
    table_.set_output = [](void* c, taskr_str k, taskr_str v) {
      if (View(k).empty()) return TASKR_INVALID_ARGUMENT;
      Self(c)->Send({{"t", "output"}, {"key", View(k)}, {"value", View(v)}});
      return TASKR_OK;
    };
    table_.report_finding = [](void* c, const taskr_finding* f) { return Self(c)->Finding(f); };
    table_.add_artifact = [](void* c, taskr_str p, taskr_str d) {
      if (View(p).empty()) return TASKR_INVALID_ARGUMENT;
      Self(c)->Send({{"t", "artifact"}, {"path", View(p)}, {"digest", View(d)}});
      return TASKR_OK;
    };
    table_.append_summary = [](void* c, taskr_str md) {
      Self(c)->Send({{"t", "summary"}, {"md", View(md)}});
      return TASKR_OK;
    };
    table_.cancelled = [](void*) { return g_cancelled.load(); };
    table_.run_process = [](void* c, const taskr_process_spec* spec, taskr_output_fn fn, void* user,
                            taskr_process_result* result) {
      return Self(c)->RunProcess(spec, fn, user, result);
    };
    table_.workspace = [](void* c) { return Str(Self(c)->workspace_); };
    table_.env = [](void*, taskr_str name, bool* found) {
      const char* v = std::getenv(std::string(View(name)).c_str());
      *found = v != nullptr;
      return v ? taskr_str{v, std::strlen(v)} : taskr_str{nullptr, 0};
    };
    table_.secret = [](void* c, taskr_str name, bool* found) {
      auto& secrets = Self(c)->secrets_;
      auto it = secrets.find(std::string(View(name)));
      *found = it != secrets.end();
      return *found ? Str(it->second) : taskr_str{nullptr, 0};
    };
  }

  const taskr_host* table() const { return &table_; }

  void Send(const json& message) {
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::lock_guard<std::mutex> lock(mu_);
    WriteAll(kMessageFd, line);
  }

 private:
  static WorkerHost* Self(void* c) { return static_cast<WorkerHost*>(c); }

  taskr_status Finding(const taskr_finding* f) {
    if (!f || f->struct_size < offsetof(taskr_finding, help_uri) + sizeof(taskr_str)) {
      return TASKR_INVALID_ARGUMENT;
    }
    static const char* kLevels[] = {"note", "warning", "error"};
    int level = static_cast<int>(f->level);
    Send({{"t", "finding"},
          {"rule_id", View(f->rule_id)},
          {"rule_name", View(f->rule_name)},
          {"level", kLevels[level >= 0 && level <= 2 ? level : 1]},
          {"message", View(f->message)},
          {"file", View(f->file)},
          {"line", f->line},
          {"column", f->column},
          {"security_severity", f->security_severity},
          {"help", View(f->help)},
          {"help_uri", View(f->help_uri)}});
    return TASKR_OK;
  }

  std::string Mask(std::string text) const {
    for (const auto& [name, secret] : secrets_) {
      if (secret.empty()) continue;
      for (size_t pos = text.find(secret); pos != std::string::npos;
           pos = text.find(secret, pos + 3)) {
        text.replace(pos, secret.size(), "***");
      }
    }
    return text;
  }

  // RunProcess runs a child in our process group (so a cancelled task's
  // SIGTERM reaches it too), relays its output, and stops it on cancellation.
  taskr_status RunProcess(const taskr_process_spec* spec, taskr_output_fn fn, void* user,
                          taskr_process_result* result) {
    if (!spec || spec->argc == 0 || !result) return TASKR_INVALID_ARGUMENT;
    if (g_cancelled.load()) return TASKR_CANCELLED;
    std::vector<std::string> args, envs;
    for (size_t i = 0; i < spec->argc; ++i) args.emplace_back(View(spec->argv[i]));
    // The action's entries replace inherited ones of the same name: getenv()
    // and Go's os.Getenv read the first.
    std::vector<std::string_view> names;
    for (size_t i = 0; i < spec->envc; ++i) {
      std::string_view e = View(spec->env[i]);
      if (size_t eq = e.find('='); eq != std::string_view::npos)
        names.push_back(e.substr(0, eq + 1));
    }
    for (char** e = environ; *e; ++e) {
      std::string_view entry(*e);
      bool replaced = std::any_of(names.begin(), names.end(),
                                  [&](std::string_view n) { return entry.starts_with(n); });
      if (!replaced) envs.emplace_back(entry);
    }
    for (size_t i = 0; i < spec->envc; ++i) envs.emplace_back(View(spec->env[i]));
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string cwd(View(spec->cwd));
    if (cwd.empty()) {
      cwd = workspace_;
    } else if (cwd.front() != '/') {
      cwd = workspace_ + "/" + cwd;
    }
    if (access(cwd.c_str(), X_OK) != 0) {
      return Fail(
          fmt::format("cannot start {}: working directory {} does not exist", args[0], cwd));
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Fail(fmt::format("pipe: {}", strerror(errno)));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int err = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (err != 0) {
      close(fds[0]);
      return Fail(fmt::format("cannot start {}: {}", args[0], strerror(err)));
    }

    bool stopping = false;
    auto stop_deadline = std::chrono::steady_clock::time_point::max();
    char buf[64 * 1024];
    while (true) {
      pollfd p{fds[0], POLLIN, 0};
      int ready = poll(&p, 1, 100);
      if (ready > 0) {
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        std::string chunk = Mask(std::string(buf, static_cast<size_t>(n)));
        if (!spec->capture_only) WriteAll(STDOUT_FILENO, chunk);
        if (fn) fn(user, taskr_str{chunk.data(), chunk.size()});
      }
      if (g_cancelled.load() && !stopping) {
        stopping = true;
        kill(pid, SIGTERM);
        stop_deadline = std::chrono::steady_clock::now() + kChildKillGrace;
      }
      if (stopping && std::chrono::steady_clock::now() > stop_deadline) kill(pid, SIGKILL);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return g_cancelled.load() ? TASKR_CANCELLED : TASKR_OK;
  }

  taskr_status Fail(const std::string& message) {
    Send({{"t", "log"}, {"level", static_cast<int>(TASKR_LOG_ERROR)}, {"msg", message}});
    return TASKR_ERROR;
  }

  taskr_host table_{};
  std::string workspace_;
  std::map<std::string, std::string> secrets_;
  std::mutex mu_;
};

int PrintManifest(const std::string& path) {
  auto plugin = LoadPlugin(path);
  if (!plugin.ok()) {
    fmt::print(stderr, "{}\n", plugin.status().message());
    return kWorkerLoadFailed;
  }
  std::string_view manifest = View((*plugin)->table().manifest());
  if (manifest.empty()) {
    fmt::print(stderr, "{}: the plugin's manifest is empty (did Describe() throw?)\n", path);
    return kWorkerLoadFailed;
  }
  // One line of JSON, then what the table offers beyond the manifest.
  std::string text(manifest);
  std::replace(text.begin(), text.end(), '\n', ' ');
  WriteAll(STDOUT_FILENO, text);
  WriteAll(STDOUT_FILENO, fmt::format("\ncapabilities {}\n", (*plugin)->table().capabilities));
  return kWorkerOk;
}

int RunAction(bool identity_only) {
  const char* raw = std::getenv(kWorkerRequestEnv);
  if (!raw) {
    fmt::print(stderr, "taskr worker: ${} is not set\n", kWorkerRequestEnv);
    return kWorkerLoadFailed;
  }
  json request = json::parse(raw, nullptr, false);
  unsetenv(kWorkerRequestEnv);  // the plugin's children need not see it
  if (request.is_discarded() || !request.is_object()) {
    fmt::print(stderr, "taskr worker: ${} is not a JSON object\n", kWorkerRequestEnv);
    return kWorkerLoadFailed;
  }
  std::map<std::string, std::string> secrets;
  if (auto it = request.find("secrets"); it != request.end() && it->is_object()) {
    for (auto entry = it->begin(); entry != it->end(); ++entry) {
      if (entry->is_string()) secrets[entry.key()] = entry->get<std::string>();
    }
  }
  WorkerHost host(request.value("workspace", ""), std::move(secrets));

  std::string path = request.value("plugin", "");
  if (std::string pin = request.value("sha256", ""); !pin.empty()) {
    Result<std::string> digest = Sha256File(path);
    if (!digest.ok() || *digest != pin) {
      host.Send(
          {{"t", "error"},
           {"msg", fmt::format("{} changed since it was checked: its sha256 is {}, the pin {}",
                               path, digest.ok() ? *digest : digest.status().message(), pin)}});
      return kWorkerLoadFailed;
    }
  }
  auto plugin = LoadPlugin(path);
  if (!plugin.ok()) {
    host.Send({{"t", "error"}, {"msg", plugin.status().message()}});
    return kWorkerLoadFailed;
  }
  const taskr_plugin& table = (*plugin)->table();
  void* instance = table.create();
  if (!instance) {
    host.Send({{"t", "error"}, {"msg", "the plugin could not create an instance"}});
    return kWorkerActionFailed;
  }
  std::string action = request.value("action", "");
  auto params_it = request.find("params");
  std::string params = params_it != request.end() ? params_it->dump() : "{}";
  taskr_action_call call{};
  call.struct_size = sizeof call;
  call.action = Str(action);
  call.params_json = Str(params);
  call.host = host.table();
  if (identity_only) {
    // tool_identity: the tools' versions and database digests, for the cache key.
    taskr_str identity{nullptr, 0};
    taskr_status st =
        table.tool_identity ? table.tool_identity(instance, &call, &identity) : TASKR_UNSUPPORTED;
    std::string text(View(identity));
    std::string error(View(table.last_error(instance)));
    table.destroy(instance);
    if (st == TASKR_UNSUPPORTED) return kWorkerOk;
    if (st != TASKR_OK) {
      fmt::print(stderr, "tool_identity failed: {}\n", error);
      return kWorkerActionFailed;
    }
    WriteAll(STDOUT_FILENO, text);
    return kWorkerOk;
  }
  taskr_status status = table.run(instance, &call);
  int code = kWorkerOk;
  if (status == TASKR_OK) {
    host.Send({{"t", "done"}});
  } else {
    std::string message(View(table.last_error(instance)));
    if (message.empty())
      message = fmt::format("the action failed with status {}", static_cast<int>(status));
    host.Send({{"t", "error"}, {"msg", message}});
    code = status == TASKR_CANCELLED ? kWorkerCancelled : kWorkerActionFailed;
  }
  table.destroy(instance);
  return code;
}

}  // namespace

int RunWorker(const std::vector<std::string>& args) {
  // The message channel is ours alone: children the plugin starts must not
  // inherit it, or they could forge outputs.
  fcntl(kMessageFd, F_SETFD, FD_CLOEXEC);
  struct sigaction sa {};
  sa.sa_handler = OnTerminate;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  if (args.size() == 2 && args[0] == "manifest") return PrintManifest(args[1]);
  if (args.size() == 1 && args[0] == "run") return RunAction(/*identity_only=*/false);
  if (args.size() == 1 && args[0] == "identity") return RunAction(/*identity_only=*/true);
  fmt::print(stderr, "usage: {} manifest PLUGIN.so | run | identity\n", kWorkerBinary);
  return kWorkerLoadFailed;
}

}  // namespace taskr
