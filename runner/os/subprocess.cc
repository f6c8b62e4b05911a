#include "runner/os/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstdlib>

#include "runner/os/loop_impl.h"

namespace taskr {

namespace asio = boost::asio;

namespace {

constexpr auto kPipeGraceAfterExit = std::chrono::milliseconds(500);

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

ExitStatus DecodeWaitStatus(int status) {
  ExitStatus st;
  if (WIFEXITED(status)) {
    st.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    st.signal = WTERMSIG(status);
  }
  return st;
}

}  // namespace

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

struct Subprocess::Impl : std::enable_shared_from_this<Subprocess::Impl> {
  // Reader drains one pipe into a callback.
  struct Reader {
    Reader(asio::io_context& io, int fd, OutputFn fn) : pipe(io, fd), on_data(std::move(fn)) {}
    asio::posix::stream_descriptor pipe;
    OutputFn on_data;
    std::array<char, 64 * 1024> buffer;
    bool done = false;
  };

  Impl(EventLoop& loop, int pid_fd) : loop(loop), exit_watch(loop.impl().io, pid_fd) {}

  EventLoop& loop;
  pid_t pid = -1;
  asio::posix::stream_descriptor exit_watch;
  std::vector<std::unique_ptr<Reader>> readers;  // output, then messages
  ExitFn on_exit;
  bool exited = false;
  bool reported = false;
  ExitStatus status;
  TimerId pipe_grace = 0;

  void AddReader(int fd, OutputFn fn) {
    readers.push_back(std::make_unique<Reader>(loop.impl().io, fd, std::move(fn)));
  }

  void ReadMore(Reader* r) {
    r->pipe.async_read_some(
        asio::buffer(r->buffer),
        [self = shared_from_this(), r](const boost::system::error_code& ec, size_t n) {
          if (n > 0 && r->on_data) r->on_data(std::string_view(r->buffer.data(), n));
          if (ec) {
            r->done = true;
            self->MaybeReport();
          } else {
            self->ReadMore(r);
          }
        });
  }

  void WatchExit() {
    exit_watch.async_wait(asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (ec) return;
                            self->Reap();
                          });
  }

  bool OutputDone() const {
    for (const auto& r : readers) {
      if (!r->done) return false;
    }
    return true;
  }

  void Reap() {
    int raw = 0;
    pid_t r;
    do {
      r = waitpid(pid, &raw, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {  // spurious wake-up
      WatchExit();
      return;
    }
    status = r == pid ? DecodeWaitStatus(raw) : ExitStatus{};
    exited = true;
    exit_watch.close();
    if (!OutputDone()) {
      pipe_grace = loop.After(kPipeGraceAfterExit, [self = shared_from_this()] {
        self->pipe_grace = 0;
        for (auto& reader : self->readers) {
          boost::system::error_code ignored;
          reader->pipe.close(ignored);  // a background process still holds the pipe
        }
      });
    }
    MaybeReport();
  }

  void MaybeReport() {
    if (reported || !exited || !OutputDone()) return;
    reported = true;
    if (pipe_grace) loop.CancelTimer(pipe_grace);
    for (auto& reader : readers) {
      boost::system::error_code ignored;
      reader->pipe.close(ignored);
      reader->on_data = nullptr;
    }
    ExitFn fn = std::move(on_exit);
    fn(status);
  }
};

Result<std::unique_ptr<Subprocess>> Subprocess::Spawn(EventLoop& loop, const SpawnSpec& spec,
                                                      OutputFn on_output, ExitFn on_exit,
                                                      OutputFn on_message) {
  if (spec.argv.empty()) return Status::Error("nothing to run: empty command");
  std::string program = FindProgram(spec.argv[0]);
  if (program.empty()) return Status::Error(fmt::format("{}: command not found", spec.argv[0]));

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Error(fmt::format("pipe: {}", strerror(errno)));
  int msg[2] = {-1, -1};
  if (spec.message_channel && pipe2(msg, O_CLOEXEC) != 0) {
    close(fds[0]);
    close(fds[1]);
    return Status::Error(fmt::format("pipe: {}", strerror(errno)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  if (spec.message_channel) posix_spawn_file_actions_adddup2(&actions, msg[1], 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);

  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(spec.env.size() + 1);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int err = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (spec.message_channel) close(msg[1]);
  if (err != 0) {
    close(fds[0]);
    if (spec.message_channel) close(msg[0]);
    if (err == ENOENT && !spec.cwd.empty() && access(spec.cwd.c_str(), F_OK) != 0) {
      return Status::Error(fmt::format("working directory {} does not exist", spec.cwd));
    }
    return Status::Error(fmt::format("cannot start {}: {}", program, strerror(err)));
  }

  int pid_fd = PidfdOpen(pid);
  if (pid_fd < 0) {
    int saved = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(fds[0]);
    if (spec.message_channel) close(msg[0]);
    return Status::Error(fmt::format("pidfd_open: {}", strerror(saved)));
  }
  auto impl = std::make_shared<Impl>(loop, pid_fd);
  impl->pid = pid;
  impl->on_exit = std::move(on_exit);
  impl->AddReader(fds[0], std::move(on_output));
  if (spec.message_channel) impl->AddReader(msg[0], std::move(on_message));
  for (auto& reader : impl->readers) impl->ReadMore(reader.get());
  impl->WatchExit();
  return std::unique_ptr<Subprocess>(new Subprocess(std::move(impl)));
}

Subprocess::~Subprocess() = default;

void Subprocess::Signal(int signal) {
  // Before it is reaped the pid cannot be reused, and its group outlives it.
  if (impl_->pid > 0) kill(-impl_->pid, signal);
}

pid_t Subprocess::pid() const { return impl_->pid; }

}  // namespace taskr
