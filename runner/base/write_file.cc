#include "runner/base/write_file.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace taskr {

Status WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::string tmp = fmt::format("{}.tmp{}", path.string(), getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::Error(fmt::format("cannot write {}: {}", path.string(), strerror(errno)));
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n == 0 ? EIO : errno;
      close(fd);
      unlink(tmp.c_str());
      return Status::Error(fmt::format("cannot write {}: {}", path.string(), strerror(err)));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::Error(fmt::format("cannot write {}: {}", path.string(), strerror(err)));
  }
  return Status();
}

}  // namespace taskr
