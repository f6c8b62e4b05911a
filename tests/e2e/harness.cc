#include "tests/e2e/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace taskr::e2e {

namespace fs = std::filesystem;

namespace {

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t Spawn(const fs::path& dir, const std::vector<std::string>& args,
            const std::vector<std::string>& env, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv = {TASKR_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  // The test's own entries replace ours of the same name (getenv finds the first).
  auto given = [&](std::string_view entry) {
    std::string_view name = entry.substr(0, entry.find('=') + 1);
    return std::any_of(env.begin(), env.end(),
                       [&](const std::string& e) { return e.starts_with(name); });
  };
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    // A test runs as a user would, outside GitHub Actions unless it says so.
    if (entry.starts_with("GITHUB_") || entry.starts_with("NO_COLOR=") || given(entry)) continue;
    envs.emplace_back(entry);
  }
  // Each workspace has its own cache store unless the test names one.
  if (!given("TASKR_CACHE_DIR=")) envs.push_back("TASKR_CACHE_DIR=" + (dir / ".store").string());
  envs.insert(envs.end(), env.begin(), env.end());
  // Under AddressSanitizer a crashing test plugin must still die by its signal,
  // as it does in a normal build, rather than be caught and turned into exit 1.
  std::string asan = "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0";
  for (auto& e : envs) {
    if (e.starts_with("ASAN_OPTIONS=")) {
      asan = e + ":handle_segv=0:handle_sigbus=0:handle_sigfpe=0";
      e.clear();
    }
  }
  std::erase(envs, std::string());
  envs.push_back(asan);
  std::vector<char*> cenv;
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = -1;
  int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start taskr at " TASKR_BINARY);
  return pid;
}

}  // namespace

Workspace::Workspace(std::string_view pipeline_toml) {
  std::string tmpl = (fs::temp_directory_path() / "taskr-e2e-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  Write("pipeline.toml", pipeline_toml);
}

Workspace::~Workspace() {
  std::error_code ec;
  if (!std::getenv("TASKR_KEEP_E2E")) fs::remove_all(dir_, ec);
}

void Workspace::Write(const fs::path& relative, std::string_view content) const {
  fs::create_directories((dir_ / relative).parent_path());
  std::ofstream(dir_ / relative, std::ios::binary) << content;
}

std::string Workspace::Read(const fs::path& relative) const { return ReadAll(dir_ / relative); }
bool Workspace::Exists(const fs::path& relative) const { return fs::exists(dir_ / relative); }

Outcome Workspace::Run(const std::vector<std::string>& args,
                       const std::vector<std::string>& env) const {
  static int counter = 0;
  ++counter;
  fs::path out = dir_ / (".stdout-" + std::to_string(counter));
  fs::path err = dir_ / (".stderr-" + std::to_string(counter));
  pid_t pid = Spawn(dir_, args, env, out, err);
  Outcome o;
  o.exit_code = WaitExit(pid);
  o.out = ReadAll(out);
  o.err = ReadAll(err);
  return o;
}

pid_t Workspace::Start(const std::vector<std::string>& args, const std::string& log_name) const {
  return Spawn(dir_, args, {}, dir_ / (log_name + ".out"), dir_ / (log_name + ".err"));
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

bool WaitFor(const Workspace& ws, const fs::path& relative, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ws.Exists(relative)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::string stat = ReadAll(fs::path("/proc") / std::to_string(pid) / "stat");
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace taskr::e2e
