#include "runner/base/write_file.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace taskr {

namespace {

// WriteAll writes all of `text` to `fd`; 0 or the errno of the failure.
int WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? EIO : errno;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

Status Failed(const char* what, const std::filesystem::path& path, int err) {
  return Status::Error(fmt::format("cannot {} {}: {}", what, path.string(), strerror(err)));
}

}  // namespace

Status WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::string tmp = fmt::format("{}.tmp{}", path.string(), getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Failed("write", path, errno);
  int err = WriteAll(fd, text);
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    unlink(tmp.c_str());
    return Failed("write", path, err);
  }
  return Status();
}

Status AppendFile(const std::filesystem::path& path, std::string_view text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Failed("append to", path, errno);
  int err = WriteAll(fd, text);
  if (close(fd) != 0 && err == 0) err = errno;
  return err == 0 ? Status() : Failed("append to", path, err);
}

}  // namespace taskr
