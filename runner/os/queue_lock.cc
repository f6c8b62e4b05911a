#include "runner/os/queue_lock.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>
#include <vector>

namespace taskr {

namespace {

// LockedFile holds the queue file open and flocked for one short edit.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error_ = fmt::format("cannot open {}: {}", path, strerror(errno));
      return;
    }
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        error_ = fmt::format("cannot lock {}: {}", path, strerror(errno));
        return;
      }
    }
  }
  ~LockedFile() {
    if (fd_ >= 0) close(fd_);  // also releases the flock
  }
  const std::string& error() const { return error_; }

  std::vector<std::string> ReadLines() const {
    std::string text;
    char buf[4096];
    ssize_t n;
    lseek(fd_, 0, SEEK_SET);
    while ((n = read(fd_, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }

  void WriteLines(const std::vector<std::string>& lines) const {
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    if (ftruncate(fd_, 0) != 0) return;
    lseek(fd_, 0, SEEK_SET);
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = write(fd_, p, left);
      if (n <= 0) return;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

 private:
  int fd_ = -1;
  std::string error_;
};

bool Alive(const std::string& entry) {
  pid_t pid = static_cast<pid_t>(std::atol(entry.c_str()));
  if (pid <= 0) return false;
  return kill(pid, 0) == 0 || errno != ESRCH;
}

}  // namespace

Result<std::unique_ptr<QueueLock>> QueueLock::Join(const std::string& path) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string entry = fmt::format("{} {:016x}", getpid(), rng());
  LockedFile file(path);
  if (!file.error().empty()) return Status::Error(file.error());
  std::vector<std::string> lines = file.ReadLines();
  lines.push_back(entry);
  file.WriteLines(lines);
  return std::unique_ptr<QueueLock>(new QueueLock(path, entry));
}

QueueLock::~QueueLock() { Leave(); }

Result<bool> QueueLock::TryAcquire() {
  LockedFile file(path_);
  if (!file.error().empty()) return Status::Error(file.error());
  std::vector<std::string> lines = file.ReadLines();
  std::vector<std::string> live;
  bool present = false;
  for (const auto& l : lines) {
    present |= l == entry_;
    if (l == entry_ || Alive(l)) live.push_back(l);
  }
  if (!present) live.push_back(entry_);  // the file was removed under us: queue again
  if (live != lines) file.WriteLines(live);
  return !live.empty() && live.front() == entry_;
}

void QueueLock::Leave() {
  if (!joined_) return;
  joined_ = false;
  LockedFile file(path_);
  if (!file.error().empty()) return;
  std::vector<std::string> lines = file.ReadLines();
  std::erase(lines, entry_);
  file.WriteLines(lines);
}

}  // namespace taskr
